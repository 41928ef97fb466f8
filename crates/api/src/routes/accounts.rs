use axum::Json;
use axum::extract::{Path, State};
use hamlet_core::Id;
use hamlet_core::account::{
    self as rules, AccountStats, Language, Member, ProfileField, ProfileUpdate,
};
use hamlet_store::StatsFor;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::entities::{Account, CredentialAccount};
use crate::error::{ApiError, ApiResult};
use crate::params::{Query, WithFiles, flex};
use crate::service::media::{self, NewPictures};

async fn stats_of(state: &AppState, id: Id, reader: StatsFor) -> ApiResult<AccountStats> {
    Ok(state
        .store
        .account_stats(&[id], reader)
        .await?
        .remove(&id)
        .unwrap_or_default())
}

/// The member's own account, with its figures and pending follow requests.
async fn credential_account(
    state: &AppState,
    member: &Member,
) -> ApiResult<Json<CredentialAccount>> {
    let stats = stats_of(state, member.account.id, StatsFor::Member).await?;
    let requests = state.store.count_follow_requests(member.account.id).await?;
    let community = state.store.community_settings().await?;
    Ok(Json(CredentialAccount::new(
        member,
        &stats,
        requests,
        community.default_local_only,
        &state.settings,
    )))
}

/// `GET /api/v1/accounts/verify_credentials`.
pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<CredentialAccount>> {
    let member = auth.member_with_scope(&["profile", "read:accounts"])?;
    credential_account(&state, member).await
}

#[derive(Deserialize)]
pub struct SourceParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    privacy: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    language: Option<String>,
    /// Hamlet: the member's default locality; empty follows the community's default.
    #[serde(default, deserialize_with = "flex::opt_clearable_bool")]
    local_only: Option<Option<bool>>,
}

#[derive(Deserialize)]
pub struct FieldParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    value: Option<String>,
}

#[derive(Deserialize)]
pub struct UpdateCredentialsParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    note: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    locked: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    bot: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    discoverable: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    indexable: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_indexed_list")]
    fields_attributes: Option<Vec<FieldParams>>,
    #[serde(default)]
    source: Option<SourceParams>,
}

impl UpdateCredentialsParams {
    /// Turns the request into a validated update, or says which value is wrong.
    fn into_update(self) -> Result<ProfileUpdate, rules::ProfileError> {
        let source = self.source.unwrap_or(SourceParams {
            privacy: None,
            sensitive: None,
            language: None,
            local_only: None,
        });
        Ok(ProfileUpdate {
            display_name: self
                .display_name
                .as_deref()
                .map(rules::display_name)
                .transpose()?,
            note: self.note.as_deref().map(rules::note).transpose()?,
            locked: self.locked,
            bot: self.bot,
            discoverable: self.discoverable,
            indexable: self.indexable,
            fields: self
                .fields_attributes
                .map(|fields| {
                    rules::fields(
                        fields
                            .into_iter()
                            .map(|f| ProfileField {
                                name: f.name.unwrap_or_default(),
                                value: f.value.unwrap_or_default(),
                            })
                            .collect(),
                    )
                })
                .transpose()?,
            privacy: source
                .privacy
                .map(|p| {
                    p.parse().map_err(|e| rules::ProfileError {
                        field: "source[privacy]",
                        message: format!("{e}"),
                    })
                })
                .transpose()?,
            sensitive: source.sensitive,
            // Pictures arrive as files, handled beside the other fields.
            avatar_file: None,
            header_file: None,
            language: source
                .language
                .map(|l| {
                    if l.is_empty() {
                        Ok(None)
                    } else {
                        Language::parse(&l).map(Some)
                    }
                })
                .transpose()?,
            local_only: source.local_only,
        })
    }
}

/// `PATCH /api/v1/accounts/update_credentials`.
pub async fn update_credentials(
    State(state): State<AppState>,
    auth: Auth,
    WithFiles(params, mut files): WithFiles<UpdateCredentialsParams>,
) -> ApiResult<Json<CredentialAccount>> {
    let member = auth.member_with_scope(&["write:accounts"])?;
    let update = params
        .into_update()
        .map_err(|e| ApiError::Validation(e.to_string()))?;
    let pictures = NewPictures {
        avatar: files.take("avatar"),
        header: files.take("header"),
    };
    media::update_profile_with_pictures(&state, member, update, pictures).await?;
    let member = state
        .store
        .member_by_id(member.account.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    credential_account(&state, &member).await
}

/// `GET /api/v1/accounts/:id`. Public, like Mastodon; a token, if sent, must be valid.
pub async fn show(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
) -> ApiResult<Json<Account>> {
    if let Some(auth) = &auth {
        auth.require_scope(&["read:accounts"])?;
    }
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    let account = state
        .store
        .account_by_id(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let reader = StatsFor::viewer(auth.as_ref().and_then(|a| a.member.as_ref()));
    let stats = stats_of(&state, account.id, reader).await?;
    Ok(Json(Account::new(&account, &stats, &state.settings)))
}

#[derive(Deserialize)]
pub struct LookupParams {
    acct: String,
}

/// `GET /api/v1/accounts/lookup?acct=user` (or `user@domain`, `@user@domain`).
pub async fn lookup(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Query(params): Query<LookupParams>,
) -> ApiResult<Json<Account>> {
    if let Some(auth) = &auth {
        auth.require_scope(&["read:accounts"])?;
    }
    let acct = params.acct.trim().trim_start_matches('@');
    let (username, domain) = match acct.split_once('@') {
        Some((user, domain)) => (user, Some(domain.to_ascii_lowercase())),
        None => (acct, None),
    };
    // Our own domain names a local account.
    let domain = domain.filter(|d| *d != state.settings.domain().to_ascii_lowercase());
    if username.is_empty() {
        return Err(ApiError::NotFound);
    }
    let account = state
        .store
        .account_by_acct(username, domain.as_deref())
        .await?
        .ok_or(ApiError::NotFound)?;
    let reader = StatsFor::viewer(auth.as_ref().and_then(|a| a.member.as_ref()));
    let stats = stats_of(&state, account.id, reader).await?;
    Ok(Json(Account::new(&account, &stats, &state.settings)))
}

/// `GET /api/v1/preferences`: the member's posting defaults, as apps read them.
pub async fn preferences(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<serde_json::Value>> {
    let member = auth.member_with_scope(&["read:accounts"])?;
    let community = state.store.community_settings().await?;
    let defaults = &member.user.defaults;
    Ok(Json(serde_json::json!({
        "posting:default:visibility": defaults.privacy.as_str(),
        "posting:default:sensitive": defaults.sensitive,
        "posting:default:language": defaults.language.as_ref().map(|l| l.as_str()),
        "posting:default:local_only": defaults
            .local_only
            .unwrap_or(community.default_local_only),
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}

/// `DELETE /api/v1/profile/avatar` and `/api/v1/profile/header`: back to the default
/// picture.
pub async fn delete_picture(
    State(state): State<AppState>,
    auth: Auth,
    Path(picture): Path<String>,
) -> ApiResult<Json<CredentialAccount>> {
    let member = auth.member_with_scope(&["write:accounts"])?;
    let mut update = hamlet_core::account::ProfileUpdate::default();
    match picture.as_str() {
        "avatar" if member.account.avatar_file.is_some() => update.avatar_file = Some(None),
        "header" if member.account.header_file.is_some() => update.header_file = Some(None),
        "avatar" | "header" => {}
        _ => return Err(ApiError::NotFound),
    }
    media::update_profile_with_pictures(&state, member, update, NewPictures::default()).await?;
    let member = state
        .store
        .member_by_id(member.account.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    credential_account(&state, &member).await
}
