//! Editing posts, and the history of their versions.

use hamlet_core::account::Language;
use hamlet_core::notification::NotificationKind;
use hamlet_core::{Id, Timestamp};

use crate::db::BeginWrite;
use crate::{Store, StoreError};

/// A new version of a post, rendered and validated.
#[derive(Debug, Clone)]
pub struct StatusEdit {
    pub status_id: Id,
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<Language>,
    /// Accounts the new text mentions; earlier mentions keep their access.
    pub mentions: Vec<Id>,
    /// The hashtags of the new text (they replace the old ones).
    pub tags: Vec<String>,
    pub edited_at: Timestamp,
}

/// One version of a post.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Version {
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: i64,
}

impl Store {
    /// Applies an edit: keeps the earlier version in the history, updates the post, its
    /// mentions and hashtags, and tells those who boosted it, in one transaction.
    ///
    /// `federate` (the post's `Update` to other servers) is enqueued in the same
    /// transaction.
    pub async fn edit_status(
        &self,
        edit: StatusEdit,
        federate: Option<&crate::Outbound>,
    ) -> Result<(), StoreError> {
        let id = edit.status_id.as_i64();
        let now = edit.edited_at;
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let (author, local_only): (i64, bool) =
                sqlx::query_as("SELECT account_id, local_only FROM statuses WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            let has_history: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM status_edits WHERE status_id = $1)",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if !has_history {
                // The first edit records the post as first written.
                sqlx::query(
                    "INSERT INTO status_edits (id, status_id, text, content, spoiler_text, \
                     sensitive, created_at) \
                     SELECT $1, id, text, content, spoiler_text, sensitive, created_at \
                     FROM statuses WHERE id = $2",
                )
                .bind(Id::generate(now).as_i64())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO status_edits (id, status_id, text, content, spoiler_text, sensitive, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(Id::generate(now).as_i64())
            .bind(id)
            .bind(&edit.text)
            .bind(&edit.content)
            .bind(&edit.spoiler_text)
            .bind(edit.sensitive)
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE statuses SET text = $2, content = $3, spoiler_text = $4, sensitive = $5, \
                 language = $6, edited_at = $7 WHERE id = $1",
            )
            .bind(id)
            .bind(&edit.text)
            .bind(&edit.content)
            .bind(&edit.spoiler_text)
            .bind(edit.sensitive)
            .bind(edit.language.as_ref().map(|l| l.as_str()))
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            for account in &edit.mentions {
                let added = sqlx::query(
                    "INSERT INTO mentions (status_id, account_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(account.as_i64())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if added > 0 {
                    notify!(tx, account.as_i64(), author, NotificationKind::Mention, Some(id), now);
                }
            }
            sqlx::query("DELETE FROM status_tags WHERE status_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for name in &edit.tags {
                sqlx::query(
                    "INSERT INTO tags (id, name, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (lower(name)) DO NOTHING",
                )
                .bind(Id::generate(now).as_i64())
                .bind(name)
                .bind(now.as_millis())
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO status_tags (tag_id, status_id) \
                     SELECT id, $2 FROM tags WHERE lower(name) = lower($1) ON CONFLICT DO NOTHING",
                )
                .bind(name)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            let boosters: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT account_id FROM statuses WHERE reblog_of_id = $1",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            for booster in boosters {
                unnotify!(tx, booster, author, NotificationKind::Update, Some(id));
                notify!(tx, booster, author, NotificationKind::Update, Some(id), now);
            }
            // An edit never changes locality, and a local-only post's edits go nowhere.
            if !local_only && let Some(outbound) = federate {
                enqueue_outbound!(tx, outbound, now);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The versions of a post, oldest first; empty if it was never edited.
    pub async fn status_versions(&self, status: Id) -> Result<Vec<Version>, StoreError> {
        let rows: Vec<Version> = with_db!(self, db => {
            sqlx::query_as(
                "SELECT text, content, spoiler_text, sensitive, created_at FROM status_edits \
                 WHERE status_id = $1 ORDER BY id",
            )
            .bind(status.as_i64())
            .fetch_all(db)
            .await?
        });
        Ok(rows)
    }
}
