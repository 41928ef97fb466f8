//! Both engines' migrations must build the same logical schema.

use hamlet_testkit::TestDb;

#[tokio::test]
async fn sqlite_and_postgresql_schemas_match() {
    let Ok(server) = std::env::var("HAMLET_TEST_DATABASE_URL") else {
        eprintln!("skipped: set HAMLET_TEST_DATABASE_URL to compare against PostgreSQL");
        return;
    };
    let sqlite = TestDb::sqlite();
    let postgres = TestDb::postgres(server).await;
    let sqlite_schema = sqlite.store().await.logical_schema().await.unwrap();
    let postgres_schema = postgres.store().await.logical_schema().await.unwrap();
    assert!(!sqlite_schema.tables.is_empty());
    for (table, columns) in &sqlite_schema.tables {
        assert_eq!(
            Some(columns),
            postgres_schema.tables.get(table),
            "table {table} differs between SQLite and PostgreSQL"
        );
    }
    assert_eq!(
        sqlite_schema.tables.len(),
        postgres_schema.tables.len(),
        "table sets differ"
    );
    assert_eq!(
        sqlite_schema.indexes, postgres_schema.indexes,
        "indexes differ"
    );
    assert_eq!(
        sqlite_schema.foreign_keys, postgres_schema.foreign_keys,
        "foreign keys differ"
    );
}

#[tokio::test]
async fn migrating_twice_applies_nothing_the_second_time() {
    let db = TestDb::new().await;
    let store = hamlet_store::Store::connect(&db.url, 2).await.unwrap();
    assert!(store.migrate().await.unwrap() > 0);
    assert_eq!(store.migrate().await.unwrap(), 0);
    store.ping().await.unwrap();
}

#[tokio::test]
async fn unsupported_database_urls_are_refused() {
    let error = hamlet_store::Store::connect("mysql://user:secret@localhost/db", 1)
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("sqlite: or postgres://"), "{message}");
    assert!(
        !message.contains("secret"),
        "the password leaked: {message}"
    );
}
