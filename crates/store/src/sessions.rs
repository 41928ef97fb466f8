//! Signed-in browsers of the web interface. Tokens arrive digested (see
//! `hamlet_core::secret`); a row is usable only with the cookie that holds its token.

use hamlet_core::account::Member;
use hamlet_core::{Id, Timestamp};

use crate::accounts::MemberRow;
use crate::db::BeginWrite;
use crate::{Store, StoreError};

impl Store {
    /// Records a new session of `account` that lasts until `expires_at`.
    pub async fn insert_web_session(
        &self,
        token_digest: &str,
        account: Id,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            sqlx::query(
                "INSERT INTO web_sessions (id, token_digest, account_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(Id::generate(now).as_i64())
            .bind(token_digest)
            .bind(account.as_i64())
            .bind(now.as_millis())
            .bind(expires_at.as_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The member a session token (digest) signs in, unless it expired or the member is
    /// suspended.
    pub async fn web_session_member(
        &self,
        token_digest: &str,
        now: Timestamp,
    ) -> Result<Option<Member>, StoreError> {
        let row: Option<MemberRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                select_members!(),
                "JOIN web_sessions ws ON ws.account_id = a.id \
                 WHERE ws.token_digest = $1 AND ws.expires_at > $2 AND a.suspended_at IS NULL"
            ))
            .bind(token_digest)
            .bind(now.as_millis())
            .fetch_optional(db)
            .await?
        });
        row.map(MemberRow::into_member).transpose()
    }

    /// Ends one session (signing out). Returns whether there was one.
    pub async fn delete_web_session(&self, token_digest: &str) -> Result<bool, StoreError> {
        let done = with_db!(self, db => {
            sqlx::query("DELETE FROM web_sessions WHERE token_digest = $1")
                .bind(token_digest)
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }

    /// Ends every session of `account` (signing out everywhere).
    pub async fn delete_web_sessions_of(&self, account: Id) -> Result<u64, StoreError> {
        let done = with_db!(self, db => {
            sqlx::query("DELETE FROM web_sessions WHERE account_id = $1")
                .bind(account.as_i64())
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done)
    }

    /// Forgets sessions that expired before `now`.
    pub async fn prune_web_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        let done = with_db!(self, db => {
            sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
                .bind(now.as_millis())
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done)
    }
}
