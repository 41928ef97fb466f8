//! Pages for admins: the community (name, description, contact, defaults, private
//! community, federated timeline, rules) and its members. Anyone else is shown the page
//! of something that does not exist.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use hamlet_api::AppState;
use hamlet_api::error::ApiError;
use hamlet_api::pages::html;
use hamlet_api::service::community::{self, CommunityForm};
use hamlet_core::community::{MAX_RULES, RuleText};
use hamlet_core::role::Role;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{MemberFilter, StoreError};
use serde::Deserialize;

use crate::pages::{AdminPage, MemberRow, RuleRow};
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
            Err(crate::posts::not_found(state, Some(&session)).await)
        }
    }
}

/// What the page says above its sections after a change.
enum Outcome<'a> {
    Shown,
    Done(&'a str),
    Refused(&'a str),
}

async fn admin_page(
    state: &AppState,
    session: &Session,
    outcome: Outcome<'_>,
) -> Result<Response, ApiError> {
    let community = community::current(state).await?;
    let rules = state.store.community_rules().await?;
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
    let (status, error, notice) = match outcome {
        Outcome::Shown => (StatusCode::OK, None, None),
        Outcome::Done(notice) => (StatusCode::OK, None, Some(notice)),
        Outcome::Refused(error) => (StatusCode::UNPROCESSABLE_ENTITY, Some(error), None),
    };
    let page = AdminPage {
        chrome: Chrome::with(&community, Some(&session.member), session.csrf_token()).at("/admin"),
        error,
        notice,
        name: community.name.clone(),
        description: community.description.clone(),
        contact_email: community.contact_email.clone(),
        default_local_only: community.default_local_only,
        private: community.private,
        federated_timeline: community.federated_timeline,
        rules: rules
            .into_iter()
            .map(|rule| RuleRow {
                id: rule.id.to_string(),
                text: rule.text,
                hint: rule.hint,
            })
            .collect(),
        max_rules: MAX_RULES,
        members,
        roles: ROLES,
    };
    Ok(html(status, &page))
}

fn respond(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /admin`.
pub async fn home(State(state): State<AppState>, AdminSession(session): AdminSession) -> Response {
    respond(admin_page(&state, &session, Outcome::Shown).await)
}

#[derive(Deserialize)]
pub struct CommunityFields {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    default_locality: String,
    /// Checkboxes: present when ticked.
    private_community: Option<String>,
    federated_timeline: Option<String>,
}

/// `POST /admin/community`.
pub async fn save_community(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    axum::Form(form): axum::Form<CommunityFields>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let result = async {
        let default_local_only = match form.default_locality.as_str() {
            "local_only" => true,
            "federated" => false,
            _ => {
                let refused = Outcome::Refused("Choose where new posts go.");
                return admin_page(&state, &session, refused).await;
            }
        };
        let saved = community::update(
            &state,
            CommunityForm {
                name: &form.name,
                description: &form.description,
                contact_email: &form.contact_email,
                default_local_only,
                private: form.private_community.is_some(),
                federated_timeline: form.federated_timeline.is_some(),
            },
        )
        .await?;
        match saved {
            Ok(()) => admin_page(&state, &session, Outcome::Done("Saved.")).await,
            Err(invalid) => admin_page(&state, &session, Outcome::Refused(&invalid.0)).await,
        }
    };
    respond(result.await)
}

#[derive(Deserialize)]
pub struct RuleFields {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    hint: String,
}

/// `POST /admin/rules`: adds a rule after the others.
pub async fn add_rule(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    axum::Form(form): axum::Form<RuleFields>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let result = async {
        let rule = match RuleText::parse(&form.text, &form.hint) {
            Ok(rule) => rule,
            Err(invalid) => {
                return admin_page(&state, &session, Outcome::Refused(&invalid.0)).await;
            }
        };
        if state.store.community_rules().await?.len() >= MAX_RULES {
            let refused = Outcome::Refused("The community has as many rules as it may have.");
            return admin_page(&state, &session, refused).await;
        }
        state
            .store
            .add_community_rule(rule, Timestamp::now())
            .await?;
        admin_page(&state, &session, Outcome::Done("Rule added.")).await
    };
    respond(result.await)
}

/// `POST /admin/rules/{id}/{update|delete}`.
pub async fn change_rule(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path((id, change)): Path<(String, String)>,
    axum::Form(form): axum::Form<RuleFields>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let result = async {
        let Ok(id) = id.parse::<Id>() else {
            return Ok(crate::posts::not_found(&state, Some(&session)).await);
        };
        let done = match change.as_str() {
            "update" => {
                let rule = match RuleText::parse(&form.text, &form.hint) {
                    Ok(rule) => rule,
                    Err(invalid) => {
                        return admin_page(&state, &session, Outcome::Refused(&invalid.0)).await;
                    }
                };
                state
                    .store
                    .update_community_rule(id, rule, Timestamp::now())
                    .await
                    .map(|()| "Rule saved.")
            }
            "delete" => state
                .store
                .delete_community_rule(id)
                .await
                .map(|()| "Rule removed."),
            _ => Err(StoreError::NotFound),
        };
        match done {
            Ok(notice) => admin_page(&state, &session, Outcome::Done(notice)).await,
            Err(StoreError::NotFound) => Ok(crate::posts::not_found(&state, Some(&session)).await),
            Err(other) => Err(other.into()),
        }
    };
    respond(result.await)
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
    let result = async {
        let Some(member) = state.store.member_by_username(&username).await? else {
            return Ok(crate::posts::not_found(&state, Some(&session)).await);
        };
        // An admin never locks themselves out from here.
        if member.account.id == session.member.account.id {
            let refused = Outcome::Refused("You cannot change your own role or suspend yourself.");
            return admin_page(&state, &session, refused).await;
        }
        let done = match change.as_str() {
            "role" => {
                let Ok(role) = form.role.parse::<Role>() else {
                    return admin_page(&state, &session, Outcome::Refused("Choose a role.")).await;
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
            _ => return Ok(crate::posts::not_found(&state, Some(&session)).await),
        };
        admin_page(&state, &session, Outcome::Done(&done)).await
    };
    respond(result.await)
}
