//! The server-to-server HTTP endpoints: discovery (WebFinger, host-meta, NodeInfo) and,
//! as they arrive, actors, inboxes and collections. Handlers stay thin: parse, ask the
//! store, render with [`crate::discovery`] or [`crate::vocab`].

use std::sync::Arc;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hamlet_core::Timestamp;
use hamlet_store::Store;
use serde::Deserialize;
use serde_json::json;

use crate::discovery::{self, NodeFacts, NodeInfoVersion, Subject, WebfingerError};
use crate::instance::LocalInstance;

/// What the federation endpoints can reach.
#[derive(Clone)]
pub struct FederationState {
    pub store: Store,
    pub local: Arc<LocalInstance>,
    pub node: Arc<NodeDescription>,
}

/// How NodeInfo describes this server; fixed at start from the configuration.
#[derive(Clone, Debug)]
pub struct NodeDescription {
    pub name: String,
    pub description: String,
    pub open_registrations: bool,
}

/// The federation routes, for any application state that can lend a [`FederationState`].
pub fn router<S>() -> Router<S>
where
    FederationState: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/host-meta", get(host_meta))
        .route("/.well-known/host-meta.json", get(host_meta_json))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/{version}", get(nodeinfo))
}

/// A federation endpoint's failure: a status and a short JSON reason, nothing internal.
#[derive(Debug)]
pub enum FederationError {
    BadRequest(&'static str),
    NotFound,
    Gone,
    Internal,
}

impl From<hamlet_store::StoreError> for FederationError {
    fn from(error: hamlet_store::StoreError) -> FederationError {
        tracing::error!(%error, "store error in a federation endpoint");
        FederationError::Internal
    }
}

impl IntoResponse for FederationError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            FederationError::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            FederationError::NotFound => (StatusCode::NOT_FOUND, "Record not found"),
            FederationError::Gone => (StatusCode::GONE, "Gone"),
            FederationError::Internal => {
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            }
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}

/// Discovery documents are public and read by browsers' JavaScript too (RFC 7033 §5).
fn public_document(content_type: &str, body: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(content_type).expect("a valid content type"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=259200, public"),
            ),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct WebfingerQuery {
    resource: Option<String>,
}

/// `GET /.well-known/webfinger?resource=acct:NAME@DOMAIN`.
async fn webfinger(
    State(state): State<FederationState>,
    Query(query): Query<WebfingerQuery>,
) -> Result<Response, FederationError> {
    let resource = query.resource.unwrap_or_default();
    let subject = discovery::parse_resource(&resource, &state.local).map_err(|e| match e {
        WebfingerError::Missing => FederationError::BadRequest("resource is required"),
        WebfingerError::Malformed => FederationError::BadRequest("resource is not understood"),
        WebfingerError::NotLocal => FederationError::NotFound,
    })?;
    let jrd = match subject {
        Subject::InstanceActor => discovery::instance_actor_jrd(&state.local),
        Subject::Account(name) => {
            let member = state
                .store
                .member_by_username(&name)
                .await?
                .ok_or(FederationError::NotFound)?;
            if member.account.is_suspended() {
                return Err(FederationError::Gone);
            }
            discovery::account_jrd(&member.account.username, &state.local)
        }
    };
    Ok(public_document(
        discovery::JRD_CONTENT_TYPE,
        jrd.to_string(),
    ))
}

/// `GET /.well-known/host-meta` (XRD).
async fn host_meta(State(state): State<FederationState>) -> Response {
    public_document(
        discovery::XRD_CONTENT_TYPE,
        discovery::host_meta_xrd(&state.local),
    )
}

/// `GET /.well-known/host-meta.json` (JRD).
async fn host_meta_json(State(state): State<FederationState>) -> Response {
    public_document(
        discovery::JRD_CONTENT_TYPE,
        discovery::host_meta_jrd(&state.local).to_string(),
    )
}

/// `GET /.well-known/nodeinfo`.
async fn nodeinfo_links(State(state): State<FederationState>) -> Response {
    public_document(
        "application/json; charset=utf-8",
        discovery::nodeinfo_links(&state.local).to_string(),
    )
}

/// `GET /nodeinfo/2.0` and `/nodeinfo/2.1`.
async fn nodeinfo(
    State(state): State<FederationState>,
    Path(version): Path<String>,
) -> Result<Response, FederationError> {
    let version = NodeInfoVersion::parse(&version).ok_or(FederationError::NotFound)?;
    let usage = state.store.local_usage(Timestamp::now()).await?;
    let facts = NodeFacts {
        name: state.node.name.clone(),
        description: state.node.description.clone(),
        open_registrations: state.node.open_registrations,
        users_total: usage.users_total,
        users_active_month: usage.users_active_month,
        users_active_halfyear: usage.users_active_halfyear,
        local_posts: usage.local_posts,
    };
    Ok(public_document(
        &version.content_type(),
        discovery::nodeinfo(version, &facts).to_string(),
    ))
}
