//! Opening the database and running the same query on whichever engine is in use.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle on the database. Cheap to clone; all clones share one connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
}

/// Runs `$body` with `$db` bound to the open pool, whichever engine it is. The body is
/// compiled once per engine, so the same SQL is type-checked against both drivers.
/// Opens a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a deferred transaction that reads first and writes later is refused with
/// SQLITE_BUSY, without waiting for the busy timeout, when another connection (the
/// delivery worker, say) has written meanwhile. PostgreSQL needs no such care.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;

    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
    + Send;
}

impl BeginWrite for sqlx::SqlitePool {
    type Db = sqlx::Sqlite;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for sqlx::PgPool {
    type Db = sqlx::Postgres;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

macro_rules! with_db {
    ($store:expr, $db:ident => $body:expr) => {
        match &$store.pool {
            $crate::db::Pool::Sqlite($db) => $body,
            $crate::db::Pool::Postgres($db) => $body,
        }
    };
}

/// Notifies `$recipient` of what `$from` did (`$kind`, about post `$status`), inside the
/// open transaction `$tx` of the change that caused it: a notification exists exactly
/// when its cause does. Only local members are notified, and never of their own doing.
macro_rules! notify {
    ($tx:expr, $recipient:expr, $from:expr, $kind:expr, $status:expr, $now:expr) => {{
        let recipient: i64 = $recipient;
        let from: i64 = $from;
        let status: Option<i64> = $status;
        let now: hamlet_core::Timestamp = $now;
        let kind: hamlet_core::notification::NotificationKind = $kind;
        sqlx::query(
            "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, \
             created_at) SELECT $1, $2, $3, $4, $5, $6 \
             WHERE $2 <> $3 AND EXISTS (SELECT 1 FROM users WHERE account_id = $2)",
        )
        .bind(hamlet_core::Id::generate(now).as_i64())
        .bind(recipient)
        .bind(from)
        .bind(kind.as_str())
        .bind(status)
        .bind(now.as_millis())
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Withdraws the notification of `$kind` from `$from` to `$recipient` about `$status`
/// (any post when `None`), when its cause is undone.
macro_rules! unnotify {
    ($tx:expr, $recipient:expr, $from:expr, $kind:expr, $status:expr) => {{
        let recipient: i64 = $recipient;
        let from: i64 = $from;
        let status: Option<i64> = $status;
        let kind: hamlet_core::notification::NotificationKind = $kind;
        sqlx::query(
            "DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 \
             AND type = $3 AND ($4 IS NULL OR status_id = $4)",
        )
        .bind(recipient)
        .bind(from)
        .bind(kind.as_str())
        .bind(status)
        .execute(&mut *$tx)
        .await?;
    }};
}

impl Store {
    /// Opens `url`: `sqlite:PATH` (created if missing; WAL, a busy timeout and foreign
    /// keys on) or `postgres://...`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        let max_connections = max_connections.max(1);
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store {
                pool: Pool::Postgres(pool),
            })
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store {
                pool: Pool::Sqlite(pool),
            })
        } else {
            Err(StoreError::UnsupportedUrl(redact(url)))
        }
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies every migration not yet applied. Returns how many were applied now.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let before = self.applied_migrations().await.unwrap_or(0);
        match &self.pool {
            Pool::Sqlite(db) => sqlx::migrate!("./migrations/sqlite").run(db).await?,
            Pool::Postgres(db) => sqlx::migrate!("./migrations/postgres").run(db).await?,
        }
        Ok(self.applied_migrations().await?.saturating_sub(before))
    }

    async fn applied_migrations(&self) -> Result<usize, StoreError> {
        let count: i64 = with_db!(self, db => {
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(db)
                .await?
        });
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: i32 = with_db!(self, db => sqlx::query_scalar("SELECT 1").fetch_one(db).await?);
        Ok(())
    }

    pub async fn close(&self) {
        with_db!(self, db => db.close().await)
    }
}

/// A database URL fit for an error message: the password, if any, replaced.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("mysql://u:secret@h/db"), "mysql://u:***@h/db");
        assert_eq!(super::redact("file.db"), "file.db");
    }
}
