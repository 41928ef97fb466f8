//! The HTTP surface: which path goes to which handler.

mod accounts;
pub(crate) mod assets;
mod conversations;
mod filters;
mod health;
mod instance;
mod interactions;
mod media;
mod notifications;
mod oauth;
mod relationships;
mod search;
mod setup;
mod statuses;
mod timelines;

use axum::Router;
use axum::http::{Method, header};
use axum::routing::{get, post};
use tower_http::cors::{Any, CorsLayer};

use crate::AppState;
use crate::error::ApiError;

pub fn router(more_pages: Router<AppState>) -> Router<AppState> {
    // Browser apps (Elk, Phanpy, ...) call the API from their own origins with bearer
    // tokens, never cookies, so any origin may. The HTML pages get no CORS at all.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers(Any)
        .expose_headers([header::LINK, header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(3600));
    let pages = Router::new()
        .route(
            "/oauth/authorize",
            get(oauth::authorize_form).post(oauth::authorize_decision),
        )
        .route("/setup", get(setup::form_page).post(setup::submit))
        .route(assets::DEFAULT_AVATAR_PATH, get(assets::avatar))
        .route(assets::DEFAULT_HEADER_PATH, get(assets::header))
        .route(assets::THUMBNAIL_PATH, get(assets::thumbnail))
        .route(assets::STYLESHEET_PATH, get(assets::stylesheet));
    api_routes()
        .layer(cors)
        .merge(pages)
        .merge(more_pages)
        .merge(hamlet_federation::routes::router())
        .fallback(not_found)
}

fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .route("/api/v1/instance", get(instance::v1))
        .route("/api/v2/instance", get(instance::v2))
        .route("/api/v1/instance/rules", get(instance::rules_list))
        .route("/api/v1/custom_emojis", get(instance::custom_emojis))
        .route("/api/v1/preferences", get(accounts::preferences))
        .route("/api/v1/apps", post(oauth::register_app))
        .route("/api/v1/apps/verify_credentials", get(oauth::verify_app))
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", post(oauth::revoke))
        .route(
            "/oauth/userinfo",
            get(oauth::userinfo).post(oauth::userinfo),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::server_metadata),
        )
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            axum::routing::patch(accounts::update_credentials),
        )
        .route("/api/v1/accounts/lookup", get(accounts::lookup))
        .route("/api/v1/accounts/search", get(search::accounts))
        .route("/api/v2/search", get(search::search))
        .route(
            "/api/v1/accounts/relationships",
            get(relationships::relationships),
        )
        .route("/api/v1/accounts/{id}/follow", post(relationships::follow))
        .route(
            "/api/v1/accounts/{id}/unfollow",
            post(relationships::unfollow),
        )
        .route("/api/v1/accounts/{id}/block", post(relationships::block))
        .route(
            "/api/v1/accounts/{id}/unblock",
            post(relationships::unblock),
        )
        .route("/api/v1/accounts/{id}/mute", post(relationships::mute))
        .route("/api/v1/accounts/{id}/unmute", post(relationships::unmute))
        .route(
            "/api/v1/accounts/{id}/followers",
            get(relationships::followers),
        )
        .route(
            "/api/v1/accounts/{id}/following",
            get(relationships::following),
        )
        .route(
            "/api/v1/follow_requests",
            get(relationships::follow_requests),
        )
        .route(
            "/api/v1/follow_requests/{id}/authorize",
            post(relationships::authorize_request),
        )
        .route(
            "/api/v1/follow_requests/{id}/reject",
            post(relationships::reject_request),
        )
        .route("/api/v1/blocks", get(relationships::blocks))
        .route("/api/v1/mutes", get(relationships::mutes))
        .route("/api/v1/accounts/{id}", get(accounts::show))
        .route(
            "/api/v1/accounts/{id}/statuses",
            get(timelines::account_statuses),
        )
        .route(
            "/api/v1/profile/{picture}",
            axum::routing::delete(accounts::delete_picture),
        )
        .route("/api/v1/media", post(media::upload))
        .route("/api/v2/media", post(media::upload))
        .route("/api/v1/media/{id}", get(media::show).put(media::update))
        .route("/media/{*key}", get(media::file))
        .route("/api/v1/statuses", post(statuses::create))
        .route(
            "/api/v1/statuses/{id}",
            get(statuses::show)
                .put(statuses::edit)
                .delete(statuses::delete),
        )
        .route("/api/v1/statuses/{id}/history", get(statuses::history))
        .route("/api/v1/statuses/{id}/source", get(statuses::source))
        .route("/api/v1/statuses/{id}/context", get(statuses::context))
        .route(
            "/api/v1/statuses/{id}/favourite",
            post(interactions::favourite),
        )
        .route(
            "/api/v1/statuses/{id}/unfavourite",
            post(interactions::unfavourite),
        )
        .route(
            "/api/v1/statuses/{id}/bookmark",
            post(interactions::bookmark),
        )
        .route(
            "/api/v1/statuses/{id}/unbookmark",
            post(interactions::unbookmark),
        )
        .route("/api/v1/statuses/{id}/pin", post(interactions::pin))
        .route("/api/v1/statuses/{id}/unpin", post(interactions::unpin))
        .route("/api/v1/statuses/{id}/reblog", post(interactions::reblog))
        .route(
            "/api/v1/statuses/{id}/unreblog",
            post(interactions::unreblog),
        )
        .route(
            "/api/v1/statuses/{id}/favourited_by",
            get(interactions::favourited_by),
        )
        .route(
            "/api/v1/statuses/{id}/reblogged_by",
            get(interactions::reblogged_by),
        )
        .route("/api/v1/favourites", get(interactions::favourites))
        .route("/api/v2/filters", get(filters::list).post(filters::create))
        .route(
            "/api/v2/filters/{id}",
            get(filters::show)
                .put(filters::update)
                .delete(filters::delete),
        )
        .route(
            "/api/v2/filters/{id}/keywords",
            get(filters::keywords).post(filters::add_keyword),
        )
        .route(
            "/api/v2/filters/keywords/{id}",
            get(filters::show_keyword)
                .put(filters::update_keyword)
                .delete(filters::delete_keyword),
        )
        .route(
            "/api/v2/filters/{id}/statuses",
            get(filters::filtered_statuses).post(filters::add_status),
        )
        .route(
            "/api/v2/filters/statuses/{id}",
            get(filters::show_status).delete(filters::delete_status),
        )
        .route("/api/v1/conversations", get(conversations::list))
        .route(
            "/api/v1/conversations/{id}",
            axum::routing::delete(conversations::remove),
        )
        .route("/api/v1/conversations/{id}/read", post(conversations::read))
        .route("/api/v1/notifications", get(notifications::list))
        .route("/api/v1/notifications/clear", post(notifications::clear))
        .route("/api/v1/notifications/{id}", get(notifications::show))
        .route(
            "/api/v1/notifications/{id}/dismiss",
            post(notifications::dismiss),
        )
        .route(
            "/api/v1/markers",
            get(notifications::markers).post(notifications::set_markers),
        )
        .route("/api/v1/bookmarks", get(interactions::bookmarks))
        .route("/api/v1/timelines/home", get(timelines::home))
        .route("/api/v1/timelines/public", get(timelines::public))
        .route("/api/v1/timelines/tag/{hashtag}", get(timelines::tag))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// API paths anyone may call even in a private community: what an app needs to sign a
/// member in, and what the community says about itself.
fn open_in_private_community(path: &str) -> bool {
    path == "/api/v1/instance"
        || path.starts_with("/api/v1/instance/")
        || path == "/api/v2/instance"
        || path == "/api/v1/apps"
        || path == "/api/v1/custom_emojis"
}

/// In a private community, the client API answers only signed-in members (as Mastodon
/// does with `DISALLOW_UNAUTHENTICATED_API_ACCESS`): a request without a token is
/// refused before any handler reads anything. Requests with a token go on; handlers
/// check it.
pub async fn private_community_api(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    let anonymous_api = path.starts_with("/api/")
        && !open_in_private_community(path.trim_end_matches('/'))
        && !request.headers().contains_key(header::AUTHORIZATION);
    if anonymous_api {
        match crate::service::community::current(&state).await {
            Ok(community) if community.private => {
                return ApiError::AuthenticationRequired.into_response();
            }
            Ok(_) => {}
            Err(error) => return error.into_response(),
        }
    }
    next.run(request).await
}
