//! Favourites, bookmarks, pins and boosts, and the lists they make.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use hamlet_core::account::Member;
use hamlet_core::limits::MAX_PINNED_STATUSES;
use hamlet_core::status::Status;
use hamlet_core::visibility::Visibility;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{Created, Mark, StatsFor};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Auth, optional_member};
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{Params, Query, flex};
use crate::service::statuses;

/// A boost stands for the post it boosts: marks apply to the original.
async fn target(state: &AppState, member: &Member, id: &str) -> ApiResult<Status> {
    let status = statuses::load_visible(state, Some(member), id).await?;
    match status.reblog_of_id {
        Some(original) => statuses::load_visible(state, Some(member), &original.to_string()).await,
        None => Ok(status),
    }
}

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
    let me = member.account.id;
    if on {
        if mark == Mark::Pin {
            if status.account_id != me {
                return Err(ApiError::Validation(
                    "You can only pin your own posts".into(),
                ));
            }
            if status.visibility == Visibility::Direct {
                return Err(ApiError::Validation(
                    "Direct messages cannot be pinned".into(),
                ));
            }
            let pinned = state
                .store
                .marked_among(Mark::Pin, me, &[status.id])
                .await?;
            if pinned.is_empty()
                && state.store.count_pins(me).await? >= u64::from(MAX_PINNED_STATUSES)
            {
                return Err(ApiError::Validation(format!(
                    "You have already pinned the maximum number of posts ({MAX_PINNED_STATUSES})"
                )));
            }
        }
        let like = match mark {
            Mark::Favourite => favourite_outbound(&state, member, &status, true).await?,
            _ => None,
        };
        state
            .store
            .mark(mark, me, status.id, Timestamp::now(), like.as_ref())
            .await?;
    } else {
        let undo = match mark {
            Mark::Favourite => favourite_outbound(&state, member, &status, false).await?,
            _ => None,
        };
        state
            .store
            .unmark(mark, me, status.id, undo.as_ref())
            .await?;
    }
    state.federation.delivery.wake();
    Ok(Json(
        statuses::render_one(&state, Some(member), status).await?,
    ))
}

/// A favourite of a remote post is a `Like` to its author (and its undoing an `Undo`),
/// enqueued with the favourite itself.
async fn favourite_outbound(
    state: &AppState,
    member: &hamlet_core::account::Member,
    status: &hamlet_core::status::Status,
    on: bool,
) -> ApiResult<Option<hamlet_store::Outbound>> {
    let Some(author) = state.store.account_by_id(status.account_id).await? else {
        return Ok(None);
    };
    let federation = &state.federation;
    Ok(if on {
        federation.like_outbound(&member.account, status, &author)?
    } else {
        federation.undo_like_outbound(&member.account, status, &author)?
    })
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
    let own = original.account_id == member.account.id;
    let allowed = match original.visibility {
        Visibility::Public | Visibility::Unlisted => true,
        Visibility::Private => own,
        Visibility::Direct => false,
    };
    if !allowed {
        return Err(ApiError::Forbidden("This action is not allowed".into()));
    }
    let requested = match params.visibility.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => v
            .parse()
            .map_err(|e| ApiError::Validation(format!("visibility {e}")))?,
        None => member.user.defaults.privacy,
    };
    // A boost is never more visible than the post, and never a direct message.
    let visibility = match (original.visibility, requested) {
        (Visibility::Private, _) | (_, Visibility::Private) | (_, Visibility::Direct) => {
            Visibility::Private
        }
        (_, Visibility::Unlisted) | (Visibility::Unlisted, _) => Visibility::Unlisted,
        _ => Visibility::Public,
    };
    // Followers-only boosts stay here; the others are announced with the boost itself.
    let original_author = match visibility {
        Visibility::Private => None,
        _ => state.store.account_by_id(original.account_id).await?,
    };
    let now = Timestamp::now();
    let federate = |boost_id| {
        let author = original_author.as_ref()?;
        state
            .federation
            .announce_outbound(&member.account, boost_id, now, &original, author)
            .map_err(|error| tracing::error!(%error, "could not build the Announce of a boost"))
            .ok()
            .flatten()
    };
    let created = state
        .store
        .reblog(
            member.account.id,
            original.id,
            visibility,
            None,
            now,
            federate,
        )
        .await?;
    let id = match created {
        Created::New(id) | Created::Existing(id) => id,
    };
    state.federation.delivery.wake();
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
    let undo = match state.store.boost_of(member.account.id, original.id).await? {
        Some(boost) if boost.visibility != Visibility::Private => {
            match state.store.account_by_id(original.account_id).await? {
                Some(author) => state.federation.undo_announce_outbound(
                    &member.account,
                    &boost,
                    &original,
                    &author,
                )?,
                None => None,
            }
        }
        _ => None,
    };
    state
        .store
        .unreblog(member.account.id, original.id, undo.as_ref())
        .await?;
    state.federation.delivery.wake();
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
