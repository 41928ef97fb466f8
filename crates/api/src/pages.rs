//! The few HTML pages the API needs (OAuth sign-in and consent, first-admin setup):
//! templates, security headers and CSRF protection.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hamlet_core::secret;

use crate::Settings;

const CSRF_COOKIE: &str = "hamlet_csrf";

/// Nothing from another host, no inline script or style, never framed (the consent page
/// must not be clickjacked). Scripts come from this server's own files only (the web
/// interface's small progressive enhancement), and talk to this server alone. No
/// `form-action`: the consent form's answer redirects to the app's own URI scheme,
/// which that directive would block.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     connect-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

#[derive(Template)]
#[template(path = "authorize.html")]
pub struct AuthorizePage<'a> {
    pub instance_name: &'a str,
    /// The member signed in through this browser, who answers without a password.
    pub signed_in_as: Option<&'a str>,
    pub app_name: &'a str,
    pub app_website: Option<&'a str>,
    pub scopes: Vec<&'static str>,
    pub scope: String,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub code_challenge: &'a str,
    pub code_challenge_method: &'a str,
    pub username: &'a str,
    pub csrf_token: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub instance_name: &'a str,
    pub title: &'a str,
    pub message: &'a str,
    pub code: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "setup.html")]
pub struct SetupPage<'a> {
    pub instance_name: &'a str,
    pub token: &'a str,
    pub username: &'a str,
    pub csrf_token: &'a str,
    pub error: Option<&'a str>,
}

/// An HTML response with the headers every page carries.
pub fn html(status: StatusCode, page: &impl Template) -> Response {
    let body = match page.render() {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "template rendering failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

pub fn message(settings: &Settings, status: StatusCode, title: &str, message: &str) -> Response {
    html(
        status,
        &MessagePage {
            instance_name: &settings.instance.name,
            title,
            message,
            code: None,
        },
    )
}

/// Double-submit CSRF protection: a random token in a `SameSite=Strict`, `HttpOnly`
/// cookie must equal the token in the form.
pub struct Csrf {
    pub token: String,
    fresh: bool,
}

impl Csrf {
    /// The visitor's current token, or a new one.
    pub fn for_request(headers: &HeaderMap) -> Csrf {
        match cookie(headers, CSRF_COOKIE) {
            Some(token) if token.len() == 43 => Csrf {
                token: token.to_owned(),
                fresh: false,
            },
            _ => Csrf {
                token: secret::generate(),
                fresh: true,
            },
        }
    }

    /// Whether the form's token matches the cookie.
    pub fn verify(headers: &HeaderMap, submitted: &str) -> bool {
        match cookie(headers, CSRF_COOKIE) {
            Some(expected) => {
                !expected.is_empty()
                    && secret::constant_time_eq(expected.as_bytes(), submitted.as_bytes())
            }
            None => false,
        }
    }

    /// Sets the cookie on `response` if the token is new.
    pub fn attach(&self, settings: &Settings, mut response: Response) -> Response {
        if self.fresh {
            let secure = if settings.is_https() { "; Secure" } else { "" };
            let value = format!(
                "{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
                self.token
            );
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

/// The value of the cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}
