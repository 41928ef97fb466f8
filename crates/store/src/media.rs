//! Media attachments and profile pictures: which stored file belongs to whom and to
//! which post. The files themselves are in the media storage, not here.

use std::collections::HashMap;

use hamlet_core::media::{Focus, MediaAttachment, MediaKind};
use hamlet_core::{Id, Timestamp};
use sqlx::QueryBuilder;

use crate::db::BeginWrite;

use crate::{Store, StoreError};

/// A file just stored, to be recorded.
#[derive(Clone, Debug)]
pub struct NewMedia {
    pub account_id: Id,
    pub kind: MediaKind,
    pub file_key: String,
    pub content_type: String,
    pub file_size: u64,
    pub size: Option<(u32, u32)>,
    pub thumbnail_key: Option<String>,
    pub thumbnail_size: Option<(u32, u32)>,
    pub description: String,
    pub focus: Focus,
    pub blurhash: Option<String>,
    pub created_at: Timestamp,
}

/// An attachment of another server's post, as its Note describes it. The file itself is
/// copied here when first asked for.
#[derive(Clone, Debug)]
pub struct RemoteMedia {
    pub kind: MediaKind,
    pub remote_url: String,
    /// A random name for it under `/media/cache/` (see `secret::generate`).
    pub cache_token: String,
    /// As the other server declared it (replaced by what the copy turns out to be).
    pub content_type: String,
    pub size: Option<(u32, u32)>,
    pub description: String,
    pub focus: Focus,
    pub blurhash: Option<String>,
}

/// A copy of another server's file, just stored.
#[derive(Clone, Debug)]
pub struct CachedFile {
    pub kind: MediaKind,
    pub file_key: String,
    pub content_type: String,
    pub file_size: u64,
    pub size: Option<(u32, u32)>,
    pub thumbnail_key: Option<String>,
    pub thumbnail_size: Option<(u32, u32)>,
    pub blurhash: Option<String>,
}

/// Which picture of a remote account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemotePicture {
    Avatar,
    Header,
}

impl RemotePicture {
    fn purpose(self) -> &'static str {
        match self {
            RemotePicture::Avatar => "avatar",
            RemotePicture::Header => "header",
        }
    }
}

/// What the media storage holds, as the database knows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MediaStats {
    /// Members' uploads: attachments (avatars and headers are counted by file only).
    pub uploads: u64,
    pub upload_bytes: u64,
    /// Copies of other servers' files now held.
    pub cached: u64,
    pub cached_bytes: u64,
    /// Other servers' files known but not copied (or no longer).
    pub not_cached: u64,
}

#[derive(sqlx::FromRow)]
struct MediaRow {
    id: i64,
    account_id: i64,
    status_id: Option<i64>,
    kind: String,
    file_key: Option<String>,
    content_type: String,
    file_size: i64,
    width: Option<i32>,
    height: Option<i32>,
    thumbnail_key: Option<String>,
    thumbnail_width: Option<i32>,
    thumbnail_height: Option<i32>,
    description: String,
    focus_x: i32,
    focus_y: i32,
    blurhash: Option<String>,
    remote_url: Option<String>,
    cache_token: Option<String>,
    failed_at: Option<i64>,
    created_at: i64,
}

fn size(width: Option<i32>, height: Option<i32>) -> Option<(u32, u32)> {
    Some((u32::try_from(width?).ok()?, u32::try_from(height?).ok()?))
}

impl MediaRow {
    fn into_media(self) -> Result<MediaAttachment, StoreError> {
        Ok(MediaAttachment {
            id: Id::from_i64(self.id),
            account_id: Id::from_i64(self.account_id),
            status_id: self.status_id.map(Id::from_i64),
            kind: MediaKind::parse(&self.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("media {} kind", self.id)))?,
            file_key: self.file_key,
            content_type: self.content_type,
            file_size: u64::try_from(self.file_size).unwrap_or_default(),
            size: size(self.width, self.height),
            thumbnail_key: self.thumbnail_key,
            thumbnail_size: size(self.thumbnail_width, self.thumbnail_height),
            description: self.description,
            focus: Focus::from_thousandths(self.focus_x, self.focus_y),
            blurhash: self.blurhash,
            remote_url: self.remote_url,
            cache_token: self.cache_token,
            failed_at: self.failed_at.map(Timestamp::from_millis),
            created_at: Timestamp::from_millis(self.created_at),
        })
    }
}

macro_rules! select_media {
    () => {
        "SELECT id, account_id, status_id, kind, file_key, content_type, file_size, width, \
         height, thumbnail_key, thumbnail_width, thumbnail_height, description, focus_x, \
         focus_y, blurhash, remote_url, cache_token, failed_at, created_at \
         FROM media_attachments "
    };
}

/// `(width, height)` as the two nullable columns.
fn columns(size: Option<(u32, u32)>) -> (Option<i64>, Option<i64>) {
    match size {
        Some((w, h)) => (Some(i64::from(w)), Some(i64::from(h))),
        None => (None, None),
    }
}

impl Store {
    /// Records an uploaded file, not yet attached to any post.
    pub async fn insert_media(&self, new: NewMedia) -> Result<MediaAttachment, StoreError> {
        let id = Id::generate(new.created_at);
        let (width, height) = columns(new.size);
        let (thumbnail_width, thumbnail_height) = columns(new.thumbnail_size);
        with_db!(self, db => {
            sqlx::query(
                "INSERT INTO media_attachments (id, account_id, kind, file_key, content_type, \
                 file_size, width, height, thumbnail_key, thumbnail_width, thumbnail_height, \
                 description, focus_x, focus_y, blurhash, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)",
            )
            .bind(id.as_i64())
            .bind(new.account_id.as_i64())
            .bind(new.kind.as_str())
            .bind(&new.file_key)
            .bind(&new.content_type)
            .bind(i64::try_from(new.file_size).unwrap_or(i64::MAX))
            .bind(width)
            .bind(height)
            .bind(new.thumbnail_key.as_deref())
            .bind(thumbnail_width)
            .bind(thumbnail_height)
            .bind(&new.description)
            .bind(new.focus.x_thousandths())
            .bind(new.focus.y_thousandths())
            .bind(new.blurhash.as_deref())
            .bind(new.created_at.as_millis())
            .execute(db)
            .await?;
        });
        Ok(MediaAttachment {
            id,
            account_id: new.account_id,
            status_id: None,
            kind: new.kind,
            file_key: Some(new.file_key),
            content_type: new.content_type,
            file_size: new.file_size,
            size: new.size,
            thumbnail_key: new.thumbnail_key,
            thumbnail_size: new.thumbnail_size,
            description: new.description,
            focus: new.focus,
            blurhash: new.blurhash,
            remote_url: None,
            cache_token: None,
            failed_at: None,
            created_at: new.created_at,
        })
    }

    pub async fn media_by_id(&self, id: Id) -> Result<Option<MediaAttachment>, StoreError> {
        let row: Option<MediaRow> = with_db!(self, db => {
            sqlx::query_as(concat!(select_media!(), "WHERE id = $1"))
                .bind(id.as_i64())
                .fetch_optional(db)
                .await?
        });
        row.map(MediaRow::into_media).transpose()
    }

    /// Another server's attachment by the random name of its copy.
    pub async fn media_by_cache_token(
        &self,
        token: &str,
    ) -> Result<Option<MediaAttachment>, StoreError> {
        let row: Option<MediaRow> = with_db!(self, db => {
            sqlx::query_as(concat!(select_media!(), "WHERE cache_token = $1"))
                .bind(token)
                .fetch_optional(db)
                .await?
        });
        row.map(MediaRow::into_media).transpose()
    }

    /// Notes that copying another server's file failed now.
    pub async fn record_failed_copy(&self, id: Id, now: Timestamp) -> Result<(), StoreError> {
        with_db!(self, db => {
            sqlx::query("UPDATE media_attachments SET failed_at = $2 WHERE id = $1")
                .bind(id.as_i64())
                .bind(now.as_millis())
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// Changes the description and focal point of `owner`'s upload that no post uses
    /// yet (as on Mastodon). Returns the attachment as changed, or `None`.
    pub async fn update_unattached_media(
        &self,
        id: Id,
        owner: Id,
        description: Option<&str>,
        focus: Option<Focus>,
        now: Timestamp,
    ) -> Result<Option<MediaAttachment>, StoreError> {
        let changed = with_db!(self, db => {
            sqlx::query(
                "UPDATE media_attachments SET \
                   description = coalesce($3, description), \
                   focus_x = coalesce($4, focus_x), focus_y = coalesce($5, focus_y), \
                   updated_at = $6 \
                 WHERE id = $1 AND account_id = $2 AND status_id IS NULL",
            )
            .bind(id.as_i64())
            .bind(owner.as_i64())
            .bind(description)
            .bind(focus.map(Focus::x_thousandths))
            .bind(focus.map(Focus::y_thousandths))
            .bind(now.as_millis())
            .execute(db)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            return Ok(None);
        }
        self.media_by_id(id).await
    }

    /// The attachments of each of these posts, in their order.
    pub async fn media_of_statuses(
        &self,
        statuses: &[Id],
    ) -> Result<HashMap<Id, Vec<MediaAttachment>>, StoreError> {
        if statuses.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<MediaRow> = with_db!(self, db => {
            let mut query = QueryBuilder::new(concat!(select_media!(), "WHERE status_id IN ("));
            let mut ids = query.separated(", ");
            for id in statuses {
                ids.push_bind(id.as_i64());
            }
            query.push(") AND purpose = 'attachment' ORDER BY status_id, position");
            query.build_query_as().fetch_all(db).await?
        });
        let mut by_status: HashMap<Id, Vec<MediaAttachment>> = HashMap::new();
        for row in rows {
            let media = row.into_media()?;
            if let Some(status) = media.status_id {
                by_status.entry(status).or_default().push(media);
            }
        }
        Ok(by_status)
    }

    /// Records a copy of another server's file: the attachment `id`, or (with `picture`)
    /// a remote account's picture. Returns the keys of copies it replaces.
    pub async fn record_cached_media(
        &self,
        id: Id,
        cached: &CachedFile,
        now: Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        let (width, height) = columns(cached.size);
        let (thumbnail_width, thumbnail_height) = columns(cached.thumbnail_size);
        let replaced: Vec<(Option<String>, Option<String>)> = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let replaced: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT file_key, thumbnail_key FROM media_attachments \
                 WHERE id = $1 AND remote_url IS NOT NULL",
            )
            .bind(id.as_i64())
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE media_attachments SET kind = $2, file_key = $3, content_type = $4, \
                   file_size = $5, width = coalesce($6, width), height = coalesce($7, height), \
                   thumbnail_key = $8, thumbnail_width = $9, thumbnail_height = $10, \
                   blurhash = coalesce(blurhash, $11), cached_at = $12, updated_at = $12, \
                   failed_at = NULL \
                 WHERE id = $1 AND remote_url IS NOT NULL",
            )
            .bind(id.as_i64())
            .bind(cached.kind.as_str())
            .bind(&cached.file_key)
            .bind(&cached.content_type)
            .bind(i64::try_from(cached.file_size).unwrap_or(i64::MAX))
            .bind(width)
            .bind(height)
            .bind(cached.thumbnail_key.as_deref())
            .bind(thumbnail_width)
            .bind(thumbnail_height)
            .bind(cached.blurhash.as_deref())
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            replaced
        });
        Ok(keys_of(replaced))
    }

    /// What is held of a remote account's picture: its copy, or the note that copying it
    /// failed.
    pub async fn remote_picture(
        &self,
        account: Id,
        picture: RemotePicture,
    ) -> Result<Option<MediaAttachment>, StoreError> {
        let row: Option<MediaRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                select_media!(),
                "WHERE account_id = $1 AND purpose = $2"
            ))
            .bind(account.as_i64())
            .bind(picture.purpose())
            .fetch_optional(db)
            .await?
        });
        row.map(MediaRow::into_media).transpose()
    }

    /// Records the copy of a remote account's picture fetched from `remote_url` (or,
    /// with `None`, that fetching it failed now), in place of any earlier one; the keys
    /// of the files it replaces.
    pub async fn replace_remote_picture(
        &self,
        account: Id,
        picture: RemotePicture,
        remote_url: &str,
        cached: Option<&CachedFile>,
        now: Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        let (width, height) = columns(cached.and_then(|c| c.size));
        let kind = cached.map_or(MediaKind::Image, |c| c.kind);
        let replaced: Vec<(Option<String>, Option<String>)> = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let replaced: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
                "DELETE FROM media_attachments WHERE account_id = $1 AND purpose = $2 \
                 RETURNING file_key, thumbnail_key",
            )
            .bind(account.as_i64())
            .bind(picture.purpose())
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO media_attachments (id, account_id, purpose, kind, file_key, \
                 content_type, file_size, width, height, remote_url, cached_at, failed_at, \
                 created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
            )
            .bind(Id::generate(now).as_i64())
            .bind(account.as_i64())
            .bind(picture.purpose())
            .bind(kind.as_str())
            .bind(cached.map(|c| c.file_key.as_str()))
            .bind(cached.map_or("application/octet-stream", |c| c.content_type.as_str()))
            .bind(cached.map_or(0, |c| i64::try_from(c.file_size).unwrap_or(i64::MAX)))
            .bind(width)
            .bind(height)
            .bind(remote_url)
            .bind(cached.map(|_| now.as_millis()))
            .bind(cached.is_none().then(|| now.as_millis()))
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            replaced
        });
        Ok(keys_of(replaced))
    }

    /// Forgets copies of other servers' files made before `before`: attachments are
    /// kept (and copied again when next asked for), pictures dropped. The keys of the
    /// files to remove from storage.
    pub async fn uncache_remote_media(&self, before: Timestamp) -> Result<Vec<String>, StoreError> {
        let keys: Vec<(Option<String>, Option<String>)> = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let mut keys: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT file_key, thumbnail_key FROM media_attachments \
                 WHERE cached_at IS NOT NULL AND cached_at < $1 AND purpose = 'attachment'",
            )
            .bind(before.as_millis())
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE media_attachments SET file_key = NULL, thumbnail_key = NULL, \
                   cached_at = NULL \
                 WHERE cached_at IS NOT NULL AND cached_at < $1 AND purpose = 'attachment'",
            )
            .bind(before.as_millis())
            .execute(&mut *tx)
            .await?;
            let pictures: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
                "DELETE FROM media_attachments \
                 WHERE cached_at IS NOT NULL AND cached_at < $1 AND purpose <> 'attachment' \
                 RETURNING file_key, thumbnail_key",
            )
            .bind(before.as_millis())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            keys.extend(pictures);
            keys
        });
        Ok(keys_of(keys))
    }

    /// Files left behind by deleted posts, at most `limit`, for the sweep to remove.
    pub async fn orphaned_files(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        Ok(with_db!(self, db => {
            sqlx::query_scalar("SELECT file_key FROM media_orphans ORDER BY created_at LIMIT $1")
                .bind(i64::from(limit))
                .fetch_all(db)
                .await?
        }))
    }

    /// Forgets orphaned files once they are removed from the storage.
    pub async fn forget_orphaned_files(&self, keys: &[String]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        with_db!(self, db => {
            let mut query = QueryBuilder::new("DELETE FROM media_orphans WHERE file_key IN (");
            let mut listed = query.separated(", ");
            for key in keys {
                listed.push_bind(key.as_str());
            }
            query.push(")");
            query.build().execute(db).await?;
        });
        Ok(())
    }

    /// Counts of what the media storage holds.
    pub async fn media_stats(&self) -> Result<MediaStats, StoreError> {
        let row: (i64, i64, i64, i64, i64) = with_db!(self, db => {
            sqlx::query_as(
                // PostgreSQL sums BIGINT as NUMERIC: every figure is cast back.
                "SELECT \
                   CAST(coalesce(sum(CASE WHEN remote_url IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
                   CAST(coalesce(sum(CASE WHEN remote_url IS NULL THEN file_size ELSE 0 END), 0) \
                        AS BIGINT), \
                   CAST(coalesce(sum(CASE WHEN cached_at IS NOT NULL THEN 1 ELSE 0 END), 0) \
                        AS BIGINT), \
                   CAST(coalesce(sum(CASE WHEN cached_at IS NOT NULL THEN file_size ELSE 0 END), 0) \
                        AS BIGINT), \
                   CAST(coalesce(sum(CASE WHEN remote_url IS NOT NULL AND cached_at IS NULL \
                                THEN 1 ELSE 0 END), 0) AS BIGINT) \
                 FROM media_attachments",
            )
            .fetch_one(db)
            .await?
        });
        let count = |n: i64| u64::try_from(n).unwrap_or_default();
        Ok(MediaStats {
            uploads: count(row.0),
            upload_bytes: count(row.1),
            cached: count(row.2),
            cached_bytes: count(row.3),
            not_cached: count(row.4),
        })
    }

    /// Uploads no post used, made before `before`: removed from the database; their files'
    /// keys returned for the caller to remove from storage.
    pub async fn delete_unattached_media(
        &self,
        before: Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        let keys: Vec<(Option<String>, Option<String>)> = with_db!(self, db => {
            sqlx::query_as(
                "DELETE FROM media_attachments \
                 WHERE status_id IS NULL AND remote_url IS NULL AND purpose = 'attachment' \
                   AND created_at < $1 \
                 RETURNING file_key, thumbnail_key",
            )
            .bind(before.as_millis())
            .fetch_all(db)
            .await?
        });
        Ok(keys_of(keys))
    }
}

fn keys_of(pairs: Vec<(Option<String>, Option<String>)>) -> Vec<String> {
    pairs
        .into_iter()
        .flat_map(|(file, thumbnail)| file.into_iter().chain(thumbnail))
        .collect()
}
