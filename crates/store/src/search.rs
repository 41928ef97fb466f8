//! Finding accounts, hashtags and posts by text. Plain `LIKE` matching: enough for a
//! community's size; a full-text index can replace it without changing callers.

use hamlet_core::account::Account;
use hamlet_core::{Id, Timestamp};

use crate::accounts::AccountRow;
use crate::{Store, StoreError};

/// `%`, `_` and the escape character itself match literally in a `LIKE` pattern.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// Accounts whose username starts with `query` or whose display name contains it
    /// (case-insensitively, for ASCII), local ones first; optionally only those
    /// `following_of` follows. Suspended accounts are left out.
    pub async fn search_accounts(
        &self,
        query: &str,
        following_of: Option<Id>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Account>, StoreError> {
        let escaped = like_escape(&query.to_lowercase());
        let prefix = format!("{escaped}%");
        let anywhere = format!("%{escaped}%");
        let rows: Vec<AccountRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                "SELECT ",
                account_columns!(),
                " FROM accounts a WHERE a.suspended_at IS NULL \
                 AND (lower(a.username) LIKE $1 ESCAPE '!' OR lower(a.display_name) LIKE $2 ESCAPE '!') \
                 AND ($3 IS NULL OR EXISTS (SELECT 1 FROM follows f \
                      WHERE f.account_id = $3 AND f.target_account_id = a.id)) \
                 ORDER BY (a.domain IS NULL) DESC, lower(a.username) LIMIT $4 OFFSET $5"
            ))
            .bind(prefix)
            .bind(anywhere)
            .bind(following_of.map(Id::as_i64))
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(db)
            .await?
        });
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    /// Hashtags (id, name) whose names start with `query` and that appear on a post
    /// `viewer` (`None`: anonymous) may see, most used (in such posts) first. A tag used
    /// only in posts someone may not read, local-only ones included, does not exist for
    /// them.
    pub async fn search_tags(
        &self,
        viewer: Option<Id>,
        query: &str,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<(Id, String)>, StoreError> {
        let prefix = format!("{}%", like_escape(&query.to_lowercase()));
        macro_rules! visible_uses {
            () => {
                concat!(
                    "(SELECT COUNT(*) FROM status_tags st JOIN statuses s ON s.id = st.status_id \
                     WHERE st.tag_id = t.id AND ",
                    visible_to_viewer!(),
                    ")"
                )
            };
        }
        let rows: Vec<(i64, String)> = with_db!(self, db => {
            sqlx::query_as(concat!(
                "SELECT t.id, t.name FROM tags t WHERE lower(t.name) LIKE $2 ESCAPE '!' AND ",
                visible_uses!(),
                " > 0 ORDER BY ",
                visible_uses!(),
                " DESC, lower(t.name) LIMIT $3 OFFSET $4"
            ))
            .bind(viewer.map(Id::as_i64))
            .bind(prefix)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(db)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, name)| (Id::from_i64(id), name))
            .collect())
    }

    /// Posts (not boosts) whose text contains `query` and that `viewer` may see, newest
    /// first, optionally by one account.
    pub async fn search_statuses(
        &self,
        viewer: Id,
        query: &str,
        by_account: Option<Id>,
        limit: u32,
        offset: u32,
        now: Timestamp,
    ) -> Result<Vec<Id>, StoreError> {
        let pattern = format!("%{}%", like_escape(&query.to_lowercase()));
        let ids: Vec<i64> = with_db!(self, db => {
            sqlx::query_scalar(concat!(
                "SELECT s.id FROM statuses s WHERE s.reblog_of_id IS NULL \
                 AND (lower(s.text) LIKE $3 ESCAPE '!' OR lower(s.spoiler_text) LIKE $3 ESCAPE '!') \
                 AND ($4 IS NULL OR s.account_id = $4) AND ",
                visible_to_viewer!(),
                " AND ",
                not_hidden_by_viewer!(),
                " ORDER BY s.id DESC LIMIT $5 OFFSET $6"
            ))
            .bind(viewer.as_i64())
            .bind(now.as_millis())
            .bind(pattern)
            .bind(by_account.map(Id::as_i64))
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(db)
            .await?
        });
        Ok(ids.into_iter().map(Id::from_i64).collect())
    }
}
