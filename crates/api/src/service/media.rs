//! Uploads: turned into clean files off the async threads, stored under random keys,
//! recorded; and the files a member's profile pictures point at.

use hamlet_core::Timestamp;
use hamlet_core::account::Member;
use hamlet_core::media::{Focus, MediaAttachment};
use hamlet_core::secret;
use hamlet_media::{MediaError, Processed, ProfilePicture};
use hamlet_store::NewMedia;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// The route prefix files are served under.
pub const MEDIA_PATH: &str = "/media/";

/// Where apps and other servers are sent for the stored file `key`: this server's
/// `/media/`, or the configured CDN in front of it.
pub fn url(state: &AppState, key: &str) -> String {
    state.settings.media_url(key)
}

/// Where another server's attachment is served from here (`original` or `small`).
pub fn remote_url(state: &AppState, media: &MediaAttachment, variant: &str) -> String {
    let token = media.cache_token.as_deref().unwrap_or_default();
    url(state, &format!("cache/{token}/{variant}"))
}

/// How long a failed copy of another server's file is not tried again, so that no one
/// can make this server hammer another by asking again and again.
const FAILED_COPY_BACKOFF: std::time::Duration = std::time::Duration::from_secs(3600);

fn failed_recently(failed_at: Option<hamlet_core::Timestamp>) -> bool {
    failed_at.is_some_and(|at| {
        at.plus(FAILED_COPY_BACKOFF).as_millis() > hamlet_core::Timestamp::now().as_millis()
    })
}

fn refused(error: MediaError) -> ApiError {
    match error {
        MediaError::TooLarge { limit } => ApiError::PayloadTooLarge {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
        },
        other => ApiError::Validation(format!("File {other}")),
    }
}

/// Runs the CPU-heavy processing on the blocking pool, a few at a time.
async fn processed(
    state: &AppState,
    job: impl FnOnce() -> Result<Processed, MediaError> + Send + 'static,
) -> ApiResult<Processed> {
    let _permit = state
        .media_permits
        .acquire()
        .await
        .map_err(|e| ApiError::internal(format!("media permits: {e}")))?;
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| ApiError::internal(format!("media processing panicked: {e}")))?
        .map_err(refused)
}

/// Stores the files of `processed` under a fresh random prefix; the keys of the original
/// and the thumbnail. Nothing is left behind if a write fails.
async fn store_files(
    state: &AppState,
    folder: &str,
    processed: &Processed,
) -> ApiResult<(String, Option<String>)> {
    let prefix = format!("{folder}/{}", secret::generate());
    let original = format!("{prefix}/original.{}", processed.original.extension);
    let storage = &state.media;
    storage
        .put(&original, processed.original.bytes.clone())
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let thumbnail = match &processed.thumbnail {
        Some(thumbnail) => {
            let key = format!("{prefix}/small.{}", thumbnail.extension);
            if let Err(error) = storage.put(&key, thumbnail.bytes.clone()).await {
                forget(state, &[original]).await;
                return Err(ApiError::internal(error.to_string()));
            }
            Some(key)
        }
        None => None,
    };
    Ok((original, thumbnail))
}

/// Removes stored files, logging (not failing on) errors: an orphaned file costs disk
/// space, never correctness.
pub async fn forget(state: &AppState, keys: &[String]) {
    for key in keys {
        if let Err(error) = state.media.delete(key).await {
            tracing::warn!(%error, key, "could not remove a media file");
        }
    }
}

/// An upload of `member`'s, with its alt text and focal point, ready to attach to a post.
pub async fn upload(
    state: &AppState,
    member: &Member,
    bytes: Vec<u8>,
    description: String,
    focus: Focus,
) -> ApiResult<MediaAttachment> {
    let limits = state.media_limits;
    let processed = processed(state, move || {
        hamlet_media::process_attachment(&bytes, &limits)
    })
    .await?;
    let (file_key, thumbnail_key) = store_files(state, "attachments", &processed).await?;
    let recorded = state
        .store
        .insert_media(NewMedia {
            account_id: member.account.id,
            kind: processed.kind,
            file_key: file_key.clone(),
            content_type: processed.original.content_type.to_owned(),
            file_size: processed.original.bytes.len() as u64,
            size: processed.original.size,
            thumbnail_key: thumbnail_key.clone(),
            thumbnail_size: processed.thumbnail.as_ref().and_then(|t| t.size),
            description,
            focus,
            blurhash: processed.blurhash.clone(),
            created_at: Timestamp::now(),
        })
        .await;
    match recorded {
        Ok(media) => Ok(media),
        Err(error) => {
            forget(
                state,
                &[Some(file_key), thumbnail_key]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>(),
            )
            .await;
            Err(error.into())
        }
    }
}

/// Which picture of a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Picture {
    Avatar,
    Header,
}

/// New profile pictures sent with a profile update.
#[derive(Default)]
pub struct NewPictures {
    pub avatar: Option<Vec<u8>>,
    pub header: Option<Vec<u8>>,
}

/// Processes and stores a new avatar or header; its key. The file is recorded by the
/// profile update that uses it.
async fn store_picture(state: &AppState, picture: Picture, bytes: Vec<u8>) -> ApiResult<String> {
    let limits = state.media_limits;
    let (shape, folder) = match picture {
        Picture::Avatar => (ProfilePicture::Avatar, "avatars"),
        Picture::Header => (ProfilePicture::Header, "headers"),
    };
    let processed = processed(state, move || {
        hamlet_media::process_profile_picture(&bytes, shape, &limits)
    })
    .await?;
    Ok(store_files(state, folder, &processed).await?.0)
}

/// Changes a member's profile, with new pictures if sent: the files are stored first,
/// then the profile (and the `Update` to other servers, showing the new pictures) in one
/// transaction. Replaced files are removed afterwards; on failure, the new ones are.
pub async fn update_profile_with_pictures(
    state: &AppState,
    member: &Member,
    mut update: hamlet_core::account::ProfileUpdate,
    pictures: NewPictures,
) -> ApiResult<()> {
    let mut stored = Vec::new();
    let mut replaced = Vec::new();
    for (picture, bytes) in [
        (Picture::Avatar, pictures.avatar),
        (Picture::Header, pictures.header),
    ] {
        let Some(bytes) = bytes else { continue };
        let key = match store_picture(state, picture, bytes).await {
            Ok(key) => key,
            Err(error) => {
                forget(state, &stored).await;
                return Err(error);
            }
        };
        stored.push(key.clone());
        let (slot, current) = match picture {
            Picture::Avatar => (&mut update.avatar_file, &member.account.avatar_file),
            Picture::Header => (&mut update.header_file, &member.account.header_file),
        };
        *slot = Some(Some(key));
        replaced.extend(current.clone());
    }
    // A picture cleared without a new one also frees its file.
    if update.avatar_file == Some(None) {
        replaced.extend(member.account.avatar_file.clone());
    }
    if update.header_file == Some(None) {
        replaced.extend(member.account.header_file.clone());
    }
    match crate::service::members::update_profile(state, member, &update).await {
        Ok(()) => {
            forget(state, &replaced).await;
            Ok(())
        }
        Err(error) => {
            forget(state, &stored).await;
            Err(error)
        }
    }
}

/// What the outbound client asks for when copying another server's file.
const MEDIA_ACCEPT: &str = "image/*, video/*, audio/*;q=0.9, */*;q=0.1";

/// Fetches another server's file through the one outbound client (federation policy,
/// SSRF guard, size cap). `None` when it cannot be had; why is logged.
async fn fetch_remote(state: &AppState, url: &str, max_bytes: u64) -> Option<Vec<u8>> {
    let url = match url::Url::parse(url) {
        Ok(url) => url,
        Err(error) => {
            tracing::warn!(%error, "a remote media URL does not parse");
            return None;
        }
    };
    let cap = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    match state
        .federation
        .client
        .get(&url, MEDIA_ACCEPT, cap, None)
        .await
    {
        Ok(fetched) => Some(fetched.body),
        Err(error) => {
            tracing::info!(%error, host = url.host_str(), "could not copy a remote file");
            None
        }
    }
}

fn cached_file(
    processed: &Processed,
    file_key: String,
    thumbnail_key: Option<String>,
) -> hamlet_store::CachedFile {
    hamlet_store::CachedFile {
        kind: processed.kind,
        file_key,
        content_type: processed.original.content_type.to_owned(),
        file_size: processed.original.bytes.len() as u64,
        size: processed.original.size,
        thumbnail_key,
        thumbnail_size: processed.thumbnail.as_ref().and_then(|t| t.size),
        blurhash: processed.blurhash.clone(),
    }
}

/// Which file of an attachment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Original,
    Small,
}

/// The key of another server's attachment here (by the random name of its copy),
/// copied now if it was not: fetched, checked and cleaned like an upload (pictures
/// re-encoded without metadata), stored. `None` when there is no such attachment or its
/// file cannot be had; a failure is not tried again for an hour.
pub async fn cached_remote_attachment(
    state: &AppState,
    token: &str,
    variant: Variant,
) -> ApiResult<Option<String>> {
    let Some(media) = state.store.media_by_cache_token(token).await? else {
        return Ok(None);
    };
    let Some(remote_url) = media.remote_url.clone() else {
        return Ok(None);
    };
    let pick = |file: Option<String>, thumbnail: Option<String>| match variant {
        Variant::Original => file,
        Variant::Small => thumbnail.or(file),
    };
    if media.file_key.is_some() {
        return Ok(pick(media.file_key, media.thumbnail_key));
    }
    if failed_recently(media.failed_at) {
        return Ok(None);
    }
    let limits = state.media_limits;
    let max = limits.image_bytes.max(limits.video_bytes);
    let copy = move |bytes: Vec<u8>| hamlet_media::process_attachment(&bytes, &limits);
    let Some(processed) = fetch_and_process(state, &remote_url, max, copy).await else {
        state
            .store
            .record_failed_copy(media.id, hamlet_core::Timestamp::now())
            .await?;
        return Ok(None);
    };
    let (file_key, thumbnail_key) = store_files(state, "remote", &processed).await?;
    let cached = cached_file(&processed, file_key.clone(), thumbnail_key.clone());
    let replaced = state
        .store
        .record_cached_media(media.id, &cached, hamlet_core::Timestamp::now())
        .await?;
    forget(state, &replaced).await;
    Ok(pick(Some(file_key), thumbnail_key))
}

/// Another server's file, fetched and processed; `None` (logged) when either fails.
async fn fetch_and_process(
    state: &AppState,
    url: &str,
    max_bytes: u64,
    process: impl FnOnce(Vec<u8>) -> Result<Processed, MediaError> + Send + 'static,
) -> Option<Processed> {
    let bytes = fetch_remote(state, url, max_bytes).await?;
    match processed(state, move || process(bytes)).await {
        Ok(processed) => Some(processed),
        Err(error) => {
            tracing::info!(?error, "a remote file was refused");
            None
        }
    }
}

/// The key of a remote account's avatar or header here, copied now if it was not (or
/// if the account changed it since); a failure is not tried again for an hour.
pub async fn cached_remote_picture(
    state: &AppState,
    account: hamlet_core::Id,
    picture: Picture,
) -> ApiResult<Option<String>> {
    let Some(account) = state.store.account_by_id(account).await? else {
        return Ok(None);
    };
    let Some(remote) = account.remote.as_ref().filter(|_| !account.is_suspended()) else {
        return Ok(None);
    };
    let (which, url, shape) = match picture {
        Picture::Avatar => (
            hamlet_store::RemotePicture::Avatar,
            remote.avatar_url.clone(),
            ProfilePicture::Avatar,
        ),
        Picture::Header => (
            hamlet_store::RemotePicture::Header,
            remote.header_url.clone(),
            ProfilePicture::Header,
        ),
    };
    let Some(url) = url else { return Ok(None) };
    if let Some(held) = state.store.remote_picture(account.id, which).await?
        && held.remote_url.as_deref() == Some(url.as_str())
        && (held.file_key.is_some() || failed_recently(held.failed_at))
    {
        return Ok(held.file_key);
    }
    let limits = state.media_limits;
    let copy = move |bytes: Vec<u8>| hamlet_media::process_profile_picture(&bytes, shape, &limits);
    let fetched = fetch_and_process(state, &url, limits.image_bytes, copy).await;
    let now = hamlet_core::Timestamp::now();
    let (key, cached) = match &fetched {
        Some(processed) => {
            let (file_key, _) = store_files(state, "remote", processed).await?;
            (
                Some(file_key.clone()),
                Some(cached_file(processed, file_key, None)),
            )
        }
        None => (None, None),
    };
    let replaced = state
        .store
        .replace_remote_picture(account.id, which, &url, cached.as_ref(), now)
        .await?;
    forget(state, &replaced).await;
    Ok(key)
}

/// What [`prune`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Files of copies of other servers' media (copied again when next asked for).
    pub cached_files: usize,
    /// Files of uploads no post used.
    pub unattached_files: usize,
    /// Files of deleted posts.
    pub orphaned_files: usize,
}

/// Orphaned files removed per sweep at most (the rest wait for the next).
const ORPHANS_PER_PRUNE: u32 = 10_000;

/// Removes copies of other servers' files made before `cached_before` and uploads no
/// post used made before `unattached_before`, from the database and the storage.
pub async fn prune(
    store: &hamlet_store::Store,
    storage: &hamlet_media::MediaStorage,
    cached_before: hamlet_core::Timestamp,
    unattached_before: hamlet_core::Timestamp,
) -> Result<Pruned, hamlet_store::StoreError> {
    let cached = store.uncache_remote_media(cached_before).await?;
    let unattached = store.delete_unattached_media(unattached_before).await?;
    for key in cached.iter().chain(&unattached) {
        if let Err(error) = storage.delete(key).await {
            tracing::warn!(%error, key, "could not remove a media file");
        }
    }
    let orphans = store.orphaned_files(ORPHANS_PER_PRUNE).await?;
    let mut removed = Vec::with_capacity(orphans.len());
    for key in orphans {
        match storage.delete(&key).await {
            Ok(()) => removed.push(key),
            Err(error) => tracing::warn!(%error, key, "could not remove a deleted post's file"),
        }
    }
    store.forget_orphaned_files(&removed).await?;
    Ok(Pruned {
        cached_files: cached.len(),
        unattached_files: unattached.len(),
        orphaned_files: removed.len(),
    })
}
