use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use hamlet_core::account::Language;
use hamlet_core::filter::FilterContext;
use hamlet_core::visibility::Visibility;
use hamlet_store::StatsFor;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Auth, optional_member};
use crate::entities;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex};
use crate::service::statuses::{self, NewPost};

/// Most ancestors and descendants a thread shows.
const CONTEXT_LIMIT: u32 = 60;

#[derive(Deserialize)]
pub struct CreateParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    in_reply_to_id: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string_list")]
    media_ids: Option<Vec<String>>,
    #[serde(default)]
    poll: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    scheduled_at: Option<String>,
    /// Hometown and GoToSocial clients ask for a local-only post with `local_only=true`,
    /// older GoToSocial clients with `federated=false`, Akkoma and Pleroma clients with
    /// `visibility=local`.
    #[serde(default, deserialize_with = "flex::opt_bool")]
    local_only: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    federated: Option<bool>,
}

/// The one answer to "local-only?" that `local_only`, `federated` and `visibility=local`
/// give (`None` when none of them says), or 422 when they disagree; and the visibility
/// with `local` read as `public`.
fn requested_locality(params: &CreateParams) -> ApiResult<(Option<Visibility>, Option<bool>)> {
    let visibility = params.visibility.as_deref().filter(|v| !v.is_empty());
    let (visibility, by_visibility) = match visibility {
        Some("local") => (Some(Visibility::Public), Some(true)),
        Some(other) => (
            Some(
                other
                    .parse()
                    .map_err(|e| ApiError::Validation(format!("visibility {e}, local")))?,
            ),
            None,
        ),
        None => (None, None),
    };
    let mut answers = [
        params.local_only,
        params.federated.map(|f| !f),
        by_visibility,
    ]
    .into_iter()
    .flatten();
    let first = answers.next();
    if let Some(first) = first
        && answers.any(|other| other != first)
    {
        return Err(ApiError::Validation(
            "local_only, federated and visibility disagree about whether the post is local-only"
                .into(),
        ));
    }
    Ok((visibility, first))
}

/// At most this long an `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY: usize = 256;

/// Polls arrive with their own issue; until then a post that carries one is refused
/// rather than silently posted without it.
fn refuse_poll(poll: Option<&serde_json::Value>) -> ApiResult<()> {
    if poll.is_some_and(|p| !p.is_null()) {
        return Err(ApiError::Validation("polls are not supported".into()));
    }
    Ok(())
}

fn parse_language(value: Option<&str>) -> ApiResult<Option<Language>> {
    value
        .filter(|l| !l.is_empty())
        .map(|l| {
            Language::parse(l)
                .map_err(|_| ApiError::Validation("language is not a valid ISO 639 code".into()))
        })
        .transpose()
}

/// `POST /api/v1/statuses`.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Params(params): Params<CreateParams>,
) -> ApiResult<Json<entities::Status>> {
    let member = auth.member_with_scope(&["write:statuses"])?;
    refuse_poll(params.poll.as_ref())?;
    if params.scheduled_at.as_ref().is_some_and(|s| !s.is_empty()) {
        return Err(ApiError::Validation(
            "scheduled posts are not supported".into(),
        ));
    }
    let (visibility, local_only) = requested_locality(&params)?;
    let language = parse_language(params.language.as_deref())?;
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => {
            let key = value
                .to_str()
                .map_err(|_| ApiError::BadRequest("Idempotency-Key must be text".into()))?;
            if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
                return Err(ApiError::BadRequest(format!(
                    "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters"
                )));
            }
            Some(key.to_owned())
        }
    };
    let status = statuses::create(
        &state,
        member,
        NewPost {
            text: params.status.unwrap_or_default(),
            spoiler_text: params.spoiler_text.unwrap_or_default(),
            sensitive: params.sensitive,
            visibility,
            language,
            in_reply_to_id: params.in_reply_to_id,
            idempotency_key,
            application_id: Some(auth.token.application_id),
            local_only,
            media_ids: params
                .media_ids
                .unwrap_or_default()
                .into_iter()
                .filter(|id| !id.is_empty())
                .collect(),
        },
    )
    .await?;
    Ok(Json(
        statuses::render_one(&state, Some(member), status)
            .await?
            .with_unreached_mentions(),
    ))
}

/// `GET /api/v1/statuses/:id`: 404 for a post the viewer may not see, as for none.
pub async fn show(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Status>> {
    let viewer = optional_member(&auth, &["read:statuses"])?;
    let status = statuses::load_visible(&state, viewer, &id).await?;
    Ok(Json(
        statuses::render_one_in(&state, viewer, status, FilterContext::Thread).await?,
    ))
}

/// `DELETE /api/v1/statuses/:id`: the author's own posts only; answers with the post
/// and its source text, for redrafting.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::Status>> {
    let member = auth.member_with_scope(&["write:statuses"])?;
    let status = statuses::load_visible(&state, Some(member), &id).await?;
    if status.account_id != member.account.id {
        return Err(ApiError::NotFound);
    }
    let mut rendered = statuses::render(&state, Some(member), std::slice::from_ref(&status))
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    rendered.text = Some(status.text.clone());
    // The Delete is addressed while the post (its mentions, its parent) still exists,
    // and enqueued in the transaction that removes it.
    let federate = state
        .federation
        .post_outbound(&status, hamlet_federation::outbox::PostEvent::Delete)
        .await?;
    state
        .store
        .delete_status_with(status.id, federate, hamlet_core::Timestamp::now())
        .await?;
    state.federation.delivery.wake();
    Ok(Json(rendered))
}

#[derive(serde::Serialize)]
pub struct Context {
    ancestors: Vec<entities::Status>,
    descendants: Vec<entities::Status>,
}

/// `GET /api/v1/statuses/:id/context`.
pub async fn context(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
) -> ApiResult<Json<Context>> {
    let viewer = optional_member(&auth, &["read:statuses"])?;
    let status = statuses::load_visible(&state, viewer, &id).await?;
    let viewer_id = viewer.map(|m| m.account.id);
    let ancestors = state
        .store
        .ancestors(status.id, viewer_id, CONTEXT_LIMIT)
        .await?;
    let descendants = state
        .store
        .descendants(
            status.id,
            viewer_id,
            CONTEXT_LIMIT,
            hamlet_core::Timestamp::now(),
        )
        .await?;
    let thread = Some(FilterContext::Thread);
    Ok(Json(Context {
        ancestors: statuses::render_ids_in(&state, viewer, &ancestors, thread).await?,
        descendants: statuses::render_ids_in(&state, viewer, &descendants, thread).await?,
    }))
}

#[derive(Deserialize)]
pub struct EditParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string_list")]
    media_ids: Option<Vec<String>>,
    #[serde(default)]
    poll: Option<serde_json::Value>,
}

/// `PUT /api/v1/statuses/:id`: a new version of the author's own post.
pub async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<EditParams>,
) -> ApiResult<Json<entities::Status>> {
    let member = auth.member_with_scope(&["write:statuses"])?;
    refuse_poll(params.poll.as_ref())?;
    let language = parse_language(params.language.as_deref())?;
    let status = statuses::edit(
        &state,
        member,
        &id,
        statuses::Edit {
            text: params.status.unwrap_or_default(),
            spoiler_text: params.spoiler_text.unwrap_or_default(),
            sensitive: params.sensitive,
            language,
            media_ids: params
                .media_ids
                .map(|ids| ids.into_iter().filter(|id| !id.is_empty()).collect()),
        },
    )
    .await?;
    Ok(Json(
        statuses::render_one(&state, Some(member), status)
            .await?
            .with_unreached_mentions(),
    ))
}

/// `GET /api/v1/statuses/:id/history`: every version, oldest first (just the current
/// one for a post never edited).
pub async fn history(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<entities::StatusEdit>>> {
    let viewer = optional_member(&auth, &["read:statuses"])?;
    let status = statuses::load_visible(&state, viewer, &id).await?;
    let author = state
        .store
        .account_by_id(status.account_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let stats = state
        .store
        .account_stats(&[author.id], StatsFor::viewer(viewer))
        .await?
        .remove(&author.id)
        .unwrap_or_default();
    let account = entities::Account::new(&author, &stats, &state.settings);
    let mut versions = state.store.status_versions(status.id).await?;
    if versions.is_empty() {
        versions.push(hamlet_store::Version {
            text: status.text.clone(),
            content: status.content.clone(),
            spoiler_text: status.spoiler_text.clone(),
            sensitive: status.sensitive,
            created_at: status.created_at.as_millis(),
        });
    }
    Ok(Json(
        versions
            .into_iter()
            .map(|v| entities::StatusEdit {
                content: v.content,
                spoiler_text: v.spoiler_text,
                sensitive: v.sensitive,
                created_at: hamlet_core::Timestamp::from_millis(v.created_at).to_api_string(),
                account: account.clone(),
                poll: None,
                media_attachments: Vec::new(),
                emojis: Vec::new(),
            })
            .collect(),
    ))
}

/// `GET /api/v1/statuses/:id/source`: the author's own text, for editing.
pub async fn source(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<entities::StatusSource>> {
    let member = auth.member_with_scope(&["read:statuses"])?;
    let status = statuses::load_visible(&state, Some(member), &id).await?;
    if status.account_id != member.account.id {
        return Err(ApiError::NotFound);
    }
    Ok(Json(entities::StatusSource {
        id: status.id.to_string(),
        text: status.text,
        spoiler_text: status.spoiler_text,
    }))
}
