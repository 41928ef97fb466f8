//! Direct-message conversations.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use hamlet_core::Id;
use hamlet_core::account::Member;
use hamlet_store::{Conversation, StatsFor};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::Query;
use crate::service::statuses;

/// Renders conversations: the last message (if the member may still see it) and the
/// other participants, everyone the message involves but the member.
async fn render(
    state: &AppState,
    member: &Member,
    conversations: &[Conversation],
) -> ApiResult<Vec<entities::Conversation>> {
    let last_ids: Vec<Id> = conversations.iter().map(|c| c.last_status_id).collect();
    let rendered = statuses::render_ids(state, Some(member), &last_ids).await?;
    let me = member.account.id.to_string();
    let mut participant_ids: Vec<Id> = rendered
        .iter()
        .flat_map(|s| {
            std::iter::once(s.account.id.clone()).chain(s.mentions.iter().map(|m| m.id.clone()))
        })
        .filter(|id| *id != me)
        .filter_map(|id| id.parse().ok())
        .collect();
    participant_ids.sort();
    participant_ids.dedup();
    let accounts = state.store.accounts_by_ids(&participant_ids).await?;
    let stats = state
        .store
        .account_stats(&participant_ids, StatsFor::Member)
        .await?;
    let shown: Vec<entities::Account> = accounts
        .iter()
        .map(|a| {
            entities::Account::new(
                a,
                &stats.get(&a.id).copied().unwrap_or_default(),
                &state.settings,
            )
        })
        .collect();
    Ok(conversations
        .iter()
        .map(|c| {
            let last = rendered
                .iter()
                .find(|s| s.id == c.last_status_id.to_string())
                .cloned();
            let accounts = match &last {
                Some(status) => {
                    let involved: Vec<&str> = std::iter::once(status.account.id.as_str())
                        .chain(status.mentions.iter().map(|m| m.id.as_str()))
                        .collect();
                    shown
                        .iter()
                        .filter(|a| involved.contains(&a.id.as_str()))
                        .cloned()
                        .collect()
                }
                None => Vec::new(),
            };
            entities::Conversation {
                id: c.id.to_string(),
                unread: c.unread,
                accounts,
                last_status: last,
            }
        })
        .collect())
}

/// `GET /api/v1/conversations`.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(paging): Query<PageParams>,
) -> ApiResult<(HeaderMap, Json<Vec<entities::Conversation>>)> {
    let member = auth.member_with_scope(&["read:statuses"])?;
    let page = paging.page()?;
    let found = state.store.conversations(member.account.id, page).await?;
    let cursors: Vec<Id> = found.iter().map(|c| c.last_status_id).collect();
    let headers = link_header(
        &state.settings,
        "/api/v1/conversations",
        &[],
        &cursors,
        page.limit,
    );
    Ok((headers, Json(render(&state, member, &found).await?)))
}

/// `POST /api/v1/conversations/:id/read`.
pub async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Conversation>> {
    let member = auth.member_with_scope(&["write:conversations"])?;
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    if !state.store.read_conversation(member.account.id, id).await? {
        return Err(ApiError::NotFound);
    }
    let conversation = state
        .store
        .conversation(member.account.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    render(&state, member, &[conversation])
        .await?
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// `DELETE /api/v1/conversations/:id`: removes it from the member's list.
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let member = auth.member_with_scope(&["write:conversations"])?;
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    if !state
        .store
        .remove_conversation(member.account.id, id)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    Ok(Json(json!({})))
}
