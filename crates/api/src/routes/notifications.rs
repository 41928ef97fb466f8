//! Notifications and reading markers.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use hamlet_core::account::Member;
use hamlet_core::notification::{Notification, NotificationKind};
use hamlet_core::{Id, Timestamp};
use hamlet_store::{NotificationFilter, StatsFor};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{Params, Query, flex};
use crate::service::statuses;

/// Renders notifications; those about a post the member may no longer see are left
/// out, as Mastodon does.
async fn render(
    state: &AppState,
    member: &Member,
    notifications: &[Notification],
) -> ApiResult<Vec<entities::Notification>> {
    let mut account_ids: Vec<Id> = notifications.iter().map(|n| n.from_account_id).collect();
    account_ids.sort();
    account_ids.dedup();
    let accounts = state.store.accounts_by_ids(&account_ids).await?;
    let stats = state
        .store
        .account_stats(&account_ids, StatsFor::Member)
        .await?;
    let accounts: HashMap<Id, entities::Account> = accounts
        .iter()
        .map(|a| {
            let figures = stats.get(&a.id).copied().unwrap_or_default();
            (a.id, entities::Account::new(a, &figures, &state.settings))
        })
        .collect();
    let status_ids: Vec<Id> = notifications.iter().filter_map(|n| n.status_id).collect();
    let rendered = statuses::render_ids_in(
        state,
        Some(member),
        &status_ids,
        Some(hamlet_core::filter::FilterContext::Notifications),
    )
    .await?;
    let by_id: HashMap<String, entities::Status> =
        rendered.into_iter().map(|s| (s.id.clone(), s)).collect();
    let mut out = Vec::with_capacity(notifications.len());
    for n in notifications {
        let Some(account) = accounts.get(&n.from_account_id) else {
            continue;
        };
        let status = match n.status_id {
            None => None,
            Some(id) => match by_id.get(&id.to_string()) {
                Some(status) => Some(status.clone()),
                None => continue,
            },
        };
        out.push(entities::Notification {
            id: n.id.to_string(),
            kind: n.kind.as_str(),
            group_key: format!("ungrouped-{}", n.id),
            created_at: n.created_at.to_api_string(),
            account: account.clone(),
            status,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default, deserialize_with = "flex::opt_string_list")]
    types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex::opt_string_list")]
    exclude_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    account_id: Option<String>,
    #[serde(flatten)]
    paging: PageParams,
}

/// Kinds named by a client; kinds Hamlet does not produce (polls, reports, ...) simply
/// match nothing.
fn kinds(names: Option<Vec<String>>) -> (Vec<NotificationKind>, bool) {
    let names = names.unwrap_or_default();
    let known: Vec<NotificationKind> = names.iter().filter_map(|n| n.parse().ok()).collect();
    let asked_for_unknown_only = !names.is_empty() && known.is_empty();
    (known, asked_for_unknown_only)
}

/// `GET /api/v1/notifications`.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<ListParams>,
) -> ApiResult<(HeaderMap, Json<Vec<entities::Notification>>)> {
    let member = auth.member_with_scope(&["read:notifications"])?;
    let page = params.paging.page_within(40, 80)?;
    let (types, nothing_matches) = kinds(params.types);
    let (exclude_types, _) = kinds(params.exclude_types);
    let from_account = match params.account_id.as_deref().filter(|a| !a.is_empty()) {
        Some(id) => Some(
            id.parse()
                .map_err(|_| ApiError::Validation("account_id must be an account id".into()))?,
        ),
        None => None,
    };
    let found = if nothing_matches {
        Vec::new()
    } else {
        state
            .store
            .notifications(
                member.account.id,
                &NotificationFilter {
                    types,
                    exclude_types,
                    from_account,
                },
                page,
                Timestamp::now(),
            )
            .await?
    };
    let ids: Vec<Id> = found.iter().map(|n| n.id).collect();
    let headers = link_header(
        &state.settings,
        "/api/v1/notifications",
        &[],
        &ids,
        page.limit,
    );
    Ok((headers, Json(render(&state, member, &found).await?)))
}

/// `GET /api/v1/notifications/:id`.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Notification>> {
    let member = auth.member_with_scope(&["read:notifications"])?;
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    let found = state
        .store
        .notification(member.account.id, id, Timestamp::now())
        .await?
        .ok_or(ApiError::NotFound)?;
    render(&state, member, &[found])
        .await?
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// `POST /api/v1/notifications/:id/dismiss`.
pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let member = auth.member_with_scope(&["write:notifications"])?;
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    if !state
        .store
        .dismiss_notification(member.account.id, id)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    Ok(Json(json!({})))
}

/// `POST /api/v1/notifications/clear`.
pub async fn clear(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let member = auth.member_with_scope(&["write:notifications"])?;
    state.store.clear_notifications(member.account.id).await?;
    Ok(Json(json!({})))
}

const TIMELINES: [&str; 2] = ["home", "notifications"];

#[derive(Deserialize)]
pub struct MarkersQuery {
    #[serde(default, deserialize_with = "flex::opt_string_list")]
    timeline: Option<Vec<String>>,
}

async fn markers_of(
    state: &AppState,
    member: &Member,
    wanted: &[String],
) -> ApiResult<Json<HashMap<String, entities::Marker>>> {
    let markers = state.store.markers(member.account.id).await?;
    Ok(Json(
        markers
            .into_iter()
            .filter(|(timeline, _)| wanted.is_empty() || wanted.contains(timeline))
            .map(|(timeline, m)| {
                (
                    timeline,
                    entities::Marker {
                        last_read_id: m.last_read_id.to_string(),
                        version: m.version,
                        updated_at: m.updated_at.to_api_string(),
                    },
                )
            })
            .collect(),
    ))
}

/// `GET /api/v1/markers?timeline[]=home&timeline[]=notifications`.
pub async fn markers(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<MarkersQuery>,
) -> ApiResult<Json<HashMap<String, entities::Marker>>> {
    let member = auth.member_with_scope(&["read:statuses"])?;
    markers_of(&state, member, &params.timeline.unwrap_or_default()).await
}

#[derive(Deserialize)]
pub struct MarkerPosition {
    #[serde(default, deserialize_with = "flex::opt_string")]
    last_read_id: Option<String>,
}

#[derive(Deserialize)]
pub struct SetMarkers {
    home: Option<MarkerPosition>,
    notifications: Option<MarkerPosition>,
}

/// `POST /api/v1/markers` with `home[last_read_id]` and/or `notifications[last_read_id]`.
pub async fn set_markers(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<SetMarkers>,
) -> ApiResult<Json<HashMap<String, entities::Marker>>> {
    let member = auth.member_with_scope(&["write:statuses"])?;
    let mut updates = Vec::new();
    for (timeline, position) in [
        ("home", params.home),
        ("notifications", params.notifications),
    ] {
        if let Some(position) = position {
            let id: Id = position
                .last_read_id
                .as_deref()
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| {
                    ApiError::Validation(format!("{timeline}[last_read_id] must be an id"))
                })?;
            updates.push((timeline, id));
        }
    }
    if updates.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "Name at least one timeline to mark: {}",
            TIMELINES.join(", ")
        )));
    }
    let now = Timestamp::now();
    for (timeline, id) in &updates {
        state
            .store
            .set_marker(member.account.id, timeline, *id, now)
            .await?;
    }
    let touched: Vec<String> = updates.iter().map(|(t, _)| (*t).to_owned()).collect();
    markers_of(&state, member, &touched).await
}
