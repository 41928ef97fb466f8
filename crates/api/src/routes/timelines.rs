use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use hamlet_core::Timestamp;
use hamlet_core::filter::FilterContext;
use hamlet_store::AccountStatusFilter;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Auth, optional_member};
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, link_header};
use crate::params::{Query, flex};
use crate::service::{community, statuses};

type Timeline = (HeaderMap, Json<Vec<entities::Status>>);

/// `GET /api/v1/timelines/home`.
pub async fn home(
    State(state): State<AppState>,
    auth: Auth,
    Query(paging): Query<PageParams>,
) -> ApiResult<Timeline> {
    let member = auth.member_with_scope(&["read:statuses"])?;
    let page = paging.page()?;
    let ids = state
        .store
        .home_timeline(member.account.id, page, Timestamp::now())
        .await?;
    let headers = link_header(
        &state.settings,
        "/api/v1/timelines/home",
        &[],
        &ids,
        page.limit,
    );
    Ok((
        headers,
        Json(statuses::render_ids_in(&state, Some(member), &ids, Some(FilterContext::Home)).await?),
    ))
}

#[derive(Deserialize)]
pub struct PublicParams {
    #[serde(default, deserialize_with = "flex::opt_bool")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    only_media: Option<bool>,
    #[serde(flatten)]
    paging: PageParams,
}

/// `GET /api/v1/timelines/public`: `local=true` is the community timeline.
pub async fn public(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Query(params): Query<PublicParams>,
) -> ApiResult<Timeline> {
    public_posts(&state, auth, params, None, "/api/v1/timelines/public").await
}

/// `GET /api/v1/timelines/tag/:hashtag`: public posts with the hashtag.
pub async fn tag(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(hashtag): Path<String>,
    Query(params): Query<PublicParams>,
) -> ApiResult<Timeline> {
    let name = hashtag.trim_start_matches('#');
    if name.is_empty()
        || name.chars().count() > 100
        || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return Err(ApiError::NotFound);
    }
    let path = format!("/api/v1/timelines/tag/{name}");
    public_posts(&state, auth, params, Some(name), &path).await
}

async fn public_posts(
    state: &AppState,
    auth: Option<Auth>,
    params: PublicParams,
    tag: Option<&str>,
    path: &str,
) -> ApiResult<Timeline> {
    let local = match (
        params.local.unwrap_or(false),
        params.remote.unwrap_or(false),
    ) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        (false, false) => None,
        (true, true) => return Ok((HeaderMap::new(), Json(Vec::new()))),
    };
    // An admin may switch the federated timeline off: the public timeline then carries
    // this community's posts alone (hashtag timelines are not affected).
    let local = if tag.is_none() && !community::current(state).await?.federated_timeline {
        match local {
            Some(false) => return Ok((HeaderMap::new(), Json(Vec::new()))),
            _ => Some(true),
        }
    } else {
        local
    };
    let viewer = match &auth {
        Some(auth) => {
            auth.require_scope(&["read:statuses"])?;
            auth.member.as_ref()
        }
        None => {
            let access = state.settings.timelines;
            // The federated timeline carries local posts too.
            let allowed = match local {
                Some(true) => access.local_public,
                Some(false) => access.remote_public,
                None => access.local_public && access.remote_public,
            };
            if !allowed {
                return Err(ApiError::UserRequired);
            }
            None
        }
    };
    let page = params.paging.page()?;
    // Posts have no media yet, so a media-only timeline is empty.
    let ids = if params.only_media.unwrap_or(false) {
        Vec::new()
    } else {
        state
            .store
            .public_timeline(
                viewer.map(|m| m.account.id),
                local,
                tag,
                page,
                Timestamp::now(),
            )
            .await?
    };
    let mut query = Vec::new();
    if let Some(local) = local {
        query.push((if local { "local" } else { "remote" }, "true".to_owned()));
    }
    let headers = link_header(&state.settings, path, &query, &ids, page.limit);
    Ok((
        headers,
        Json(statuses::render_ids_in(state, viewer, &ids, Some(FilterContext::Public)).await?),
    ))
}

#[derive(Deserialize)]
pub struct AccountStatusesParams {
    #[serde(default, deserialize_with = "flex::opt_bool")]
    pinned: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    exclude_replies: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    exclude_reblogs: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    only_media: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    tagged: Option<String>,
    #[serde(flatten)]
    paging: PageParams,
}

/// `GET /api/v1/accounts/:id/statuses`.
pub async fn account_statuses(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
    Query(params): Query<AccountStatusesParams>,
) -> ApiResult<Timeline> {
    let viewer = optional_member(&auth, &["read:statuses"])?;
    let id: hamlet_core::Id = id.parse().map_err(|_| ApiError::NotFound)?;
    let account = state
        .store
        .account_by_id(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let page = params.paging.page()?;
    // Media arrive later: no post has media yet.
    let ids = if params.only_media.unwrap_or(false) {
        Vec::new()
    } else if params.pinned.unwrap_or(false) {
        // Pins are few and not paged (as on Mastodon): a later page is empty.
        if page.max_id.is_some() || page.min_id.is_some() || page.since_id.is_some() {
            Vec::new()
        } else {
            state
                .store
                .pinned_statuses(account.id, viewer.map(|m| m.account.id), page.limit)
                .await?
        }
    } else {
        state
            .store
            .account_statuses(
                account.id,
                viewer.map(|m| m.account.id),
                AccountStatusFilter {
                    exclude_replies: params.exclude_replies.unwrap_or(false),
                    exclude_reblogs: params.exclude_reblogs.unwrap_or(false),
                    tagged: params.tagged.filter(|t| !t.is_empty()),
                },
                page,
            )
            .await?
    };
    let path = format!("/api/v1/accounts/{}/statuses", account.id);
    let headers = link_header(&state.settings, &path, &[], &ids, page.limit);
    Ok((
        headers,
        Json(statuses::render_ids_in(&state, viewer, &ids, Some(FilterContext::Account)).await?),
    ))
}
