//! What federation keeps beyond accounts and posts: the instance actor's keys and the
//! figures NodeInfo publishes.

use hamlet_core::keys::AccountKeys;
use hamlet_core::{Id, Timestamp};

use crate::{Store, StoreError};

/// The instance actor's key pair.
#[derive(Clone)]
pub struct InstanceKeys {
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub created_at: Timestamp,
}

impl std::fmt::Debug for InstanceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceKeys")
            .field("public_key_pem", &self.public_key_pem)
            .finish_non_exhaustive()
    }
}

/// Local figures as NodeInfo reports them. "Active" means "posted in the period": Hamlet
/// does not record sign-ins for this.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocalUsage {
    pub users_total: u64,
    pub users_active_month: u64,
    pub users_active_halfyear: u64,
    pub local_posts: u64,
}

const DAY_MILLIS: i64 = 24 * 60 * 60 * 1000;

impl Store {
    /// The instance actor's keys, created on first use. `generate` runs only when none
    /// exist; when two callers race, both get the row that won.
    pub async fn instance_keys(
        &self,
        generate: impl FnOnce() -> AccountKeys,
        now: Timestamp,
    ) -> Result<InstanceKeys, StoreError> {
        if let Some(keys) = self.stored_instance_keys().await? {
            return Ok(keys);
        }
        let fresh = generate();
        with_db!(self, db => {
            sqlx::query(
                "INSERT INTO instance_keys (id, public_key_pem, private_key_pem, created_at) \
                 VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(fresh.public_key_pem.as_str())
            .bind(fresh.private_key_pem.as_str())
            .bind(now.as_millis())
            .execute(db)
            .await?;
        });
        self.stored_instance_keys()
            .await?
            .ok_or_else(|| StoreError::Corrupt("instance keys vanished after insert".into()))
    }

    /// The instance actor's keys, if they were created already.
    pub async fn stored_instance_keys(&self) -> Result<Option<InstanceKeys>, StoreError> {
        let row: Option<(String, String, i64)> = with_db!(self, db => {
            sqlx::query_as(
                "SELECT public_key_pem, private_key_pem, created_at FROM instance_keys WHERE id = 1",
            )
            .fetch_optional(db)
            .await?
        });
        Ok(row.map(
            |(public_key_pem, private_key_pem, created_at)| InstanceKeys {
                public_key_pem,
                private_key_pem,
                created_at: Timestamp::from_millis(created_at),
            },
        ))
    }

    /// How many posts an account's outbox lists: its public and unlisted posts, never
    /// local-only ones or boosts.
    pub async fn outbox_size(&self, account: Id) -> Result<u64, StoreError> {
        let n: i64 = with_db!(self, db => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM statuses s WHERE s.account_id = $1 \
                 AND s.reblog_of_id IS NULL AND s.visibility IN ('public', 'unlisted') \
                 AND NOT s.local_only",
            )
            .bind(account.as_i64())
            .fetch_one(db)
            .await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Local figures for NodeInfo; local-only posts are not counted.
    pub async fn local_usage(&self, now: Timestamp) -> Result<LocalUsage, StoreError> {
        let month = now.as_millis() - 30 * DAY_MILLIS;
        let halfyear = now.as_millis() - 180 * DAY_MILLIS;
        let (total, active_month, active_halfyear, posts): (i64, i64, i64, i64) = with_db!(self, db => {
            sqlx::query_as(
                "SELECT \
                   (SELECT COUNT(*) FROM users u JOIN accounts a ON a.id = u.account_id \
                     WHERE a.suspended_at IS NULL), \
                   (SELECT COUNT(DISTINCT s.account_id) FROM statuses s \
                     WHERE s.local AND s.created_at >= $1), \
                   (SELECT COUNT(DISTINCT s.account_id) FROM statuses s \
                     WHERE s.local AND s.created_at >= $2), \
                   (SELECT COUNT(*) FROM statuses s \
                     WHERE s.local AND s.reblog_of_id IS NULL AND NOT s.local_only)",
            )
            .bind(month)
            .bind(halfyear)
            .fetch_one(db)
            .await?
        });
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(LocalUsage {
            users_total: count(total),
            users_active_month: count(active_month),
            users_active_halfyear: count(active_halfyear),
            local_posts: count(posts),
        })
    }
}
