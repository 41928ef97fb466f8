use std::sync::atomic::{AtomicU32, Ordering};

use hamlet_store::Store;

/// The environment variable naming a PostgreSQL server for the PostgreSQL test pass.
pub const DATABASE_URL_VAR: &str = "HAMLET_TEST_DATABASE_URL";

/// A database that exists for one test only.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The SQLite file lives in this directory, removed on drop.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    /// This PostgreSQL schema is dropped on drop.
    Postgres { server_url: String, schema: String },
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var(DATABASE_URL_VAR) {
            Ok(server_url) if !server_url.is_empty() => Self::postgres(server_url).await,
            _ => Self::sqlite(),
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("hamlet.db").display());
        TestDb {
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    pub async fn postgres(server_url: String) -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let schema = format!(
            "hamlet_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            hamlet_core::Timestamp::now().as_millis()
        );
        let admin = sqlx::PgPool::connect(&server_url)
            .await
            .unwrap_or_else(|e| panic!("{DATABASE_URL_VAR}={server_url}: {e}"));
        sweep_abandoned_schemas(&admin).await;
        // The name is ours, made of digits, letters and underscores: safe to splice.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("create test schema");
        admin.close().await;
        let separator = if server_url.contains('?') { '&' } else { '?' };
        let url = format!("{server_url}{separator}options=-c%20search_path%3D{schema}");
        TestDb {
            url,
            cleanup: Cleanup::Postgres { server_url, schema },
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }

    /// A migrated store on this database.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url, 4)
            .await
            .expect("connect test database");
        store.migrate().await.expect("migrate test database");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { server_url, schema } = &self.cleanup {
            let server_url = server_url.clone();
            let schema = schema.clone();
            // Drop may run inside a runtime; a thread of its own can block on another.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime for cleanup");
                runtime.block_on(async {
                    if let Ok(admin) = sqlx::PgPool::connect(&server_url).await {
                        drop_schema(&admin, &schema).await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Drops a test schema, waiting a bounded time for locks: a connection of the test's own
/// pool may still hold one while the test's runtime is blocked in this drop. A schema
/// left behind is swept by a later run.
async fn drop_schema(admin: &sqlx::PgPool, schema: &str) {
    let Ok(mut conn) = admin.acquire().await else {
        return;
    };
    let _ = sqlx::query("SET lock_timeout = '5s'")
        .execute(&mut *conn)
        .await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&mut *conn)
    .await;
}

/// Drops the schemas of test processes that no longer run (their names carry the pid).
async fn sweep_abandoned_schemas(admin: &sqlx::PgPool) {
    let Ok(schemas) = sqlx::query_scalar::<_, String>(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'hamlet_test_%'",
    )
    .fetch_all(admin)
    .await
    else {
        return;
    };
    for schema in schemas {
        let pid = schema
            .strip_prefix("hamlet_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            drop_schema(admin, &schema).await;
        }
    }
}
