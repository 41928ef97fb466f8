//! The server-to-server HTTP endpoints: discovery (WebFinger, host-meta, NodeInfo) and,
//! as they arrive, actors, inboxes and collections. Handlers stay thin: parse, ask the
//! store, render with [`crate::discovery`] or [`crate::vocab`].

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hamlet_core::Timestamp;
use hamlet_core::keys::AccountKeys;
use hamlet_store::{InstanceKeys, Store, StoreError};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::OnceCell;

use crate::actors;
use crate::client::OutboundClient;
use crate::delivery::{DeliveryConfig, DeliveryWorker};
use crate::discovery::{self, NodeFacts, NodeInfoVersion, Subject, WebfingerError};
use crate::instance::LocalInstance;
use crate::signature::PrivateKey;
use crate::signer::KeySigner;

/// What the federation endpoints and services can reach.
#[derive(Clone)]
pub struct FederationState {
    pub store: Store,
    pub local: Arc<LocalInstance>,
    pub node: Arc<NodeDescription>,
    /// The one door out.
    pub client: Arc<OutboundClient>,
    /// Sends what the outbox holds; run it with [`DeliveryWorker::run`].
    pub delivery: DeliveryWorker,
    instance_signer: Arc<OnceCell<Arc<KeySigner>>>,
}

impl FederationState {
    pub fn new(
        store: Store,
        local: LocalInstance,
        node: NodeDescription,
        client: OutboundClient,
        delivery: DeliveryConfig,
    ) -> FederationState {
        let delivery = DeliveryWorker::new(store.clone(), client.clone(), local.clone(), delivery);
        FederationState {
            store,
            local: Arc::new(local),
            node: Arc::new(node),
            client: Arc::new(client),
            delivery,
            instance_signer: Arc::new(OnceCell::new()),
        }
    }

    /// The instance actor's keys, created on first use (off the async threads: RSA key
    /// generation takes a while).
    pub async fn instance_keys(&self) -> Result<InstanceKeys, StoreError> {
        if let Some(keys) = self.store.stored_instance_keys().await? {
            return Ok(keys);
        }
        let fresh = tokio::task::spawn_blocking(AccountKeys::generate)
            .await
            .map_err(|e| StoreError::Corrupt(format!("key generation task: {e}")))?;
        self.store
            .instance_keys(move || fresh, Timestamp::now())
            .await
    }

    /// What signs the fetches Hamlet makes for itself.
    pub async fn instance_signer(&self) -> Result<Arc<KeySigner>, StoreError> {
        self.instance_signer
            .get_or_try_init(|| async {
                let keys = self.instance_keys().await?;
                let key = PrivateKey::from_pem(&keys.private_key_pem)
                    .map_err(|e| StoreError::Corrupt(format!("instance key: {e}")))?;
                Ok(Arc::new(KeySigner::new(
                    self.local.instance_key_id(),
                    key,
                    self.delivery.config().signature_scheme,
                )))
            })
            .await
            .cloned()
    }
}

/// How NodeInfo describes this server by default, from the configuration; the name and
/// description admins set at run time (`community_settings`) take precedence.
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
        .route("/users/{username}", get(member_actor))
        .route("/users/{username}/inbox", post(member_inbox))
        .route("/users/{username}/outbox", get(outbox))
        .route("/users/{username}/followers", get(followers))
        .route("/users/{username}/following", get(following))
        .route("/users/{username}/collections/featured", get(featured))
        .route("/users/{username}/statuses/{id}", get(status_document))
        .route("/users/{username}/statuses/{id}/replies", get(replies))
        .route(crate::instance::SHARED_INBOX_PATH, post(shared_inbox))
        // The instance actor's inbox is the shared one (relays and servers that follow
        // instances deliver there).
        .route("/actor/inbox", post(shared_inbox))
        .route(crate::instance::INSTANCE_ACTOR_PATH, get(instance_actor))
}

/// A federation endpoint's failure: a status and a short JSON reason, nothing internal.
#[derive(Debug)]
pub enum FederationError {
    BadRequest(&'static str),
    NotFound,
    Gone,
    Internal,
}

impl From<StoreError> for FederationError {
    fn from(error: StoreError) -> FederationError {
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
    let community = state.store.community_settings().await?;
    let facts = NodeFacts {
        name: community.name.unwrap_or_else(|| state.node.name.clone()),
        description: community
            .description
            .unwrap_or_else(|| state.node.description.clone()),
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

/// Whether the client asked for ActivityStreams rather than a web page.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|media| {
            let media = media.trim().to_ascii_lowercase();
            media.starts_with("application/activity+json")
                || media.starts_with("application/ld+json")
                || media.starts_with("application/json")
        })
}

/// An ActivityStreams document, with the headers caches and servers need.
pub fn activity_json(body: impl serde::Serialize) -> Result<Response, FederationError> {
    let body = serde_json::to_string(&body).map_err(|error| {
        tracing::error!(%error, "serializing an ActivityStreams document");
        FederationError::Internal
    })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/activity+json; charset=utf-8"),
            ),
            (header::VARY, HeaderValue::from_static("Accept")),
        ],
        body,
    )
        .into_response())
}

/// `GET /users/{username}`: the actor for servers, the profile page for people.
async fn member_actor(
    State(state): State<FederationState>,
    Path(username): Path<String>,
    headers: HeaderMap,
) -> Result<Response, FederationError> {
    let member = state
        .store
        .member_by_username(&username)
        .await?
        .ok_or(FederationError::NotFound)?;
    if member.account.is_suspended() {
        return Err(FederationError::Gone);
    }
    if !wants_activity_json(&headers) {
        let profile = state.local.profile_url(&member.account.username);
        return Ok((
            StatusCode::FOUND,
            [
                (header::LOCATION, profile.to_string()),
                (header::VARY, "Accept".to_owned()),
            ],
        )
            .into_response());
    }
    activity_json(actors::member_document(&member.account, &state.local))
}

/// `GET /actor`: the instance actor.
async fn instance_actor(State(state): State<FederationState>) -> Result<Response, FederationError> {
    let keys = state.instance_keys().await?;
    activity_json(actors::instance_document(
        &state.local,
        &keys.public_key_pem,
        keys.created_at,
    ))
}

/// `POST /users/{username}/inbox`.
async fn member_inbox(
    State(state): State<FederationState>,
    Path(username): Path<String>,
    request: Request<Body>,
) -> Response {
    match state.store.member_by_username(&username).await {
        Ok(Some(_)) => receive(&state, request).await,
        Ok(None) => FederationError::NotFound.into_response(),
        Err(error) => FederationError::from(error).into_response(),
    }
}

/// `POST /inbox`: the shared inbox.
async fn shared_inbox(State(state): State<FederationState>, request: Request<Body>) -> Response {
    receive(&state, request).await
}

/// The door in: bounded body, signature, then the activity.
async fn receive(state: &FederationState, request: Request<Body>) -> Response {
    let (mut parts, body) = request.into_parts();
    if let Some(sent) = parts.extensions.get::<crate::inbound::SentUri>() {
        parts.uri = sent.0.clone();
    }
    let body = match axum::body::to_bytes(body, crate::inbound::MAX_INBOX_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(json!({ "error": "The activity is too large" })),
            )
                .into_response();
        }
    };
    let signer = match state.authenticate(&parts, &body).await {
        Ok(signer) => signer,
        Err(error) => {
            tracing::info!(%error, "inbox request refused");
            return (
                error.status(),
                Json(json!({ "error": "Request not signed by a verifiable actor" })),
            )
                .into_response();
        }
    };
    if let Some(domain) = &signer.account.domain
        && let Err(error) = state
            .store
            .record_domain_contact(domain, Timestamp::now())
            .await
    {
        tracing::warn!(%error, "could not record that a domain contacted us");
    }
    let activity = match crate::vocab::parse_activity(&body) {
        Ok(activity) => activity,
        Err(error) => {
            tracing::info!(%error, signer = signer.uri(), "unreadable activity");
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": "The activity could not be read" })),
            )
                .into_response();
        }
    };
    match state.handle_activity(&signer, activity).await {
        Ok(_) => StatusCode::ACCEPTED.into_response(),
        Err(error) => {
            use crate::inbox::InboxError;
            // The reason is logged; the sender learns only the class of refusal, not
            // what this server tried to fetch or how that failed.
            let (status, message) = match &error {
                InboxError::ActorMismatch => {
                    (StatusCode::UNAUTHORIZED, "The actor is not the signer")
                }
                InboxError::NotOwner => (StatusCode::FORBIDDEN, "Not the owner of the object"),
                InboxError::Invalid(_) | InboxError::Resolve(_) => (
                    StatusCode::BAD_REQUEST,
                    "The activity could not be processed",
                ),
                InboxError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "Try again later"),
            };
            tracing::info!(%error, signer = signer.uri(), "activity refused");
            (status, Json(json!({ "error": message }))).into_response()
        }
    }
}

/// The member `username`, unless unknown (404) or suspended (410).
async fn visible_member(
    state: &FederationState,
    username: &str,
) -> Result<hamlet_core::account::Member, FederationError> {
    let member = state
        .store
        .member_by_username(username)
        .await?
        .ok_or(FederationError::NotFound)?;
    if member.account.is_suspended() {
        return Err(FederationError::Gone);
    }
    Ok(member)
}

#[derive(Deserialize)]
pub struct CollectionQuery {
    page: Option<String>,
    max_id: Option<String>,
}

/// `GET /users/{username}/outbox[?page=true[&max_id=ID]]`.
async fn outbox(
    State(state): State<FederationState>,
    Path(username): Path<String>,
    Query(query): Query<CollectionQuery>,
) -> Result<Response, FederationError> {
    let member = visible_member(&state, &username).await?;
    let max_id = match query.max_id.as_deref() {
        None => None,
        Some(raw) => Some(
            raw.parse::<i64>()
                .map(hamlet_core::Id::from_i64)
                .map_err(|_| FederationError::BadRequest("max_id is not an id"))?,
        ),
    };
    let page = query.page.is_some() || max_id.is_some();
    activity_json(state.outbox(&member, page, max_id).await?)
}

/// `GET /users/{username}/followers`.
async fn followers(
    State(state): State<FederationState>,
    Path(username): Path<String>,
) -> Result<Response, FederationError> {
    let member = visible_member(&state, &username).await?;
    activity_json(state.relation_collection(&member, true).await?)
}

/// `GET /users/{username}/following`.
async fn following(
    State(state): State<FederationState>,
    Path(username): Path<String>,
) -> Result<Response, FederationError> {
    let member = visible_member(&state, &username).await?;
    activity_json(state.relation_collection(&member, false).await?)
}

/// `GET /users/{username}/collections/featured`.
async fn featured(
    State(state): State<FederationState>,
    Path(username): Path<String>,
) -> Result<Response, FederationError> {
    let member = visible_member(&state, &username).await?;
    activity_json(state.featured(&member).await?)
}

/// `GET /users/{username}/statuses/{id}`: the post as a `Note`, or its page for people.
/// A post that anonymous visitors may not read answers 404, like one that does not exist.
async fn status_document(
    State(state): State<FederationState>,
    Path((username, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, FederationError> {
    let member = visible_member(&state, &username).await?;
    let id = id
        .parse::<i64>()
        .map(hamlet_core::Id::from_i64)
        .map_err(|_| FederationError::NotFound)?;
    let note = state
        .public_post(&member, id)
        .await?
        .ok_or(FederationError::NotFound)?;
    if !wants_activity_json(&headers) {
        return Ok((
            StatusCode::FOUND,
            [
                (header::LOCATION, note.url().to_string()),
                (header::VARY, "Accept".to_owned()),
            ],
        )
            .into_response());
    }
    activity_json(crate::vocab::out::WithContext::new(note))
}

/// `GET /users/{username}/statuses/{id}/replies`.
async fn replies(
    State(state): State<FederationState>,
    Path((username, id)): Path<(String, String)>,
) -> Result<Response, FederationError> {
    let member = visible_member(&state, &username).await?;
    let id = id
        .parse::<i64>()
        .map(hamlet_core::Id::from_i64)
        .map_err(|_| FederationError::NotFound)?;
    activity_json(
        state
            .replies(&member, id)
            .await?
            .ok_or(FederationError::NotFound)?,
    )
}
