//! Uploads (`/api/v1/media`, `/api/v2/media`), their alt text and focal point, and the
//! stored files themselves (`/media/...`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hamlet_core::Id;
use hamlet_core::media::{self as rules, Focus};
use hamlet_core::{Timestamp, account::Member};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::entities::MediaAttachment;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, WithFiles, flex};
use crate::service::media;

#[derive(Deserialize)]
pub struct UploadParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    focus: Option<String>,
}

fn parse_focus(focus: Option<&str>) -> ApiResult<Option<Focus>> {
    match focus.filter(|f| !f.is_empty()) {
        None => Ok(None),
        Some(f) => Focus::parse(f).map(Some).ok_or_else(|| {
            ApiError::Validation("focus must be two numbers from -1.0 to 1.0, \"x,y\"".into())
        }),
    }
}

fn parse_description(description: Option<&str>) -> ApiResult<Option<String>> {
    description
        .map(|d| rules::description(d).map_err(ApiError::Validation))
        .transpose()
}

/// `POST /api/v1/media` and `/api/v2/media`: the file is processed before the answer,
/// so it is always ready (200, never 202).
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    WithFiles(params, mut files): WithFiles<UploadParams>,
) -> ApiResult<Json<MediaAttachment>> {
    let member: &Member = auth.member_with_scope(&["write:media"])?;
    let file = files
        .take("file")
        .ok_or_else(|| ApiError::Validation("file is missing".into()))?;
    let description = parse_description(params.description.as_deref())?.unwrap_or_default();
    let focus = parse_focus(params.focus.as_deref())?.unwrap_or_default();
    let stored = media::upload(&state, member, file, description, focus).await?;
    Ok(Json(MediaAttachment::new(&state, &stored)))
}

/// The member's own upload named `id`, or 404.
async fn owned(
    state: &AppState,
    member: &Member,
    id: &str,
) -> ApiResult<hamlet_core::media::MediaAttachment> {
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    state
        .store
        .media_by_id(id)
        .await?
        .filter(|m| m.account_id == member.account.id)
        .ok_or(ApiError::NotFound)
}

/// `GET /api/v1/media/:id`: the member's own upload.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<MediaAttachment>> {
    let member = auth.member_with_scope(&["write:media"])?;
    let found = owned(&state, member, &id).await?;
    Ok(Json(MediaAttachment::new(&state, &found)))
}

/// `PUT /api/v1/media/:id`: alt text and focal point of an upload not yet in a post.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<UploadParams>,
) -> ApiResult<Json<MediaAttachment>> {
    let member = auth.member_with_scope(&["write:media"])?;
    let description = parse_description(params.description.as_deref())?;
    let focus = parse_focus(params.focus.as_deref())?;
    let found = owned(&state, member, &id).await?;
    let updated = state
        .store
        .update_unattached_media(
            found.id,
            member.account.id,
            description.as_deref(),
            focus,
            Timestamp::now(),
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(MediaAttachment::new(&state, &updated)))
}

/// The type a stored file is served with, from the extension Hamlet itself gave it.
/// Anything else is not a file of ours: no key can make the server answer with HTML
/// or script.
fn served_type(key: &str) -> Option<&'static str> {
    let extension = key.rsplit_once('.')?.1;
    Some(match extension {
        "jpg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "ogg" => "audio/ogg",
        "mp3" => "audio/mpeg",
        _ => return None,
    })
}

/// A key as Hamlet makes them: `folder/random/name.ext`, plain characters only.
fn plausible_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 200
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'))
}

/// What a `/media/cache/...` path names: another server's file, copied on demand.
enum Cached<'a> {
    /// By the random name of its copy.
    Attachment(&'a str, media::Variant),
    Picture(Id, media::Picture),
}

fn cached_path(rest: &str) -> Option<Cached<'_>> {
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [token, variant] => Some(Cached::Attachment(
            Some(*token).filter(|t| {
                t.len() == 43
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })?,
            match *variant {
                "original" => media::Variant::Original,
                "small" => media::Variant::Small,
                _ => return None,
            },
        )),
        ["accounts", id, picture] => Some(Cached::Picture(
            id.parse().ok()?,
            match *picture {
                "avatar" => media::Picture::Avatar,
                "header" => media::Picture::Header,
                _ => return None,
            },
        )),
        _ => None,
    }
}

/// `GET /media/{*key}`: a stored file; under `cache/`, another server's attachment or
/// picture, copied here first if need be, so readers never contact that server. Keys
/// are random, so only those a reader was given lead anywhere.
pub async fn file(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    let key = match key.strip_prefix("cache/").map(cached_path) {
        None => key,
        Some(None) => return ApiError::NotFound.into_response(),
        Some(Some(cached)) => {
            let found = match cached {
                Cached::Attachment(token, variant) => {
                    media::cached_remote_attachment(&state, token, variant).await
                }
                Cached::Picture(id, picture) => {
                    media::cached_remote_picture(&state, id, picture).await
                }
            };
            match found {
                Ok(Some(key)) => key,
                Ok(None) => return ApiError::NotFound.into_response(),
                Err(error) => return error.into_response(),
            }
        }
    };
    let Some(content_type) = served_type(&key).filter(|_| plausible_key(&key)) else {
        return ApiError::NotFound.into_response();
    };
    let bytes = match state.media.get(&key).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return ApiError::NotFound.into_response(),
        Err(error) => return ApiError::internal(error).into_response(),
    };
    let name = key.rsplit('/').next().unwrap_or("file");
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    // Even opened directly, a file is never a document that runs anything.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_keys_and_types_are_served() {
        assert_eq!(
            served_type("attachments/abc/original.jpg"),
            Some("image/jpeg")
        );
        assert_eq!(served_type("attachments/abc/original.html"), None);
        assert_eq!(served_type("attachments/abc/original"), None);
        assert!(plausible_key("attachments/aZ-_9/small.png"));
        for bad in [
            "",
            "../x.jpg",
            "a//b.jpg",
            "a/./b.jpg",
            "a/b c.jpg",
            "a/%2e%2e/b.jpg",
            "/a.jpg",
        ] {
            assert!(!plausible_key(bad), "{bad}");
        }
    }
}
