//! Favourites, bookmarks, pins and boosts, and the lists they make.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use hamlet_core::Id;
use hamlet_store::{Mark, StatsFor};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Auth, optional_member};
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{Params, Query, flex};
use crate::service::statuses;

use crate::service::interactions::{self, target};

async fn set_mark(
    state: AppState,
    auth: Auth,
    id: String,
    mark: Mark,
    on: bool,
) -> ApiResult<Json<entities::Status>> {
    let scope = match mark {
        Mark::Favourite => "write:favourites",
        Mark::Bookmark => "write:bookmarks",
        Mark::Pin => "write:accounts",
    };
    let member = auth.member_with_scope(&[scope])?;
    let status = target(&state, member, &id).await?;
    interactions::set_mark(&state, member, &status, mark, on).await?;
    Ok(Json(
        statuses::render_one(&state, Some(member), status).await?,
    ))
}

macro_rules! mark_handler {
    ($name:ident, $mark:expr, $on:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            auth: Auth,
            Path(id): Path<String>,
        ) -> ApiResult<Json<entities::Status>> {
            set_mark(state, auth, id, $mark, $on).await
        }
    };
}

mark_handler!(favourite, Mark::Favourite, true);
mark_handler!(unfavourite, Mark::Favourite, false);
mark_handler!(bookmark, Mark::Bookmark, true);
mark_handler!(unbookmark, Mark::Bookmark, false);
mark_handler!(pin, Mark::Pin, true);
mark_handler!(unpin, Mark::Pin, false);

#[derive(Deserialize)]
pub struct ReblogParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    visibility: Option<String>,
}

/// `POST /api/v1/statuses/:id/reblog`: answers with the boost, the original inside.
pub async fn reblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<ReblogParams>,
) -> ApiResult<Json<entities::Status>> {
    let member = auth.member_with_scope(&["write:statuses"])?;
    let original = target(&state, member, &id).await?;
    let requested = params
        .visibility
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse()
                .map_err(|e| ApiError::Validation(format!("visibility {e}")))
        })
        .transpose()?;
    let id = interactions::reblog(&state, member, &original, requested).await?;
    let boost = state
        .store
        .status_by_id(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(
        statuses::render_one(&state, Some(member), boost).await?,
    ))
}

/// `POST /api/v1/statuses/:id/unreblog`: answers with the original.
pub async fn unreblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Status>> {
    let member = auth.member_with_scope(&["write:statuses"])?;
    let original = target(&state, member, &id).await?;
    interactions::unreblog(&state, member, &original).await?;
    Ok(Json(
        statuses::render_one(&state, Some(member), original).await?,
    ))
}

type AccountList = (HeaderMap, Json<Vec<entities::Account>>);

async fn who(
    state: AppState,
    auth: Option<Auth>,
    id: String,
    mark: Option<Mark>,
    paging: PageParams,
) -> ApiResult<AccountList> {
    let viewer = optional_member(&auth, &["read:accounts"])?;
    let status = statuses::load_visible(&state, viewer, &id).await?;
    let page = paging.page()?;
    let listed = state.store.who_marked(mark, status.id, page).await?;
    let ids: Vec<Id> = listed.iter().map(|l| l.account.id).collect();
    let stats = state
        .store
        .account_stats(&ids, StatsFor::viewer(viewer))
        .await?;
    let cursors: Vec<Id> = listed.iter().map(|l| l.cursor).collect();
    let segment = if mark.is_some() {
        "favourited_by"
    } else {
        "reblogged_by"
    };
    let path = format!("/api/v1/statuses/{}/{segment}", status.id);
    let headers = link_header(&state.settings, &path, &[], &cursors, page.limit);
    let accounts = listed
        .iter()
        .map(|l| {
            entities::Account::new(
                &l.account,
                &stats.get(&l.account.id).copied().unwrap_or_default(),
                &state.settings,
            )
        })
        .collect();
    Ok((headers, Json(accounts)))
}

/// `GET /api/v1/statuses/:id/favourited_by`.
pub async fn favourited_by(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
    Query(paging): Query<PageParams>,
) -> ApiResult<AccountList> {
    who(state, auth, id, Some(Mark::Favourite), paging).await
}

/// `GET /api/v1/statuses/:id/reblogged_by`.
pub async fn reblogged_by(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
    Query(paging): Query<PageParams>,
) -> ApiResult<AccountList> {
    who(state, auth, id, None, paging).await
}

type StatusList = (HeaderMap, Json<Vec<entities::Status>>);

async fn my_marked(
    state: AppState,
    auth: Auth,
    mark: Mark,
    scope: &str,
    path: &str,
    paging: PageParams,
) -> ApiResult<StatusList> {
    let member = auth.member_with_scope(&[scope])?;
    let page = paging.page()?;
    let marked = state
        .store
        .marked_statuses(mark, member.account.id, page)
        .await?;
    let cursors: Vec<Id> = marked.iter().map(|(cursor, _)| *cursor).collect();
    let ids: Vec<Id> = marked.iter().map(|(_, status)| *status).collect();
    let headers = link_header(&state.settings, path, &[], &cursors, page.limit);
    Ok((
        headers,
        Json(statuses::render_ids(&state, Some(member), &ids).await?),
    ))
}

/// `GET /api/v1/favourites`.
pub async fn favourites(
    State(state): State<AppState>,
    auth: Auth,
    Query(paging): Query<PageParams>,
) -> ApiResult<StatusList> {
    my_marked(
        state,
        auth,
        Mark::Favourite,
        "read:favourites",
        "/api/v1/favourites",
        paging,
    )
    .await
}

/// `GET /api/v1/bookmarks`.
pub async fn bookmarks(
    State(state): State<AppState>,
    auth: Auth,
    Query(paging): Query<PageParams>,
) -> ApiResult<StatusList> {
    my_marked(
        state,
        auth,
        Mark::Bookmark,
        "read:bookmarks",
        "/api/v1/bookmarks",
        paging,
    )
    .await
}
