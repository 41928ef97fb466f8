//! A member's own pages: notifications and settings (profile and its fields, posting
//! defaults, password, the apps they signed in to, signing out everywhere).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hamlet_api::AppState;
use hamlet_api::error::ApiError;
use hamlet_api::pages::html;
use hamlet_api::params::WithFiles;
use hamlet_api::service::media::{self, NewPictures};
use hamlet_api::service::{community, members};
use hamlet_core::account::{self as rules, ProfileField, ProfileUpdate};
use hamlet_core::notification::NotificationKind;
use hamlet_core::password::Password;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{NotificationFilter, Page};
use serde::Deserialize;

use crate::pages::{AppView, NotificationView, NotificationsPage, SettingsPage, VISIBILITIES};
use crate::session::{self, CsrfOnly, Session, SignedIn};
use crate::views::{self, Chrome};

const NOTIFICATIONS_SHOWN: u32 = 40;

fn what(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::Mention => "mentioned you",
        NotificationKind::Reblog => "boosted your post",
        NotificationKind::Favourite => "favourited your post",
        NotificationKind::Follow => "followed you",
        NotificationKind::FollowRequest => "asked to follow you",
        NotificationKind::Update => "edited a post you boosted",
    }
}

/// `GET /notifications`: the newest notifications, with their posts.
pub async fn notifications(State(state): State<AppState>, SignedIn(session): SignedIn) -> Response {
    let result: Result<Response, ApiError> = async {
        let member = &session.member;
        let now = Timestamp::now();
        let found = state
            .store
            .notifications(
                member.account.id,
                &NotificationFilter::default(),
                Page::newest(NOTIFICATIONS_SHOWN),
                now,
            )
            .await?;
        let post_ids: Vec<Id> = found.iter().filter_map(|n| n.status_id).collect();
        let mut posts = views::posts(&state, Some(member), &post_ids).await?;
        let mut account_ids: Vec<Id> = found.iter().map(|n| n.from_account_id).collect();
        account_ids.sort();
        account_ids.dedup();
        let accounts = state.store.accounts_by_ids(&account_ids).await?;
        let items = found
            .iter()
            .filter_map(|n| {
                let who = accounts.iter().find(|a| a.id == n.from_account_id)?;
                let post = match n.status_id {
                    Some(id) => {
                        let at = posts.iter().position(|p| p.id == id.to_string())?;
                        Some(posts.swap_remove(at))
                    }
                    None => None,
                };
                Some(NotificationView {
                    who: format!("@{}", who.acct()),
                    what: what(n.kind),
                    created_at: n.created_at.to_api_string(),
                    age: views::age(n.created_at, now),
                    post,
                })
            })
            .collect();
        let page = NotificationsPage {
            chrome: Chrome::load(&state, Some(member), session.csrf_token())
                .await
                .at("/notifications"),
            items,
        };
        Ok(html(StatusCode::OK, &page))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn settings_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    error: Option<&str>,
    notice: Option<&str>,
) -> Result<Response, ApiError> {
    let member = &session.member;
    let community = community::current(state).await?;
    let defaults = &member.user.defaults;
    let apps = state
        .store
        .authorized_applications(member.account.id)
        .await?
        .into_iter()
        .map(|app| AppView {
            id: app.id.to_string(),
            name: app.name,
            website: app
                .website
                .filter(|w| w.starts_with("https://") || w.starts_with("http://")),
            scopes: app.scopes.to_string(),
            authorized_at: app.authorized_at.to_api_day_string(),
        })
        .collect();
    let mut fields: Vec<(String, String)> = member
        .account
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    fields.resize(rules::MAX_FIELDS.max(fields.len()), Default::default());
    let page = SettingsPage {
        chrome: Chrome::with(&community, Some(member), session.csrf_token()).at("/settings"),
        error,
        notice,
        display_name: member.account.display_name.clone(),
        note: member.account.note.clone(),
        avatar: views::avatar_path(&member.account),
        header: member.account.header_file.as_deref().map(views::media_path),
        fields,
        apps,
        locked: member.account.locked,
        visibilities: VISIBILITIES,
        privacy: defaults.privacy.as_str(),
        locality: match defaults.local_only {
            None => "community",
            Some(true) => "local_only",
            Some(false) => "federated",
        },
        community_locality: if community.default_local_only {
            "local only"
        } else {
            "federated"
        },
    };
    Ok(html(status, &page))
}

/// `GET /settings`.
pub async fn settings(State(state): State<AppState>, SignedIn(session): SignedIn) -> Response {
    settings_page(&state, &session, StatusCode::OK, None, None)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    note: String,
    locked: Option<String>,
    #[serde(default)]
    privacy: String,
    #[serde(default)]
    locality: String,
    /// `field_name_N` and `field_value_N` of the profile fields' rows.
    #[serde(flatten)]
    rows: HashMap<String, String>,
}

impl SettingsForm {
    /// The profile fields' rows, in order (empty rows are dropped by the rules).
    fn fields(&self) -> Vec<ProfileField> {
        (0..rules::MAX_FIELDS * 2)
            .map_while(|i| {
                let name = self.rows.get(&format!("field_name_{i}"));
                let value = self.rows.get(&format!("field_value_{i}"));
                (name.is_some() || value.is_some()).then(|| ProfileField {
                    name: name.cloned().unwrap_or_default(),
                    value: value.cloned().unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The update the form asks for, or what is wrong with it.
    fn into_update(self) -> Result<ProfileUpdate, String> {
        let local_only = match self.locality.as_str() {
            "community" => None,
            "local_only" => Some(true),
            "federated" => Some(false),
            _ => return Err("Choose where new posts go.".into()),
        };
        let fields = rules::fields(self.fields()).map_err(|_| {
            format!(
                "Profile fields: at most {} rows, names up to {} and values up to {} characters.",
                rules::MAX_FIELDS,
                rules::MAX_FIELD_NAME_CHARS,
                rules::MAX_FIELD_VALUE_CHARS
            )
        })?;
        Ok(ProfileUpdate {
            display_name: Some(rules::display_name(&self.display_name).map_err(|e| e.to_string())?),
            note: Some(rules::note(&self.note).map_err(|e| e.to_string())?),
            fields: Some(fields),
            locked: Some(self.locked.is_some()),
            privacy: Some(
                self.privacy
                    .parse()
                    .map_err(|_| "Choose who sees new posts.".to_owned())?,
            ),
            local_only: Some(local_only),
            ..ProfileUpdate::default()
        })
    }
}

/// `POST /settings`: profile and posting defaults.
pub async fn save_settings(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    axum::Form(form): axum::Form<SettingsForm>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let result: Result<Response, ApiError> = async {
        let update = match form.into_update() {
            Ok(update) => update,
            Err(problem) => {
                return settings_page(
                    &state,
                    &session,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(&problem),
                    None,
                )
                .await;
            }
        };
        members::update_profile(&state, &session.member, &update).await?;
        // Show the settings as stored.
        let Some(member) = state.store.member_by_id(session.member.account.id).await? else {
            return Err(ApiError::NotFound);
        };
        let session = session.with_member(member);
        settings_page(&state, &session, StatusCode::OK, None, Some("Saved.")).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// `POST /settings/password`: a new password signs out every browser and app; this
/// browser gets a new session.
pub async fn change_password(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    axum::Form(form): axum::Form<PasswordForm>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let result: Result<Response, ApiError> = async {
        let refuse = |problem: &'static str| {
            settings_page(
                &state,
                &session,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(problem),
                None,
            )
        };
        let username = &session.member.account.username;
        if members::check_password(&state.store, username, &form.current_password)
            .await?
            .is_none()
        {
            return refuse("The current password is not right.").await;
        }
        if form.new_password != form.password_confirmation {
            return refuse("The new passwords differ.").await;
        }
        let Ok(password) = Password::parse(&form.new_password) else {
            return refuse("The new password must have at least 8 characters.").await;
        };
        let hash = members::hash_password(password).await;
        state
            .store
            .set_password(session.member.account.id, &hash)
            .await?;
        let cookie = match session::start(&state, &session.member).await {
            Ok(cookie) => cookie,
            Err(response) => return Ok(response),
        };
        let mut response = crate::see_other("/settings");
        response.headers_mut().append(header::SET_COOKIE, cookie);
        Ok(response)
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /settings/sign_out_everywhere`: ends every browser session, this one too.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    if let Err(error) = state
        .store
        .delete_web_sessions_of(session.member.account.id)
        .await
    {
        return ApiError::from(error).into_response();
    }
    let mut response = crate::see_other("/auth/sign_in");
    response
        .headers_mut()
        .append(header::SET_COOKIE, session::cleared(&state.settings));
    response
}

/// `POST /settings/apps/{id}/revoke`: signs the member out of an app (every token and
/// pending authorization code it holds for them).
pub async fn revoke_app(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let result: Result<Response, ApiError> = async {
        let Ok(id) = id.parse::<Id>() else {
            return Ok(crate::posts::not_found(&state, Some(&session)).await);
        };
        if !state
            .store
            .revoke_application_for(session.member.account.id, id)
            .await?
        {
            return Ok(crate::posts::not_found(&state, Some(&session)).await);
        }
        settings_page(
            &state,
            &session,
            StatusCode::OK,
            None,
            Some("The app is signed out."),
        )
        .await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
pub struct PicturesForm {
    #[serde(default)]
    csrf_token: String,
    remove_avatar: Option<String>,
    remove_header: Option<String>,
}

/// `POST /settings/pictures` (multipart): a new avatar or header, or back to the
/// default; through the same service as the API, so followers' servers see the change.
pub async fn save_pictures(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    WithFiles(form, mut files): WithFiles<PicturesForm>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let result: Result<Response, ApiError> = async {
        let mut update = ProfileUpdate::default();
        if form.remove_avatar.is_some() {
            update.avatar_file = Some(None);
        }
        if form.remove_header.is_some() {
            update.header_file = Some(None);
        }
        let pictures = NewPictures {
            avatar: files.take("avatar"),
            header: files.take("header"),
        };
        let changed =
            media::update_profile_with_pictures(&state, &session.member, update, pictures).await;
        match changed {
            Ok(()) => {}
            Err(ApiError::Validation(problem)) => {
                return settings_page(
                    &state,
                    &session,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(&problem),
                    None,
                )
                .await;
            }
            Err(other) => return Err(other),
        }
        let Some(member) = state.store.member_by_id(session.member.account.id).await? else {
            return Err(ApiError::NotFound);
        };
        let session = session.with_member(member);
        settings_page(
            &state,
            &session,
            StatusCode::OK,
            None,
            Some("Pictures saved."),
        )
        .await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
