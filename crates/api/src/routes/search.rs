//! Searching accounts, hashtags and posts.

use axum::Json;
use axum::extract::State;
use hamlet_core::account::{Account, Member};
use hamlet_core::{Id, Timestamp};
use hamlet_store::StatsFor;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Auth;
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::params::{Query, flex};
use crate::service::resolve::{self, Resolved};
use crate::service::statuses;

/// Longest query accepted.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    q: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    r#type: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    following: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    resolve: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    limit: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    offset: Option<String>,
}

fn number(name: &str, value: &Option<String>, default: u32, max: u32) -> ApiResult<u32> {
    match value.as_deref().filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .map(|n| n.clamp(0, i64::from(max)) as u32)
            .map_err(|_| ApiError::Validation(format!("{name} must be a number"))),
    }
}

fn query(params: &SearchParams) -> ApiResult<String> {
    let q = params.q.as_deref().unwrap_or_default().trim();
    if q.is_empty() {
        return Err(ApiError::BadRequest("Missing required parameter: q".into()));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::Validation(format!(
            "q is too long (maximum is {MAX_QUERY_CHARS} characters)"
        )));
    }
    Ok(q.to_owned())
}

async fn render_accounts(
    state: &AppState,
    viewer: Option<&Member>,
    accounts: &[Account],
) -> ApiResult<Vec<entities::Account>> {
    let ids: Vec<Id> = accounts.iter().map(|a| a.id).collect();
    let stats = state
        .store
        .account_stats(&ids, StatsFor::viewer(viewer))
        .await?;
    Ok(accounts
        .iter()
        .map(|a| {
            entities::Account::new(
                a,
                &stats.get(&a.id).copied().unwrap_or_default(),
                &state.settings,
            )
        })
        .collect())
}

/// `GET /api/v1/accounts/search`.
pub async fn accounts(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<SearchParams>,
) -> ApiResult<Json<Vec<entities::Account>>> {
    let member = auth.member_with_scope(&["read:accounts"])?;
    let q = query(&params)?;
    let limit = number("limit", &params.limit, 40, 80)?.max(1);
    let offset = number("offset", &params.offset, 0, 10_000)?;
    let following = params
        .following
        .unwrap_or(false)
        .then_some(member.account.id);
    let mut found = state
        .store
        .search_accounts(username_part(&q), following, limit, offset)
        .await?;
    if params.resolve.unwrap_or(false) && offset == 0 {
        prepend_resolved(&state, Some(member), &q, &mut found).await?;
    }
    Ok(Json(render_accounts(&state, Some(member), &found).await?))
}

/// With `resolve=true`, a `user@domain` query first looks the account up on its server.
async fn prepend_resolved(
    state: &AppState,
    member: Option<&hamlet_core::account::Member>,
    q: &str,
    found: &mut Vec<Account>,
) -> ApiResult<()> {
    if let Some(account) = resolve::resolve_handle(state, member, q).await? {
        found.retain(|a| a.id != account.id);
        found.insert(0, account);
    }
    Ok(())
}

/// `@alice@example.com` searches for `alice` among known accounts (with `resolve=true`
/// the account is also looked up on its server).
fn username_part(q: &str) -> &str {
    let q = q.trim_start_matches('@');
    q.split('@').next().unwrap_or(q)
}

#[derive(Serialize)]
pub struct Results {
    accounts: Vec<entities::Account>,
    statuses: Vec<entities::Status>,
    hashtags: Vec<entities::Hashtag>,
}

/// `GET /api/v2/search`. Anonymous visitors may search accounts and hashtags; posts are
/// searched for signed-in members only, among those they may see.
pub async fn search(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Query(params): Query<SearchParams>,
) -> ApiResult<Json<Results>> {
    let member = match &auth {
        Some(auth) => Some(auth.member_with_scope(&["read:search"])?),
        None => None,
    };
    let q = query(&params)?;
    let kind = params.r#type.as_deref().filter(|t| !t.is_empty());
    if let Some(kind) = kind
        && !matches!(kind, "accounts" | "hashtags" | "statuses")
    {
        return Err(ApiError::Validation(
            "type must be accounts, hashtags or statuses".into(),
        ));
    }
    let wants = |k: &str| kind.is_none_or(|kind| kind == k);
    let limit = number("limit", &params.limit, 20, 40)?.max(1);
    let offset = number("offset", &params.offset, 0, 10_000)?;
    if offset > 0 && member.is_none() {
        return Err(ApiError::UserRequired);
    }
    let mut results = Results {
        accounts: Vec::new(),
        statuses: Vec::new(),
        hashtags: Vec::new(),
    };
    if resolve::is_url(&q) {
        // As Mastodon's SearchService: a URL names one thing, found only on the first
        // page and only if it is of the type asked for. With `resolve=true` that is all
        // there is; without, this server's own URLs are still recognized (no request
        // leaves the server for them) and anything else is searched as text.
        let remote = params.resolve.unwrap_or(false);
        let found = match offset {
            0 => resolve::resolve_url(&state, member, &q, remote).await?,
            _ => None,
        };
        match found {
            Some(Resolved::Account(account)) => {
                if wants("accounts") {
                    results.accounts = render_accounts(&state, member, &[account]).await?;
                }
                return Ok(Json(results));
            }
            Some(Resolved::Status(status)) => {
                if wants("statuses") {
                    results.statuses = vec![statuses::render_one(&state, member, status).await?];
                }
                return Ok(Json(results));
            }
            None if remote => return Ok(Json(results)),
            None => {}
        }
    }
    if wants("accounts") {
        let following = match (params.following.unwrap_or(false), member) {
            (true, Some(member)) => Some(member.account.id),
            _ => None,
        };
        let mut found = state
            .store
            .search_accounts(username_part(&q), following, limit, offset)
            .await?;
        if params.resolve.unwrap_or(false) && offset == 0 {
            prepend_resolved(&state, member, &q, &mut found).await?;
        }
        results.accounts = render_accounts(&state, member, &found).await?;
    }
    if wants("hashtags") {
        let name = q.trim_start_matches('#');
        results.hashtags = state
            .store
            .search_tags(member.map(|m| m.account.id), name, limit, offset)
            .await?
            .into_iter()
            .map(|(id, name)| entities::Hashtag {
                id: id.to_string(),
                url: state
                    .settings
                    .url(&format!("/tags/{}", name.to_lowercase())),
                name: name.to_lowercase(),
                history: Vec::new(),
            })
            .collect();
    }
    if wants("statuses")
        && let Some(member) = member
    {
        let by_account = match params.account_id.as_deref().filter(|a| !a.is_empty()) {
            Some(id) => Some(
                id.parse::<Id>()
                    .map_err(|_| ApiError::Validation("account_id must be an account id".into()))?,
            ),
            None => None,
        };
        let ids = state
            .store
            .search_statuses(
                member.account.id,
                &q,
                by_account,
                limit,
                offset,
                Timestamp::now(),
            )
            .await?;
        results.statuses = statuses::render_ids(&state, Some(member), &ids).await?;
    }
    Ok(Json(results))
}
