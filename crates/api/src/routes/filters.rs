//! Filters v2: a member's keyword and post filters, and their parts.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use hamlet_core::account::Member;
use hamlet_core::filter::{
    self, Filter, FilterAction, FilterContext, MAX_KEYWORD_CHARS, MAX_KEYWORDS, MAX_TITLE_CHARS,
};
use hamlet_core::{Id, Timestamp};
use hamlet_store::{FilterUpdate, KeywordChange, NewFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex};
use crate::service::statuses;

/// Longest expiry accepted: a year.
const MAX_EXPIRES_IN_SECS: u64 = 365 * 24 * 3600;

#[derive(Deserialize)]
pub struct KeywordParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    keyword: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    whole_word: Option<bool>,
    #[serde(default, rename = "_destroy", deserialize_with = "flex::opt_bool")]
    destroy: Option<bool>,
}

#[derive(Deserialize)]
pub struct FilterParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    title: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string_list")]
    context: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    filter_action: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    expires_in: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_indexed_list")]
    keywords_attributes: Option<Vec<KeywordParams>>,
}

fn title(value: &str) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::Validation("title can't be blank".into()));
    }
    if value.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::Validation(format!(
            "title is too long (maximum is {MAX_TITLE_CHARS} characters)"
        )));
    }
    Ok(value.to_owned())
}

fn contexts(values: &[String]) -> ApiResult<Vec<FilterContext>> {
    let mut parsed: Vec<FilterContext> = values
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse()
                .map_err(|e: String| ApiError::Validation(format!("context: {e}")))
        })
        .collect::<Result<_, _>>()?;
    parsed.dedup();
    if parsed.is_empty() {
        return Err(ApiError::Validation("context can't be blank".into()));
    }
    Ok(parsed)
}

fn keyword(value: &str) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::Validation("keyword can't be blank".into()));
    }
    if value.chars().count() > MAX_KEYWORD_CHARS {
        return Err(ApiError::Validation(format!(
            "keyword is too long (maximum is {MAX_KEYWORD_CHARS} characters)"
        )));
    }
    Ok(value.to_owned())
}

/// `expires_in` seconds from now; empty means never.
fn expiry(value: &str, now: Timestamp) -> ApiResult<Option<Timestamp>> {
    if value.is_empty() {
        return Ok(None);
    }
    let seconds: u64 = value
        .parse()
        .ok()
        .filter(|s| (1..=MAX_EXPIRES_IN_SECS).contains(s))
        .ok_or_else(|| {
            ApiError::Validation(format!(
                "expires_in must be 1 to {MAX_EXPIRES_IN_SECS} seconds"
            ))
        })?;
    Ok(Some(now.plus(Duration::from_secs(seconds))))
}

fn action(value: &str) -> ApiResult<FilterAction> {
    value
        .parse()
        .map_err(|e: String| ApiError::Validation(format!("filter_action: {e}")))
}

async fn owned(state: &AppState, member: &Member, id: &str) -> ApiResult<Filter> {
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    state
        .store
        .filter(member.account.id, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `GET /api/v2/filters`.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<entities::Filter>>> {
    let member = auth.member_with_scope(&["read:filters"])?;
    let found = state.store.filters(member.account.id).await?;
    Ok(Json(found.iter().map(entities::Filter::new).collect()))
}

/// `GET /api/v2/filters/:id`.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Filter>> {
    let member = auth.member_with_scope(&["read:filters"])?;
    Ok(Json(entities::Filter::new(
        &owned(&state, member, &id).await?,
    )))
}

/// `POST /api/v2/filters`.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<FilterParams>,
) -> ApiResult<Json<entities::Filter>> {
    let member = auth.member_with_scope(&["write:filters"])?;
    let now = Timestamp::now();
    let keywords = params
        .keywords_attributes
        .unwrap_or_default()
        .into_iter()
        .filter(|k| !k.destroy.unwrap_or(false))
        .map(|k| {
            Ok((
                keyword(k.keyword.as_deref().unwrap_or_default())?,
                k.whole_word.unwrap_or(true),
            ))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    if keywords.len() > MAX_KEYWORDS {
        return Err(ApiError::Validation(format!(
            "at most {MAX_KEYWORDS} keywords"
        )));
    }
    let new = NewFilter {
        title: title(params.title.as_deref().unwrap_or_default())?,
        contexts: contexts(&params.context.unwrap_or_default())?,
        action: params
            .filter_action
            .as_deref()
            .map(action)
            .transpose()?
            .unwrap_or_default(),
        expires_at: expiry(params.expires_in.as_deref().unwrap_or_default(), now)?,
        keywords,
    };
    let id = state
        .store
        .insert_filter(member.account.id, new, now)
        .await?;
    show(State(state), auth, Path(id.to_string())).await
}

/// `PUT /api/v2/filters/:id`: keywords are added, changed (`id`) or removed
/// (`_destroy`) through `keywords_attributes`.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<FilterParams>,
) -> ApiResult<Json<entities::Filter>> {
    let member = auth.member_with_scope(&["write:filters"])?;
    let existing = owned(&state, member, &id).await?;
    let now = Timestamp::now();
    let mut changes = Vec::new();
    for k in params.keywords_attributes.unwrap_or_default() {
        let keyword_id = match k.id.as_deref().filter(|i| !i.is_empty()) {
            Some(raw) => {
                let parsed: Id = raw.parse().map_err(|_| ApiError::NotFound)?;
                if !existing.keywords.iter().any(|kw| kw.id == parsed) {
                    return Err(ApiError::NotFound);
                }
                Some(parsed)
            }
            None => None,
        };
        changes.push(match (keyword_id, k.destroy.unwrap_or(false)) {
            (Some(id), true) => KeywordChange::Remove { id },
            (Some(id), false) => KeywordChange::Update {
                id,
                keyword: k.keyword.as_deref().map(keyword).transpose()?,
                whole_word: k.whole_word,
            },
            (None, _) => KeywordChange::Add {
                keyword: keyword(k.keyword.as_deref().unwrap_or_default())?,
                whole_word: k.whole_word.unwrap_or(true),
            },
        });
    }
    let update = FilterUpdate {
        title: params.title.as_deref().map(title).transpose()?,
        contexts: params.context.as_deref().map(contexts).transpose()?,
        action: params.filter_action.as_deref().map(action).transpose()?,
        expires_at: params
            .expires_in
            .as_deref()
            .map(|e| expiry(e, now))
            .transpose()?,
        keywords: changes,
    };
    if !state
        .store
        .update_filter(member.account.id, existing.id, update, now)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    show(State(state), auth, Path(id)).await
}

/// `DELETE /api/v2/filters/:id`.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let member = auth.member_with_scope(&["write:filters"])?;
    let filter = owned(&state, member, &id).await?;
    state
        .store
        .delete_filter(member.account.id, filter.id)
        .await?;
    Ok(Json(json!({})))
}

/// `GET /api/v2/filters/:id/keywords`.
pub async fn keywords(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<entities::FilterKeyword>>> {
    let member = auth.member_with_scope(&["read:filters"])?;
    let filter = owned(&state, member, &id).await?;
    Ok(Json(
        filter
            .keywords
            .iter()
            .map(entities::FilterKeyword::new)
            .collect(),
    ))
}

/// `POST /api/v2/filters/:id/keywords`.
pub async fn add_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<KeywordParams>,
) -> ApiResult<Json<entities::FilterKeyword>> {
    let member = auth.member_with_scope(&["write:filters"])?;
    let filter = owned(&state, member, &id).await?;
    if filter.keywords.len() >= MAX_KEYWORDS {
        return Err(ApiError::Validation(format!(
            "at most {MAX_KEYWORDS} keywords"
        )));
    }
    let word = keyword(params.keyword.as_deref().unwrap_or_default())?;
    let update = FilterUpdate {
        keywords: vec![KeywordChange::Add {
            keyword: word.clone(),
            whole_word: params.whole_word.unwrap_or(true),
        }],
        ..FilterUpdate::default()
    };
    state
        .store
        .update_filter(member.account.id, filter.id, update, Timestamp::now())
        .await?;
    let after = owned(&state, member, &id).await?;
    let added = after
        .keywords
        .iter()
        .filter(|k| !filter.keywords.iter().any(|old| old.id == k.id))
        .find(|k| k.keyword == word)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(entities::FilterKeyword::new(added)))
}

/// The keyword with this id among the member's filters, and its filter.
async fn owned_keyword(
    state: &AppState,
    member: &Member,
    id: &str,
) -> ApiResult<(Filter, filter::Keyword)> {
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    state
        .store
        .filters(member.account.id)
        .await?
        .into_iter()
        .find_map(|f| {
            let found = f.keywords.iter().find(|k| k.id == id).cloned();
            found.map(|k| (f, k))
        })
        .ok_or(ApiError::NotFound)
}

/// `GET /api/v2/filters/keywords/:id`.
pub async fn show_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::FilterKeyword>> {
    let member = auth.member_with_scope(&["read:filters"])?;
    let (_, keyword) = owned_keyword(&state, member, &id).await?;
    Ok(Json(entities::FilterKeyword::new(&keyword)))
}

/// `PUT /api/v2/filters/keywords/:id`.
pub async fn update_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<KeywordParams>,
) -> ApiResult<Json<entities::FilterKeyword>> {
    let member = auth.member_with_scope(&["write:filters"])?;
    let (filter, existing) = owned_keyword(&state, member, &id).await?;
    let update = FilterUpdate {
        keywords: vec![KeywordChange::Update {
            id: existing.id,
            keyword: params.keyword.as_deref().map(keyword).transpose()?,
            whole_word: params.whole_word,
        }],
        ..FilterUpdate::default()
    };
    state
        .store
        .update_filter(member.account.id, filter.id, update, Timestamp::now())
        .await?;
    let (_, keyword) = owned_keyword(&state, member, &id).await?;
    Ok(Json(entities::FilterKeyword::new(&keyword)))
}

/// `DELETE /api/v2/filters/keywords/:id`.
pub async fn delete_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let member = auth.member_with_scope(&["write:filters"])?;
    let (_, keyword) = owned_keyword(&state, member, &id).await?;
    state
        .store
        .remove_filter_entry(member.account.id, keyword.id, true)
        .await?;
    Ok(Json(json!({})))
}

/// `GET /api/v2/filters/:id/statuses`.
pub async fn filtered_statuses(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<entities::FilterStatus>>> {
    let member = auth.member_with_scope(&["read:filters"])?;
    let filter = owned(&state, member, &id).await?;
    Ok(Json(
        filter
            .statuses
            .iter()
            .map(entities::FilterStatus::new)
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct FilterStatusParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    status_id: Option<String>,
}

/// `POST /api/v2/filters/:id/statuses`: the post must be one the member may see.
pub async fn add_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<FilterStatusParams>,
) -> ApiResult<Json<entities::FilterStatus>> {
    let member = auth.member_with_scope(&["write:filters"])?;
    let filter = owned(&state, member, &id).await?;
    let status = statuses::load_visible(
        &state,
        Some(member),
        params.status_id.as_deref().unwrap_or_default(),
    )
    .await?;
    if filter.statuses.iter().any(|s| s.status_id == status.id) {
        return Err(ApiError::Validation(
            "this post is already in the filter".into(),
        ));
    }
    let entry = state
        .store
        .add_filter_status(member.account.id, filter.id, status.id, Timestamp::now())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(entities::FilterStatus {
        id: entry.to_string(),
        status_id: status.id.to_string(),
    }))
}

async fn owned_status(
    state: &AppState,
    member: &Member,
    id: &str,
) -> ApiResult<filter::FilteredStatus> {
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    state
        .store
        .filters(member.account.id)
        .await?
        .into_iter()
        .find_map(|f| f.statuses.into_iter().find(|s| s.id == id))
        .ok_or(ApiError::NotFound)
}

/// `GET /api/v2/filters/statuses/:id`.
pub async fn show_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::FilterStatus>> {
    let member = auth.member_with_scope(&["read:filters"])?;
    Ok(Json(entities::FilterStatus::new(
        &owned_status(&state, member, &id).await?,
    )))
}

/// `DELETE /api/v2/filters/statuses/:id`.
pub async fn delete_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let member = auth.member_with_scope(&["write:filters"])?;
    let entry = owned_status(&state, member, &id).await?;
    state
        .store
        .remove_filter_entry(member.account.id, entry.id, false)
        .await?;
    Ok(Json(json!({})))
}
