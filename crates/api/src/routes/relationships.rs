//! Following, follow requests, blocking and muting, and the lists they make.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use hamlet_core::account::{Account, Member};
use hamlet_core::{Id, Timestamp};
use hamlet_store::{ListKind, Listed, StatsFor};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Auth;
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{Params, Query, flex};
use crate::service::relationships::{self, FollowOptions};

/// The account named in the path, which must exist. It may be the member's own: as on
/// Mastodon (BlockService, MuteService, UnfollowService), blocking, muting or unfollowing
/// oneself, and undoing those, change nothing and answer with the relationship, while
/// following oneself is 404 (FollowService).
async fn named_account(state: &AppState, id: &str) -> ApiResult<Account> {
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    state
        .store
        .account_by_id(id)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn relationship(
    state: &AppState,
    member: &Member,
    other: Id,
) -> ApiResult<Json<entities::Relationship>> {
    let found = state
        .store
        .relationships(member.account.id, &[other], Timestamp::now())
        .await?;
    let relation = found.first().copied().unwrap_or_default();
    Ok(Json(entities::Relationship::new(other, &relation)))
}

#[derive(Deserialize)]
pub struct FollowParams {
    #[serde(default, deserialize_with = "flex::opt_bool")]
    reblogs: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    notify: Option<bool>,
}

/// `POST /api/v1/accounts/:id/follow`.
pub async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<FollowParams>,
) -> ApiResult<Json<entities::Relationship>> {
    let member = auth.member_with_scope(&["write:follows"])?;
    let target = named_account(&state, &id).await?;
    let defaults = FollowOptions::default();
    let options = FollowOptions {
        reblogs: params.reblogs.unwrap_or(defaults.reblogs),
        notify: params.notify.unwrap_or(defaults.notify),
    };
    relationships::follow(&state, member, &target, options).await?;
    relationship(&state, member, target.id).await
}

/// `POST /api/v1/accounts/:id/unfollow`.
pub async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Relationship>> {
    let member = auth.member_with_scope(&["write:follows"])?;
    let target = named_account(&state, &id).await?;
    relationships::unfollow(&state, member, &target).await?;
    relationship(&state, member, target.id).await
}

/// `POST /api/v1/accounts/:id/block`: also ends follows both ways.
pub async fn block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Relationship>> {
    let member = auth.member_with_scope(&["write:blocks"])?;
    let target = named_account(&state, &id).await?;
    relationships::block(&state, member, &target).await?;
    relationship(&state, member, target.id).await
}

/// `POST /api/v1/accounts/:id/unblock`.
pub async fn unblock(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Relationship>> {
    let member = auth.member_with_scope(&["write:blocks"])?;
    let target = named_account(&state, &id).await?;
    relationships::unblock(&state, member, &target).await?;
    relationship(&state, member, target.id).await
}

#[derive(Deserialize)]
pub struct MuteParams {
    #[serde(default, deserialize_with = "flex::opt_bool")]
    notifications: Option<bool>,
    /// Seconds; 0 or absent mutes until unmuted.
    #[serde(default, deserialize_with = "flex::opt_string")]
    duration: Option<String>,
}

/// Longest timed mute: a year (longer ones are indefinite mutes).
const MAX_MUTE_SECS: u64 = 365 * 24 * 3600;

/// `POST /api/v1/accounts/:id/mute`.
pub async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<MuteParams>,
) -> ApiResult<Json<entities::Relationship>> {
    let member = auth.member_with_scope(&["write:mutes"])?;
    let target = named_account(&state, &id).await?;
    let duration = match params.duration.as_deref().filter(|d| !d.is_empty()) {
        None => 0,
        Some(d) => d
            .parse::<u64>()
            .ok()
            .filter(|d| *d <= MAX_MUTE_SECS)
            .ok_or_else(|| {
                ApiError::Validation(format!("duration must be 0 to {MAX_MUTE_SECS} seconds"))
            })?,
    };
    let expires_at =
        (duration > 0).then(|| Timestamp::now().plus(std::time::Duration::from_secs(duration)));
    relationships::mute(
        &state,
        member,
        &target,
        params.notifications.unwrap_or(true),
        expires_at,
    )
    .await?;
    relationship(&state, member, target.id).await
}

/// `POST /api/v1/accounts/:id/unmute`.
pub async fn unmute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Relationship>> {
    let member = auth.member_with_scope(&["write:mutes"])?;
    let target = named_account(&state, &id).await?;
    relationships::unmute(&state, member, &target).await?;
    relationship(&state, member, target.id).await
}

#[derive(Deserialize)]
pub struct RelationshipsParams {
    #[serde(default, deserialize_with = "flex::opt_string_list")]
    id: Option<Vec<String>>,
}

/// At most this many accounts per relationships request.
const MAX_RELATIONSHIPS: usize = 100;

/// `GET /api/v1/accounts/relationships?id[]=...`. Unknown ids are left out.
pub async fn relationships(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<RelationshipsParams>,
) -> ApiResult<Json<Vec<entities::Relationship>>> {
    let member = auth.member_with_scope(&["read:follows"])?;
    let mut ids: Vec<Id> = params
        .id
        .unwrap_or_default()
        .iter()
        .filter_map(|id| id.parse().ok())
        .collect();
    ids.dedup();
    if ids.len() > MAX_RELATIONSHIPS {
        return Err(ApiError::Validation(format!(
            "at most {MAX_RELATIONSHIPS} ids"
        )));
    }
    let existing: Vec<Id> = state
        .store
        .accounts_by_ids(&ids)
        .await?
        .iter()
        .map(|a| a.id)
        .collect();
    let ids: Vec<Id> = ids.into_iter().filter(|id| existing.contains(id)).collect();
    let found = state
        .store
        .relationships(member.account.id, &ids, Timestamp::now())
        .await?;
    Ok(Json(
        ids.iter()
            .zip(found.iter())
            .map(|(id, r)| entities::Relationship::new(*id, r))
            .collect(),
    ))
}

/// An account in a mutes list: Mastodon's `MutedAccount`.
#[derive(Serialize)]
pub struct ListedAccount {
    #[serde(flatten)]
    account: entities::Account,
    #[serde(skip_serializing_if = "Option::is_none")]
    mute_expires_at: Option<Option<String>>,
}

type AccountList = (HeaderMap, Json<Vec<ListedAccount>>);

async fn account_list(
    state: &AppState,
    reader: StatsFor,
    owner: Id,
    kind: ListKind,
    paging: &PageParams,
    path: &str,
) -> ApiResult<AccountList> {
    let page = paging.page()?;
    let listed: Vec<Listed> = state
        .store
        .related_accounts(owner, kind, page, Timestamp::now())
        .await?;
    let ids: Vec<Id> = listed.iter().map(|l| l.account.id).collect();
    let stats = state.store.account_stats(&ids, reader).await?;
    let cursors: Vec<Id> = listed.iter().map(|l| l.cursor).collect();
    let headers = link_header(&state.settings, path, &[], &cursors, page.limit);
    let accounts = listed
        .iter()
        .map(|l| ListedAccount {
            account: entities::Account::new(
                &l.account,
                &stats.get(&l.account.id).copied().unwrap_or_default(),
                &state.settings,
            ),
            mute_expires_at: (kind == ListKind::Mutes)
                .then(|| l.expires_at.map(Timestamp::to_api_string)),
        })
        .collect();
    Ok((headers, Json(accounts)))
}

/// `GET /api/v1/accounts/:id/followers` and `/following`: public, like Mastodon's.
async fn public_list(
    state: AppState,
    auth: Option<Auth>,
    id: String,
    kind: ListKind,
    paging: PageParams,
) -> ApiResult<AccountList> {
    if let Some(auth) = &auth {
        auth.require_scope(&["read:accounts"])?;
    }
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    let account = state
        .store
        .account_by_id(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let segment = if kind == ListKind::Followers {
        "followers"
    } else {
        "following"
    };
    let path = format!("/api/v1/accounts/{}/{segment}", account.id);
    let reader = StatsFor::viewer(auth.as_ref().and_then(|a| a.member.as_ref()));
    account_list(&state, reader, account.id, kind, &paging, &path).await
}

pub async fn followers(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
    Query(paging): Query<PageParams>,
) -> ApiResult<AccountList> {
    public_list(state, auth, id, ListKind::Followers, paging).await
}

pub async fn following(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
    Query(paging): Query<PageParams>,
) -> ApiResult<AccountList> {
    public_list(state, auth, id, ListKind::Following, paging).await
}

/// `GET /api/v1/follow_requests`.
pub async fn follow_requests(
    State(state): State<AppState>,
    auth: Auth,
    Query(paging): Query<PageParams>,
) -> ApiResult<AccountList> {
    let member = auth.member_with_scope(&["read:follows"])?;
    account_list(
        &state,
        StatsFor::Member,
        member.account.id,
        ListKind::FollowRequests,
        &paging,
        "/api/v1/follow_requests",
    )
    .await
}

/// `GET /api/v1/blocks`.
pub async fn blocks(
    State(state): State<AppState>,
    auth: Auth,
    Query(paging): Query<PageParams>,
) -> ApiResult<AccountList> {
    let member = auth.member_with_scope(&["read:blocks"])?;
    account_list(
        &state,
        StatsFor::Member,
        member.account.id,
        ListKind::Blocks,
        &paging,
        "/api/v1/blocks",
    )
    .await
}

/// `GET /api/v1/mutes`.
pub async fn mutes(
    State(state): State<AppState>,
    auth: Auth,
    Query(paging): Query<PageParams>,
) -> ApiResult<AccountList> {
    let member = auth.member_with_scope(&["read:mutes"])?;
    account_list(
        &state,
        StatsFor::Member,
        member.account.id,
        ListKind::Mutes,
        &paging,
        "/api/v1/mutes",
    )
    .await
}

/// `POST /api/v1/follow_requests/:id/authorize`.
pub async fn authorize_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Relationship>> {
    let member = auth.member_with_scope(&["write:follows"])?;
    let requester = named_account(&state, &id).await?;
    relationships::answer_follow_request(&state, member, &requester, true).await?;
    relationship(&state, member, requester.id).await
}

/// `POST /api/v1/follow_requests/:id/reject`.
pub async fn reject_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Relationship>> {
    let member = auth.member_with_scope(&["write:follows"])?;
    let requester = named_account(&state, &id).await?;
    relationships::answer_follow_request(&state, member, &requester, false).await?;
    relationship(&state, member, requester.id).await
}
