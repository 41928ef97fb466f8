//! Posts: writing them with their mentions and hashtags, reading them in batches, threads
//! and timelines. Every query that lists posts for a viewer filters with
//! `visible_to_viewer!()`, the SQL form of `hamlet_core::audience::may_view`; the
//! `audience` test checks the two agree in every case.

use std::collections::HashMap;

use hamlet_core::account::{Account, AccountStats, Language};
use hamlet_core::audience::Relation;
use hamlet_core::notification::NotificationKind;
use hamlet_core::status::Status;
use hamlet_core::visibility::Visibility;
use hamlet_core::{Id, Timestamp};

use crate::accounts::AccountRow;
use crate::db::BeginWrite;
use crate::{Store, StoreError};

/// Who account figures are counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsFor {
    /// A member signed in here: every post counts (but direct messages).
    Member,
    /// Anyone else, other servers included: local-only posts do not count.
    Anyone,
}

impl StatsFor {
    pub fn viewer<T>(viewer: Option<T>) -> StatsFor {
        match viewer {
            Some(_) => StatsFor::Member,
            None => StatsFor::Anyone,
        }
    }
}

/// A post to store. Rendering and validation happened before.
#[derive(Debug, Clone)]
pub struct NewStatus {
    pub account_id: Id,
    pub in_reply_to_id: Option<Id>,
    pub in_reply_to_account_id: Option<Id>,
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: Visibility,
    pub language: Option<Language>,
    /// Accounts the post mentions (they may see it whatever its visibility).
    pub mentions: Vec<Id>,
    /// Hashtag names, as written.
    pub tags: Vec<String>,
    pub idempotency_key: Option<String>,
    pub created_at: Timestamp,
    /// Where a post written elsewhere lives; `None` for posts written here.
    pub remote: Option<RemoteOrigin>,
    /// The OAuth application the post was written with; `None` for none (remote posts,
    /// posts made by the server itself).
    pub application_id: Option<Id>,
    /// For this community alone. A reply to a local-only post is stored local-only
    /// whatever this says (the inheritance rule, enforced here too).
    pub local_only: bool,
    /// Uploads of the author's to attach, in order; each must be unattached.
    pub media_ids: Vec<Id>,
    /// For posts from other servers: their attachments, in order.
    pub remote_media: Vec<crate::RemoteMedia>,
}

/// The application a post was written with, as Mastodon shows it on the post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusApplication {
    pub name: String,
    pub website: Option<String>,
}

/// The addresses of a remote post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOrigin {
    /// The ActivityPub id.
    pub uri: String,
    /// The page for people, when it differs from the id.
    pub url: Option<String>,
}

/// The outcome of storing a post with an idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New(Id),
    /// The same author already created a post with this key: this is it.
    Existing(Id),
}

/// A window onto a list ordered by id, newest first, as Mastodon pages them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Only items older than this.
    pub max_id: Option<Id>,
    /// Only items newer than this (the newest ones).
    pub since_id: Option<Id>,
    /// Only items newer than this, the ones right after it.
    pub min_id: Option<Id>,
    pub limit: u32,
}

impl Page {
    pub fn newest(limit: u32) -> Page {
        Page {
            max_id: None,
            since_id: None,
            min_id: None,
            limit,
        }
    }

    fn lower_bound(&self) -> Option<i64> {
        self.min_id.or(self.since_id).map(Id::as_i64)
    }
}

macro_rules! status_columns {
    () => {
        "s.id, s.account_id, s.uri, s.in_reply_to_id, s.in_reply_to_account_id, \
         s.reblog_of_id, s.text, s.content, s.spoiler_text, s.sensitive, s.visibility, \
         s.language, s.local, s.created_at, s.edited_at, s.url, s.local_only"
    };
}

/// Runs `$prefix (id, id, ...) $suffix` with the ids bound, on the pool `$db`.
macro_rules! fetch_with_ids {
    ($db:ident, $row:ty, $prefix:expr, $ids:expr, $suffix:expr) => {{
        let mut builder = sqlx::QueryBuilder::new($prefix);
        {
            let mut list = builder.separated(", ");
            for id in $ids {
                list.push_bind(id.as_i64());
            }
        }
        builder.push($suffix);
        builder.build_query_as::<$row>().fetch_all($db).await?
    }};
}

#[derive(sqlx::FromRow)]
struct StatusRow {
    id: i64,
    account_id: i64,
    uri: Option<String>,
    in_reply_to_id: Option<i64>,
    in_reply_to_account_id: Option<i64>,
    reblog_of_id: Option<i64>,
    text: String,
    content: String,
    spoiler_text: String,
    sensitive: bool,
    visibility: String,
    language: Option<String>,
    local: bool,
    created_at: i64,
    edited_at: Option<i64>,
    url: Option<String>,
    local_only: bool,
}

impl StatusRow {
    fn into_status(self) -> Result<Status, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("status {} {what}", self.id));
        Ok(Status {
            id: Id::from_i64(self.id),
            account_id: Id::from_i64(self.account_id),
            uri: self.uri.clone(),
            url: self.url.clone(),
            in_reply_to_id: self.in_reply_to_id.map(Id::from_i64),
            in_reply_to_account_id: self.in_reply_to_account_id.map(Id::from_i64),
            reblog_of_id: self.reblog_of_id.map(Id::from_i64),
            visibility: self.visibility.parse().map_err(|_| corrupt("visibility"))?,
            language: self
                .language
                .as_deref()
                .map(Language::parse)
                .transpose()
                .map_err(|_| corrupt("language"))?,
            text: self.text,
            content: self.content,
            spoiler_text: self.spoiler_text,
            sensitive: self.sensitive,
            local: self.local,
            local_only: self.local_only,
            created_at: Timestamp::from_millis(self.created_at),
            edited_at: self.edited_at.map(Timestamp::from_millis),
        })
    }
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

#[derive(sqlx::FromRow)]
struct PairRow {
    a: i64,
    b: i64,
}

#[derive(sqlx::FromRow)]
struct TagRow {
    status_id: i64,
    name: String,
}

#[derive(sqlx::FromRow)]
struct StatusApplicationRow {
    status_id: i64,
    name: String,
    website: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PostCountRow {
    id: i64,
    n: i64,
    last_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    id: i64,
    n: i64,
}

fn ids(rows: Vec<IdRow>) -> Vec<Id> {
    rows.into_iter().map(|r| Id::from_i64(r.id)).collect()
}

/// Pages come newest first; a `min_id` page is read oldest first and turned around.
fn newest_first(mut rows: Vec<IdRow>, page: &Page) -> Vec<Id> {
    if page.min_id.is_some() {
        rows.reverse();
    }
    ids(rows)
}

impl Store {
    /// Stores a post with its mentions and hashtags in one transaction. With an
    /// idempotency key already used by the same author, stores nothing and returns the
    /// earlier post.
    pub async fn insert_status(&self, new: NewStatus) -> Result<Created, StoreError> {
        self.insert_status_with(new, |_| None).await
    }

    /// Like [`insert_status`](Self::insert_status), also enqueueing what `federate`
    /// builds from the new post's id (its `Create` to other servers) in the same
    /// transaction: the post and its deliveries exist together or not at all. Not called
    /// for a post that already existed under the idempotency key, nor for a local-only
    /// post (asked for, or inherited from the post it replies to): those have no
    /// deliveries.
    pub async fn insert_status_with(
        &self,
        new: NewStatus,
        federate: impl FnOnce(Id) -> Option<crate::Outbound>,
    ) -> Result<Created, StoreError> {
        let id = Id::generate(new.created_at);
        let created = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            if let Some(key) = &new.idempotency_key {
                let existing: Option<i64> = sqlx::query_scalar(
                    "SELECT status_id FROM idempotency_keys WHERE account_id = $1 AND key = $2",
                )
                .bind(new.account_id.as_i64())
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(existing) = existing {
                    tx.rollback().await?;
                    return Ok(Created::Existing(Id::from_i64(existing)));
                }
            }
            let inherits_local_only: bool = match new.in_reply_to_id {
                Some(parent) => sqlx::query_scalar(
                    "SELECT local_only FROM statuses WHERE id = $1",
                )
                .bind(parent.as_i64())
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or(false),
                None => false,
            };
            let local_only = new.local_only || inherits_local_only;
            // A direct message joins its parent's conversation, or starts one named
            // after itself.
            let conversation = if new.visibility == Visibility::Direct {
                let parent: Option<Option<i64>> = match new.in_reply_to_id {
                    Some(parent) => sqlx::query_scalar(
                        "SELECT conversation_id FROM statuses WHERE id = $1",
                    )
                    .bind(parent.as_i64())
                    .fetch_optional(&mut *tx)
                    .await?,
                    None => None,
                };
                Some(parent.flatten().unwrap_or(id.as_i64()))
            } else {
                None
            };
            sqlx::query(
                "INSERT INTO statuses (id, account_id, in_reply_to_id, in_reply_to_account_id, \
                 text, content, spoiler_text, sensitive, visibility, language, local, created_at, \
                 conversation_id, uri, url, application_id, local_only) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $13, $11, $12, $14, $15, $16, \
                         $17)",
            )
            .bind(id.as_i64())
            .bind(new.account_id.as_i64())
            .bind(new.in_reply_to_id.map(Id::as_i64))
            .bind(new.in_reply_to_account_id.map(Id::as_i64))
            .bind(&new.text)
            .bind(&new.content)
            .bind(&new.spoiler_text)
            .bind(new.sensitive)
            .bind(new.visibility.as_str())
            .bind(new.language.as_ref().map(|l| l.as_str()))
            .bind(new.created_at.as_millis())
            .bind(conversation)
            .bind(new.remote.is_none())
            .bind(new.remote.as_ref().map(|r| r.uri.as_str()))
            .bind(new.remote.as_ref().and_then(|r| r.url.as_deref()))
            .bind(new.application_id.map(Id::as_i64))
            .bind(local_only)
            .execute(&mut *tx)
            .await?;
            for (position, media) in new.media_ids.iter().enumerate() {
                let attached = sqlx::query(
                    "UPDATE media_attachments SET status_id = $1, position = $2 \
                     WHERE id = $3 AND account_id = $4 AND status_id IS NULL",
                )
                .bind(id.as_i64())
                .bind(position as i64)
                .bind(media.as_i64())
                .bind(new.account_id.as_i64())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if attached == 0 {
                    // Not the author's, or already in another post: nothing is written.
                    tx.rollback().await?;
                    return Err(StoreError::NotFound);
                }
            }
            for (position, media) in new.remote_media.iter().enumerate() {
                let (width, height) = match media.size {
                    Some((w, h)) => (Some(i64::from(w)), Some(i64::from(h))),
                    None => (None, None),
                };
                sqlx::query(
                    "INSERT INTO media_attachments (id, account_id, status_id, position, kind, \
                     content_type, file_size, width, height, description, focus_x, focus_y, \
                     blurhash, remote_url, cache_token, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, $11, $12, $13, $15, \
                             $14, $14)",
                )
                .bind(Id::generate(new.created_at).as_i64())
                .bind(new.account_id.as_i64())
                .bind(id.as_i64())
                .bind(position as i64)
                .bind(media.kind.as_str())
                .bind(&media.content_type)
                .bind(width)
                .bind(height)
                .bind(&media.description)
                .bind(media.focus.x_thousandths())
                .bind(media.focus.y_thousandths())
                .bind(media.blurhash.as_deref())
                .bind(&media.remote_url)
                .bind(new.created_at.as_millis())
                .bind(&media.cache_token)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(conversation) = conversation {
                for participant in std::iter::once(&new.account_id).chain(new.mentions.iter()) {
                    sqlx::query(
                        "INSERT INTO account_conversations (account_id, conversation_id, \
                         last_status_id, unread) \
                         SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM users WHERE account_id = $1) \
                         ON CONFLICT (account_id, conversation_id) \
                         DO UPDATE SET last_status_id = $3, unread = $4",
                    )
                    .bind(participant.as_i64())
                    .bind(conversation)
                    .bind(id.as_i64())
                    .bind(*participant != new.account_id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            for account in &new.mentions {
                sqlx::query(
                    "INSERT INTO mentions (status_id, account_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id.as_i64())
                .bind(account.as_i64())
                .execute(&mut *tx)
                .await?;
                notify!(
                    tx,
                    account.as_i64(),
                    new.account_id.as_i64(),
                    NotificationKind::Mention,
                    Some(id.as_i64()),
                    new.created_at
                );
            }
            for name in &new.tags {
                sqlx::query(
                    "INSERT INTO tags (id, name, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (lower(name)) DO NOTHING",
                )
                .bind(Id::generate(new.created_at).as_i64())
                .bind(name)
                .bind(new.created_at.as_millis())
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO status_tags (tag_id, status_id) \
                     SELECT id, $2 FROM tags WHERE lower(name) = lower($1) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(name)
                .bind(id.as_i64())
                .execute(&mut *tx)
                .await?;
            }
            if let Some(key) = &new.idempotency_key {
                sqlx::query(
                    "INSERT INTO idempotency_keys (account_id, key, status_id, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(new.account_id.as_i64())
                .bind(key)
                .bind(id.as_i64())
                .bind(new.created_at.as_millis())
                .execute(&mut *tx)
                .await?;
            }
            if !local_only && let Some(outbound) = federate(id) {
                enqueue_outbound!(tx, &outbound, new.created_at);
            }
            tx.commit().await?;
            Created::New(id)
        });
        Ok(created)
    }

    pub async fn status_by_id(&self, id: Id) -> Result<Option<Status>, StoreError> {
        Ok(self.statuses_by_ids(&[id]).await?.pop())
    }

    /// The remote post (or remote boost) whose ActivityPub id is `uri`.
    pub async fn status_by_uri(&self, uri: &str) -> Result<Option<Status>, StoreError> {
        let row: Option<StatusRow> = with_db!(self, db => {
            sqlx::query_as(concat!("SELECT ", status_columns!(), " FROM statuses s WHERE s.uri = $1"))
                .bind(uri)
                .fetch_optional(db)
                .await?
        });
        row.map(StatusRow::into_status).transpose()
    }

    /// The posts with these ids that exist, in the order of `ids`.
    pub async fn statuses_by_ids(&self, wanted: &[Id]) -> Result<Vec<Status>, StoreError> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<StatusRow> = with_db!(self, db => fetch_with_ids!(
            db,
            StatusRow,
            concat!("SELECT ", status_columns!(), " FROM statuses s WHERE s.id IN ("),
            wanted,
            ")"
        ));
        let mut by_id: HashMap<i64, StatusRow> = rows.into_iter().map(|r| (r.id, r)).collect();
        wanted
            .iter()
            .filter_map(|id| by_id.remove(&id.as_i64()))
            .map(StatusRow::into_status)
            .collect()
    }

    pub async fn accounts_by_ids(&self, wanted: &[Id]) -> Result<Vec<Account>, StoreError> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<AccountRow> = with_db!(self, db => fetch_with_ids!(
            db,
            AccountRow,
            concat!("SELECT ", account_columns!(), " FROM accounts a WHERE a.id IN ("),
            wanted,
            ")"
        ));
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    /// Deletes a post; its boosts go with it, replies to it stay (as replies to nothing).
    pub async fn delete_status(&self, id: Id) -> Result<bool, StoreError> {
        self.delete_status_with(id, None, Timestamp::now()).await
    }

    /// Deletes a post and, in the same transaction, enqueues `federate` (its `Delete` to
    /// other servers).
    pub async fn delete_status_with(
        &self,
        id: Id,
        federate: Option<crate::Outbound>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            // Its files go when it goes: recorded for the sweep, in this transaction.
            sqlx::query(
                "INSERT INTO media_orphans (file_key, created_at) \
                 SELECT file_key, $2 FROM media_attachments \
                   WHERE status_id = $1 AND file_key IS NOT NULL \
                 UNION SELECT thumbnail_key, $2 FROM media_attachments \
                   WHERE status_id = $1 AND thumbnail_key IS NOT NULL \
                 ON CONFLICT (file_key) DO NOTHING",
            )
            .bind(id.as_i64())
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            // A local-only post was never sent anywhere: its deletion is not either.
            let removed: Option<bool> =
                sqlx::query_scalar("DELETE FROM statuses WHERE id = $1 RETURNING local_only")
                    .bind(id.as_i64())
                    .fetch_optional(&mut *tx)
                    .await?;
            let done = u64::from(removed.is_some());
            if removed == Some(false)
                && let Some(outbound) = &federate
            {
                enqueue_outbound!(tx, outbound, now);
            }
            tx.commit().await?;
            done
        });
        Ok(done > 0)
    }

    /// `(status, mentioned account)` pairs for these posts.
    pub async fn mentions_of(&self, statuses: &[Id]) -> Result<Vec<(Id, Id)>, StoreError> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<PairRow> = with_db!(self, db => fetch_with_ids!(
            db,
            PairRow,
            "SELECT status_id AS a, account_id AS b FROM mentions WHERE status_id IN (",
            statuses,
            ") ORDER BY status_id, account_id"
        ));
        Ok(rows
            .into_iter()
            .map(|r| (Id::from_i64(r.a), Id::from_i64(r.b)))
            .collect())
    }

    /// The applications these posts were written with, for those that have one.
    pub async fn status_applications(
        &self,
        statuses: &[Id],
    ) -> Result<HashMap<Id, StatusApplication>, StoreError> {
        if statuses.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<StatusApplicationRow> = with_db!(self, db => fetch_with_ids!(
            db,
            StatusApplicationRow,
            "SELECT s.id AS status_id, a.name, a.website FROM statuses s \
             JOIN oauth_applications a ON a.id = s.application_id WHERE s.id IN (",
            statuses,
            ")"
        ));
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    Id::from_i64(r.status_id),
                    StatusApplication {
                        name: r.name,
                        website: r.website,
                    },
                )
            })
            .collect())
    }

    /// `(status, hashtag name)` pairs for these posts.
    pub async fn tags_of(&self, statuses: &[Id]) -> Result<Vec<(Id, String)>, StoreError> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<TagRow> = with_db!(self, db => fetch_with_ids!(
            db,
            TagRow,
            "SELECT st.status_id, t.name FROM status_tags st JOIN tags t ON t.id = st.tag_id \
             WHERE st.status_id IN (",
            statuses,
            ") ORDER BY st.status_id, t.name"
        ));
        Ok(rows
            .into_iter()
            .map(|r| (Id::from_i64(r.status_id), r.name))
            .collect())
    }

    /// How many replies, boosts and favourites each of these posts has.
    pub async fn status_counts(
        &self,
        statuses: &[Id],
    ) -> Result<HashMap<Id, StatusCounts>, StoreError> {
        let mut counts: HashMap<Id, StatusCounts> = HashMap::new();
        if statuses.is_empty() {
            return Ok(counts);
        }
        let (replies, reblogs, favourites): (Vec<CountRow>, Vec<CountRow>, Vec<CountRow>) = with_db!(self, db => {
            let replies = fetch_with_ids!(
                db,
                CountRow,
                "SELECT in_reply_to_id AS id, COUNT(*) AS n FROM statuses WHERE in_reply_to_id IN (",
                statuses,
                ") GROUP BY in_reply_to_id"
            );
            let reblogs = fetch_with_ids!(
                db,
                CountRow,
                "SELECT reblog_of_id AS id, COUNT(*) AS n FROM statuses WHERE reblog_of_id IN (",
                statuses,
                ") GROUP BY reblog_of_id"
            );
            let favourites = fetch_with_ids!(
                db,
                CountRow,
                "SELECT status_id AS id, COUNT(*) AS n FROM favourites WHERE status_id IN (",
                statuses,
                ") GROUP BY status_id"
            );
            (replies, reblogs, favourites)
        });
        for row in replies {
            counts.entry(Id::from_i64(row.id)).or_default().replies = row.n as u64;
        }
        for row in reblogs {
            counts.entry(Id::from_i64(row.id)).or_default().reblogs = row.n as u64;
        }
        for row in favourites {
            counts.entry(Id::from_i64(row.id)).or_default().favourites = row.n as u64;
        }
        Ok(counts)
    }

    /// How the viewer stands towards each post's author, for the audience rule.
    pub async fn relations_to_statuses(
        &self,
        viewer: Id,
        statuses: &[Status],
    ) -> Result<HashMap<Id, Relation>, StoreError> {
        let mut relations: HashMap<Id, Relation> = statuses
            .iter()
            .map(|s| (s.id, Relation::default()))
            .collect();
        if statuses.is_empty() {
            return Ok(relations);
        }
        let authors: Vec<Id> = statuses.iter().map(|s| s.account_id).collect();
        let status_ids: Vec<Id> = statuses.iter().map(|s| s.id).collect();
        let (following, blocked_by, mentioned): (Vec<IdRow>, Vec<IdRow>, Vec<IdRow>) = with_db!(self, db => {
            let mut builder = sqlx::QueryBuilder::new(
                "SELECT target_account_id AS id FROM follows WHERE account_id = ",
            );
            builder.push_bind(viewer.as_i64()).push(" AND target_account_id IN (");
            {
                let mut list = builder.separated(", ");
                for id in &authors {
                    list.push_bind(id.as_i64());
                }
            }
            builder.push(")");
            let following = builder.build_query_as::<IdRow>().fetch_all(db).await?;
            let mut builder = sqlx::QueryBuilder::new(
                "SELECT account_id AS id FROM blocks WHERE target_account_id = ",
            );
            builder.push_bind(viewer.as_i64()).push(" AND account_id IN (");
            {
                let mut list = builder.separated(", ");
                for id in &authors {
                    list.push_bind(id.as_i64());
                }
            }
            builder.push(")");
            let blocked_by = builder.build_query_as::<IdRow>().fetch_all(db).await?;
            let mut builder =
                sqlx::QueryBuilder::new("SELECT status_id AS id FROM mentions WHERE account_id = ");
            builder.push_bind(viewer.as_i64()).push(" AND status_id IN (");
            {
                let mut list = builder.separated(", ");
                for id in &status_ids {
                    list.push_bind(id.as_i64());
                }
            }
            builder.push(")");
            let mentioned = builder.build_query_as::<IdRow>().fetch_all(db).await?;
            (following, blocked_by, mentioned)
        });
        let following: Vec<Id> = ids(following);
        let blocked_by: Vec<Id> = ids(blocked_by);
        let mentioned: Vec<Id> = ids(mentioned);
        for status in statuses {
            relations.insert(
                status.id,
                Relation {
                    follows_author: following.contains(&status.account_id),
                    blocked_by_author: blocked_by.contains(&status.account_id),
                    mentioned: mentioned.contains(&status.id),
                },
            );
        }
        Ok(relations)
    }

    /// Which of `statuses` the viewer has boosted.
    pub async fn reblogged_by_viewer(
        &self,
        viewer: Id,
        statuses: &[Id],
    ) -> Result<Vec<Id>, StoreError> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<IdRow> = with_db!(self, db => {
            let mut builder = sqlx::QueryBuilder::new(
                "SELECT reblog_of_id AS id FROM statuses WHERE account_id = ",
            );
            builder.push_bind(viewer.as_i64()).push(" AND reblog_of_id IN (");
            {
                let mut list = builder.separated(", ");
                for id in statuses {
                    list.push_bind(id.as_i64());
                }
            }
            builder.push(")");
            builder.build_query_as::<IdRow>().fetch_all(db).await?
        });
        Ok(ids(rows))
    }

    /// Post, follower and following counts for these accounts, as `reader` may see
    /// them: local-only posts count only for members.
    pub async fn account_stats(
        &self,
        accounts: &[Id],
        reader: StatsFor,
    ) -> Result<HashMap<Id, AccountStats>, StoreError> {
        let mut stats: HashMap<Id, AccountStats> = accounts
            .iter()
            .map(|id| (*id, AccountStats::default()))
            .collect();
        if accounts.is_empty() {
            return Ok(stats);
        }
        let (posts, followers, following): (Vec<PostCountRow>, Vec<CountRow>, Vec<CountRow>) = with_db!(self, db => {
            let posts = match reader {
                StatsFor::Member => fetch_with_ids!(
                    db,
                    PostCountRow,
                    "SELECT account_id AS id, COUNT(*) AS n, MAX(created_at) AS last_at \
                     FROM statuses WHERE visibility <> 'direct' AND account_id IN (",
                    accounts,
                    ") GROUP BY account_id"
                ),
                StatsFor::Anyone => fetch_with_ids!(
                    db,
                    PostCountRow,
                    "SELECT account_id AS id, COUNT(*) AS n, MAX(created_at) AS last_at \
                     FROM statuses WHERE visibility <> 'direct' AND NOT local_only \
                     AND account_id IN (",
                    accounts,
                    ") GROUP BY account_id"
                ),
            };
            let followers = fetch_with_ids!(
                db,
                CountRow,
                "SELECT target_account_id AS id, COUNT(*) AS n FROM follows WHERE target_account_id IN (",
                accounts,
                ") GROUP BY target_account_id"
            );
            let following = fetch_with_ids!(
                db,
                CountRow,
                "SELECT account_id AS id, COUNT(*) AS n FROM follows WHERE account_id IN (",
                accounts,
                ") GROUP BY account_id"
            );
            (posts, followers, following)
        });
        for row in posts {
            let entry = stats.entry(Id::from_i64(row.id)).or_default();
            entry.statuses = row.n as u64;
            entry.last_status_at = row.last_at.map(Timestamp::from_millis);
        }
        for row in followers {
            stats.entry(Id::from_i64(row.id)).or_default().followers = row.n as u64;
        }
        for row in following {
            stats.entry(Id::from_i64(row.id)).or_default().following = row.n as u64;
        }
        Ok(stats)
    }

    /// Which of these accounts are suspended.
    pub async fn suspended_among(&self, accounts: &[Id]) -> Result<Vec<Id>, StoreError> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<IdRow> = with_db!(self, db => fetch_with_ids!(
            db,
            IdRow,
            "SELECT id FROM accounts WHERE suspended_at IS NOT NULL AND id IN (",
            accounts,
            ")"
        ));
        Ok(ids(rows))
    }

    /// The posts `id` replies to, up the thread, oldest first, that `viewer` may see.
    pub async fn ancestors(
        &self,
        id: Id,
        viewer: Option<Id>,
        limit: u32,
    ) -> Result<Vec<Id>, StoreError> {
        let rows: Vec<IdRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                "WITH RECURSIVE up (id, parent, depth) AS ( \
                    SELECT id, in_reply_to_id, 0 FROM statuses WHERE id = $2 \
                    UNION ALL \
                    SELECT p.id, p.in_reply_to_id, up.depth + 1 \
                    FROM statuses p JOIN up ON p.id = up.parent WHERE up.depth < $3) \
                 SELECT s.id FROM up JOIN statuses s ON s.id = up.id \
                 WHERE s.id <> $2 AND ",
                visible_to_viewer!(),
                " ORDER BY s.id"
            ))
            .bind(viewer.map(Id::as_i64))
            .bind(id.as_i64())
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
        });
        Ok(ids(rows))
    }

    /// The replies to `id`, and replies to those, in order of writing, that `viewer` may
    /// see and has not hidden.
    pub async fn descendants(
        &self,
        id: Id,
        viewer: Option<Id>,
        limit: u32,
        now: Timestamp,
    ) -> Result<Vec<Id>, StoreError> {
        let rows: Vec<IdRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                "WITH RECURSIVE down (id, depth) AS ( \
                    SELECT id, 0 FROM statuses WHERE in_reply_to_id = $3 \
                    UNION ALL \
                    SELECT c.id, down.depth + 1 FROM statuses c \
                    JOIN down ON c.in_reply_to_id = down.id WHERE down.depth < 64) \
                 SELECT s.id FROM down JOIN statuses s ON s.id = down.id WHERE ",
                visible_to_viewer!(),
                " AND ",
                not_hidden_by_viewer!(),
                " ORDER BY s.id LIMIT $4"
            ))
            .bind(viewer.map(Id::as_i64))
            .bind(now.as_millis())
            .bind(id.as_i64())
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
        });
        Ok(ids(rows))
    }

    /// An account's posts that `viewer` may see, newest first.
    pub async fn account_statuses(
        &self,
        account: Id,
        viewer: Option<Id>,
        filter: AccountStatusFilter,
        page: Page,
    ) -> Result<Vec<Id>, StoreError> {
        macro_rules! account_statuses_sql {
            ($order:literal) => {
                concat!(
                    "SELECT s.id FROM statuses s WHERE s.account_id = $2 \
                     AND ($3 IS NULL OR s.id < $3) AND ($4 IS NULL OR s.id > $4) \
                     AND (NOT $5 OR s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id) \
                     AND (NOT $6 OR s.reblog_of_id IS NULL) \
                     AND ($7 IS NULL OR EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id \
                                               WHERE st.status_id = s.id AND lower(t.name) = lower($7))) \
                     AND ",
                    visible_to_viewer!(),
                    " ORDER BY s.id ",
                    $order,
                    " LIMIT $8"
                )
            };
        }
        let ascending = page.min_id.is_some();
        let rows: Vec<IdRow> = with_db!(self, db => {
            let sql = if ascending {
                account_statuses_sql!("ASC")
            } else {
                account_statuses_sql!("DESC")
            };
            sqlx::query_as(sql)
                .bind(viewer.map(Id::as_i64))
                .bind(account.as_i64())
                .bind(page.max_id.map(Id::as_i64))
                .bind(page.lower_bound())
                .bind(filter.exclude_replies)
                .bind(filter.exclude_reblogs)
                .bind(filter.tagged.as_deref())
                .bind(i64::from(page.limit))
                .fetch_all(db)
                .await?
        });
        Ok(newest_first(rows, &page))
    }

    /// Public posts, newest first: all of them, or only local (`Some(true)`) or remote
    /// (`Some(false)`) ones, optionally only those with a hashtag. Posts by accounts the
    /// viewer blocks or mutes are left out.
    pub async fn public_timeline(
        &self,
        viewer: Option<Id>,
        local: Option<bool>,
        tag: Option<&str>,
        page: Page,
        now: Timestamp,
    ) -> Result<Vec<Id>, StoreError> {
        macro_rules! public_sql {
            ($order:literal) => {
                concat!(
                    "SELECT s.id FROM statuses s \
                     WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL \
                     AND ($3 IS NULL OR s.local = $3) \
                     AND ($4 IS NULL OR s.id < $4) AND ($5 IS NULL OR s.id > $5) \
                     AND ($7 IS NULL OR EXISTS (SELECT 1 FROM status_tags st \
                          JOIN tags t ON t.id = st.tag_id \
                          WHERE st.status_id = s.id AND lower(t.name) = lower($7))) AND ",
                    visible_to_viewer!(),
                    " AND ",
                    not_hidden_by_viewer!(),
                    " ORDER BY s.id ",
                    $order,
                    " LIMIT $6"
                )
            };
        }
        let ascending = page.min_id.is_some();
        let rows: Vec<IdRow> = with_db!(self, db => {
            let sql = if ascending { public_sql!("ASC") } else { public_sql!("DESC") };
            sqlx::query_as(sql)
                .bind(viewer.map(Id::as_i64))
                .bind(now.as_millis())
                .bind(local)
                .bind(page.max_id.map(Id::as_i64))
                .bind(page.lower_bound())
                .bind(i64::from(page.limit))
                .bind(tag)
                .fetch_all(db)
                .await?
        });
        Ok(newest_first(rows, &page))
    }

    /// The viewer's home timeline, newest first: their own posts and boosts and those of
    /// the accounts they follow (boosts only where the follow shows them), minus what
    /// they may not see and, as Mastodon's home feed, anything by, boosting a post of, or
    /// mentioning an account they block or mute.
    pub async fn home_timeline(
        &self,
        viewer: Id,
        page: Page,
        now: Timestamp,
    ) -> Result<Vec<Id>, StoreError> {
        macro_rules! home_sql {
            ($order:literal) => {
                concat!(
                    "SELECT s.id FROM statuses s \
                     WHERE (s.account_id = $1 OR EXISTS ( \
                            SELECT 1 FROM follows f WHERE f.account_id = $1 \
                            AND f.target_account_id = s.account_id \
                            AND (f.show_reblogs OR s.reblog_of_id IS NULL))) \
                     AND ($3 IS NULL OR s.id < $3) AND ($4 IS NULL OR s.id > $4) AND ",
                    visible_to_viewer!(),
                    " AND ",
                    not_hidden_from_home!(),
                    " ORDER BY s.id ",
                    $order,
                    " LIMIT $5"
                )
            };
        }
        let ascending = page.min_id.is_some();
        let rows: Vec<IdRow> = with_db!(self, db => {
            let sql = if ascending { home_sql!("ASC") } else { home_sql!("DESC") };
            sqlx::query_as(sql)
                .bind(viewer.as_i64())
                .bind(now.as_millis())
                .bind(page.max_id.map(Id::as_i64))
                .bind(page.lower_bound())
                .bind(i64::from(page.limit))
                .fetch_all(db)
                .await?
        });
        Ok(newest_first(rows, &page))
    }

    /// The posts among `candidates` that `viewer` may see, by the SQL form of the
    /// audience rule. Exists so that tests can hold it against `audience::may_view`.
    pub async fn visible_among(
        &self,
        viewer: Option<Id>,
        candidates: &[Id],
    ) -> Result<Vec<Id>, StoreError> {
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let mut visible = Vec::new();
        for id in candidates {
            let found: Option<i64> = with_db!(self, db => {
                sqlx::query_scalar(concat!(
                    "SELECT s.id FROM statuses s WHERE s.id = $2 AND ",
                    visible_to_viewer!()
                ))
                .bind(viewer.map(Id::as_i64))
                .bind(id.as_i64())
                .fetch_optional(db)
                .await?
            });
            visible.extend(found.map(Id::from_i64));
        }
        Ok(visible)
    }

    /// Records that `follower` follows `target` (the API's follow endpoints build on this).
    pub async fn insert_follow(
        &self,
        follower: Id,
        target: Id,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            sqlx::query(
                "INSERT INTO follows (id, account_id, target_account_id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, target_account_id) DO NOTHING",
            )
            .bind(Id::generate(now).as_i64())
            .bind(follower.as_i64())
            .bind(target.as_i64())
            .bind(now.as_millis())
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// Records that `blocker` blocks `target`, ending follows between them both ways.
    pub async fn insert_block(
        &self,
        blocker: Id,
        target: Id,
        now: Timestamp,
        federate: Option<&crate::Outbound>,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let added = sqlx::query(
                "INSERT INTO blocks (id, account_id, target_account_id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, target_account_id) DO NOTHING",
            )
            .bind(Id::generate(now).as_i64())
            .bind(blocker.as_i64())
            .bind(target.as_i64())
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added > 0
                && let Some(outbound) = federate
            {
                enqueue_outbound!(tx, outbound, now);
            }
            sqlx::query(
                "DELETE FROM follows WHERE (account_id = $1 AND target_account_id = $2) \
                 OR (account_id = $2 AND target_account_id = $1)",
            )
            .bind(blocker.as_i64())
            .bind(target.as_i64())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

/// Filters of `GET /api/v1/accounts/:id/statuses`.
#[derive(Debug, Clone, Default)]
pub struct AccountStatusFilter {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub tagged: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub replies: u64,
    pub reblogs: u64,
    pub favourites: u64,
}
