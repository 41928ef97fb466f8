//! The Mastodon client API and OAuth 2, served by axum. This is the only crate that
//! knows Mastodon's JSON entities. Handlers parse input into typed values
//! ([`params`]), check who is asking ([`auth`]), call the store or a service, and
//! render an entity ([`entities`]).

pub mod auth;
pub mod browser_session;
pub mod entities;
pub mod error;
pub mod pages;
pub mod pagination;
pub mod params;
pub mod rate_limit;
mod routes;
pub mod service;
pub mod settings;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, header};
use hamlet_federation::client::{ClientConfig, OutboundClient};
use hamlet_federation::delivery::DeliveryConfig;
use hamlet_federation::inbound::SentUri;
use hamlet_federation::instance::LocalInstance;
use hamlet_federation::routes::{FederationState, NodeDescription};
use hamlet_federation::signature::SignatureScheme;
use hamlet_store::Store;
use tower::Layer;
use tower::util::{MapRequest, MapRequestLayer};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use settings::Settings;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub limiter: Arc<rate_limit::RateLimiter>,
    /// What the server-to-server endpoints (mounted beside the API) reach.
    pub federation: FederationState,
    /// Where uploaded and cached files are kept.
    pub media: hamlet_media::MediaStorage,
    pub media_limits: hamlet_media::MediaLimits,
    /// Pictures decoded at once at most (one per core): each may take hundreds of MiB.
    pub media_permits: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(store: Store, settings: Settings, media: hamlet_media::MediaStorage) -> AppState {
        let limiter = rate_limit::RateLimiter::new(settings.rate_limits.clone());
        let mut client_config = ClientConfig::new(settings.public_url.clone());
        client_config.insecure_local_federation = settings.insecure_local_federation;
        // Building the client only fails if TLS cannot initialise: nothing would work.
        let client = OutboundClient::new(client_config).expect("the outbound HTTP client");
        let federation = FederationState::new(
            store.clone(),
            LocalInstance::new(&settings.public_url)
                .with_media_base(settings.media_base_url.clone()),
            NodeDescription {
                name: settings.instance.name.clone(),
                description: settings.instance.description.clone(),
                // Sign-ups open with the membership issue; until then members are invited.
                open_registrations: false,
            },
            client,
            DeliveryConfig {
                signature_scheme: match settings.outbound_signatures {
                    settings::OutboundSignatures::DraftCavage => SignatureScheme::Cavage,
                    settings::OutboundSignatures::Rfc9421 => SignatureScheme::Rfc9421,
                },
                concurrency: settings.delivery_concurrency,
                lease: settings.delivery_lease,
                ..DeliveryConfig::default()
            },
        );
        AppState {
            store,
            settings: Arc::new(settings),
            limiter: Arc::new(limiter),
            federation,
            media,
            media_limits: hamlet_media::MediaLimits::default(),
            media_permits: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            )),
        }
    }
}

impl FromRef<AppState> for FederationState {
    fn from_ref(state: &AppState) -> FederationState {
        state.federation.clone()
    }
}

/// The whole HTTP application: routes plus the layers every request passes through.
/// Trailing slashes are trimmed before routing (Mastodon.py asks for
/// `/api/v1/instance/`); the URI as sent is kept for HTTP signatures, which cover it.
pub fn app(state: AppState) -> MapRequest<NormalizePath<Router>, fn(Request) -> Request> {
    app_with(state, Router::new())
}

/// Like [`app`], with more routes beside the API's (the web interface's pages), which
/// pass through the same layers.
pub fn app_with(
    state: AppState,
    pages: Router<AppState>,
) -> MapRequest<NormalizePath<Router>, fn(Request) -> Request> {
    let router = routes::router(pages)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            routes::private_community_api,
        ))
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(
            // Paths are logged as routed (`/api/v1/accounts/{id}`), never with their
            // query strings, which can carry codes and tokens; client addresses are not
            // logged at all.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    tracing::info_span!("request", method = %request.method(), route)
                })
                .on_request(())
                .on_response(
                    |response: &axum::response::Response, latency: Duration, _: &tracing::Span| {
                        tracing::info!(
                            status = response.status().as_u16(),
                            ms = latency.as_millis() as u64,
                            "served"
                        );
                    },
                ),
        );
    let normalized = NormalizePathLayer::trim_trailing_slash().layer(router);
    MapRequestLayer::new(remember_sent_uri as fn(Request) -> Request).layer(normalized)
}

fn remember_sent_uri(mut request: Request) -> Request {
    let sent = SentUri(request.uri().clone());
    request.extensions_mut().insert(sent);
    request
}
