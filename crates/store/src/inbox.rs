//! What handling inbox activities needs beyond the ordinary writes: remembering which
//! activities were handled, and the ids of the `Follow`s behind follows and requests.

use hamlet_core::{Id, Timestamp};

use crate::{Store, StoreError};

impl Store {
    /// Whether the activity `uri` was handled already (redeliveries change nothing).
    pub async fn inbound_activity_seen(&self, uri: &str) -> Result<bool, StoreError> {
        let seen: bool = with_db!(self, db => {
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inbound_activities WHERE uri = $1)")
                .bind(uri)
                .fetch_one(db)
                .await?
        });
        Ok(seen)
    }

    /// Records that the activity `uri` took effect. Returns `false` when it was recorded
    /// already.
    pub async fn record_inbound_activity(
        &self,
        uri: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let inserted = with_db!(self, db => {
            sqlx::query(
                "INSERT INTO inbound_activities (uri, received_at) VALUES ($1, $2) \
                 ON CONFLICT (uri) DO NOTHING",
            )
            .bind(uri)
            .bind(now.as_millis())
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok(inserted > 0)
    }

    /// Forgets handled activities older than `before` (redeliveries stop long before).
    pub async fn prune_inbound_activities(&self, before: Timestamp) -> Result<u64, StoreError> {
        let done = with_db!(self, db => {
            sqlx::query("DELETE FROM inbound_activities WHERE received_at < $1")
                .bind(before.as_millis())
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done)
    }

    /// The id of the `Follow` behind `follower`'s follow of or request to `target`.
    pub async fn follow_uri(&self, follower: Id, target: Id) -> Result<Option<String>, StoreError> {
        let uri: Option<Option<String>> = with_db!(self, db => {
            sqlx::query_scalar(
                "SELECT uri FROM follows WHERE account_id = $1 AND target_account_id = $2 \
                 UNION ALL \
                 SELECT uri FROM follow_requests WHERE account_id = $1 AND target_account_id = $2 \
                 LIMIT 1",
            )
            .bind(follower.as_i64())
            .bind(target.as_i64())
            .fetch_optional(db)
            .await?
        });
        Ok(uri.flatten())
    }

    /// Whether `follower` follows `target` or has asked to.
    pub async fn follows_or_requested(
        &self,
        follower: Id,
        target: Id,
    ) -> Result<(bool, bool), StoreError> {
        let (following, requested): (bool, bool) = with_db!(self, db => {
            sqlx::query_as(
                "SELECT \
                   EXISTS (SELECT 1 FROM follows WHERE account_id = $1 AND target_account_id = $2), \
                   EXISTS (SELECT 1 FROM follow_requests \
                     WHERE account_id = $1 AND target_account_id = $2)",
            )
            .bind(follower.as_i64())
            .bind(target.as_i64())
            .fetch_one(db)
            .await?
        });
        Ok((following, requested))
    }

    /// Members who follow `account`.
    pub async fn local_followers(&self, account: Id) -> Result<Vec<Id>, StoreError> {
        let ids: Vec<i64> = with_db!(self, db => {
            sqlx::query_scalar(
                "SELECT f.account_id FROM follows f JOIN users u ON u.account_id = f.account_id \
                 WHERE f.target_account_id = $1 ORDER BY f.account_id",
            )
            .bind(account.as_i64())
            .fetch_all(db)
            .await?
        });
        Ok(ids.into_iter().map(Id::from_i64).collect())
    }

    /// Records that `account` moved to `target`.
    pub async fn set_moved_to(&self, account: Id, target: Id) -> Result<(), StoreError> {
        with_db!(self, db => {
            sqlx::query("UPDATE accounts SET moved_to_account_id = $2 WHERE id = $1")
                .bind(account.as_i64())
                .bind(target.as_i64())
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// Remote accounts last fetched before `before`, stalest first: the scheduled
    /// refresh takes a few at a time.
    pub async fn stale_remote_accounts(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let uris: Vec<String> = with_db!(self, db => {
            sqlx::query_scalar(
                "SELECT uri FROM accounts WHERE domain IS NOT NULL AND uri IS NOT NULL \
                 AND suspended_at IS NULL AND (fetched_at IS NULL OR fetched_at < $1) \
                 ORDER BY fetched_at LIMIT $2",
            )
            .bind(before.as_millis())
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
        });
        Ok(uris)
    }
}
