//! A record of every exchange an instance served: request and response, whole. Tests
//! that must prove something never left an instance (local-only posts) read the bytes
//! the instance answered with, and the bytes another instance received.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// One request and the response it got.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub method: String,
    /// Path and query, as received.
    pub uri: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
}

impl Exchange {
    pub fn request_header(&self, name: &str) -> Option<&str> {
        header(&self.request_headers, name)
    }

    /// Whether the request carried a bearer token (a member's app, not another server
    /// and not an anonymous visitor).
    pub fn has_bearer_token(&self) -> bool {
        self.request_header("authorization")
            .is_some_and(|value| value.to_ascii_lowercase().starts_with("bearer "))
    }

    /// Everything about it, request and response, as one text to search.
    pub fn all_text(&self) -> String {
        let headers = |list: &[(String, String)]| {
            list.iter()
                .map(|(name, value)| format!("{name}: {value}\n"))
                .collect::<String>()
        };
        format!(
            "{} {}\n{}\n{}\n{}\n{}\n{}",
            self.method,
            self.uri,
            headers(&self.request_headers),
            self.request_body,
            self.status,
            headers(&self.response_headers),
            self.response_body
        )
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The exchanges recorded so far, shared with the server's middleware.
#[derive(Clone, Debug, Default)]
pub struct Traffic(Arc<Mutex<Vec<Exchange>>>);

impl Traffic {
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.0.lock().expect("traffic lock").clone()
    }

    pub fn clear(&self) {
        self.0.lock().expect("traffic lock").clear();
    }
}

fn headers_of(map: &axum::http::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The middleware: buffers both bodies, records them, passes them on unchanged.
pub(crate) async fn record(
    State(traffic): State<Traffic>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let request_bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let method = parts.method.to_string();
    let uri = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), ToString::to_string);
    let request_headers = headers_of(&parts.headers);
    let response = next
        .run(Request::from_parts(
            parts,
            Body::from(request_bytes.clone()),
        ))
        .await;
    let (parts, body) = response.into_parts();
    let response_bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    traffic.0.lock().expect("traffic lock").push(Exchange {
        method,
        uri,
        request_headers,
        request_body: String::from_utf8_lossy(&request_bytes).into_owned(),
        status: parts.status.as_u16(),
        response_headers: headers_of(&parts.headers),
        response_body: String::from_utf8_lossy(&response_bytes).into_owned(),
    });
    Response::from_parts(parts, Body::from(response_bytes))
}
