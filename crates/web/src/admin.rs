//! Pages for admins: the community's settings and its members. Anyone else is shown
//! the page of something that does not exist.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use hamlet_api::AppState;
use hamlet_api::error::ApiError;
use hamlet_api::pages::html;
use hamlet_core::Timestamp;
use hamlet_core::role::Role;
use hamlet_store::{CommunitySettings, MemberFilter};
use serde::Deserialize;

use crate::pages::{AdminPage, MemberRow};
use crate::session::{Session, SignedIn};
use crate::views::Chrome;

const ROLES: &[&str] = &["member", "moderator", "admin"];

/// A signed-in admin.
pub struct AdminSession(Session);

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        if session.member.user.role == Role::Admin {
            Ok(AdminSession(session))
        } else {
            Err(crate::posts::not_found(state, Some(&session)))
        }
    }
}

async fn admin_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    error: Option<&str>,
    notice: Option<&str>,
) -> Result<Response, ApiError> {
    let community = state.store.community_settings().await?;
    let members = state
        .store
        .list_members(MemberFilter::default())
        .await?
        .into_iter()
        .map(|m| MemberRow {
            is_you: m.account.id == session.member.account.id,
            username: m.account.username.clone(),
            role: m.user.role.as_str(),
            suspended: m.account.is_suspended(),
        })
        .collect();
    let page = AdminPage {
        chrome: Chrome::new(state, Some(&session.member), session.csrf_token()).at("/admin"),
        error,
        notice,
        default_local_only: community.default_local_only,
        members,
        roles: ROLES,
    };
    Ok(html(status, &page))
}

/// `GET /admin`.
pub async fn home(State(state): State<AppState>, AdminSession(session): AdminSession) -> Response {
    admin_page(&state, &session, StatusCode::OK, None, None)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
pub struct CommunityForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    default_locality: String,
}

/// `POST /admin/community`.
pub async fn save_community(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    axum::Form(form): axum::Form<CommunityForm>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let result: Result<Response, ApiError> = async {
        let default_local_only = match form.default_locality.as_str() {
            "local_only" => true,
            "federated" => false,
            _ => {
                return admin_page(
                    &state,
                    &session,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("Choose where new posts go."),
                    None,
                )
                .await;
            }
        };
        let mut settings: CommunitySettings = state.store.community_settings().await?;
        settings.default_local_only = default_local_only;
        state
            .store
            .set_community_settings(settings, Timestamp::now())
            .await?;
        admin_page(&state, &session, StatusCode::OK, None, Some("Saved.")).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    role: String,
}

/// `POST /admin/members/{username}/{role|suspend|unsuspend}`.
pub async fn change_member(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path((username, change)): Path<(String, String)>,
    axum::Form(form): axum::Form<MemberForm>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let result: Result<Response, ApiError> = async {
        let Some(member) = state.store.member_by_username(&username).await? else {
            return Ok(crate::posts::not_found(&state, Some(&session)));
        };
        // An admin never locks themselves out from here.
        if member.account.id == session.member.account.id {
            return admin_page(
                &state,
                &session,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("You cannot change your own role or suspend yourself."),
                None,
            )
            .await;
        }
        let done = match change.as_str() {
            "role" => {
                let Ok(role) = form.role.parse::<Role>() else {
                    return admin_page(
                        &state,
                        &session,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Some("Choose a role."),
                        None,
                    )
                    .await;
                };
                state.store.set_role(member.account.id, role).await?;
                format!("@{} is now {}.", member.account.username, role.as_str())
            }
            "suspend" => {
                state
                    .store
                    .set_suspended(member.account.id, Some(Timestamp::now()))
                    .await?;
                format!("@{} is suspended and signed out.", member.account.username)
            }
            "unsuspend" => {
                state.store.set_suspended(member.account.id, None).await?;
                format!("@{} may sign in again.", member.account.username)
            }
            _ => return Ok(crate::posts::not_found(&state, Some(&session))),
        };
        admin_page(&state, &session, StatusCode::OK, None, Some(&done)).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
