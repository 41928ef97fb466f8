//! The one-time link that creates the first admin. While no admin exists, each start
//! replaces the link; using it creates the admin and destroys every link, atomically, so
//! that it works once.

use hamlet_core::account::Member;
use hamlet_core::role::Role;
use hamlet_core::{Id, Timestamp};

use crate::db::BeginWrite;
use crate::{NewMember, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum FirstAdminError {
    #[error("this setup link is unknown, used or expired")]
    InvalidLink,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for FirstAdminError {
    fn from(error: sqlx::Error) -> FirstAdminError {
        FirstAdminError::Store(error.into())
    }
}

impl Store {
    /// Replaces any setup link with the one whose digest is given.
    pub async fn replace_setup_link(
        &self,
        token_digest: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            sqlx::query("DELETE FROM setup_links").execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO setup_links (token_digest, created_at, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(token_digest)
            .bind(now.as_millis())
            .bind(expires_at.as_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Whether `token_digest` names a live setup link (and no admin exists yet).
    pub async fn setup_link_is_valid(
        &self,
        token_digest: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let live: i64 = with_db!(self, db => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM setup_links WHERE token_digest = $1 AND expires_at > $2 \
                 AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin')",
            )
            .bind(token_digest)
            .bind(now.as_millis())
            .fetch_one(db)
            .await?
        });
        Ok(live > 0)
    }

    /// Creates the first admin with a live link, and spends every link.
    pub async fn create_first_admin(
        &self,
        token_digest: &str,
        now: Timestamp,
        new: NewMember,
    ) -> Result<Member, FirstAdminError> {
        debug_assert_eq!(new.role, Role::Admin);
        let id = Id::generate(new.created_at);
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            // Deleting the link first serialises concurrent attempts on it: only the
            // transaction that deleted a row goes on.
            let spent = sqlx::query(
                "DELETE FROM setup_links WHERE token_digest = $1 AND expires_at > $2",
            )
            .bind(token_digest)
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
                .fetch_one(&mut *tx)
                .await?;
            if spent == 0 || admins > 0 {
                // Roll back now: a dropped transaction would leave the connection idle
                // in a transaction, holding its locks, until the pool reuses it.
                tx.rollback().await?;
                return Err(FirstAdminError::InvalidLink);
            }
            insert_member_rows!(tx, id, &new);
            sqlx::query("DELETE FROM setup_links").execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(self.member_by_id(id).await?.ok_or(StoreError::NotFound)?)
    }
}
