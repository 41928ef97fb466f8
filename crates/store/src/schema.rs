//! The database's schema in engine-neutral terms, so that a test can prove the SQLite
//! and PostgreSQL migrations build the same thing.

use std::collections::BTreeMap;

use crate::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// `integer`, `text`, `boolean` or `bytes`; an unmapped engine type is kept verbatim
    /// so that a comparison fails loudly.
    pub logical_type: String,
    pub nullable: bool,
    pub primary_key: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Index {
    pub table: String,
    pub unique: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKey {
    pub table: String,
    pub column: String,
    pub references: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogicalSchema {
    pub tables: BTreeMap<String, BTreeMap<String, Column>>,
    /// Named indexes, without the ones engines create for primary keys.
    pub indexes: BTreeMap<String, Index>,
    pub foreign_keys: Vec<ForeignKey>,
}

fn logical_type(engine_type: &str) -> String {
    match engine_type.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int8" | "int4" | "smallint" => "integer".into(),
        "text" | "character varying" | "varchar" => "text".into(),
        "boolean" | "bool" => "boolean".into(),
        "blob" | "bytea" => "bytes".into(),
        other => other.into(),
    }
}

const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

impl Store {
    pub async fn logical_schema(&self) -> Result<LogicalSchema, StoreError> {
        let mut schema = LogicalSchema::default();
        match &self.pool {
            crate::db::Pool::Sqlite(db) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' AND name <> $1",
                )
                .bind(MIGRATIONS_TABLE)
                .fetch_all(db)
                .await?;
                for table in tables {
                    let columns: Vec<(String, String, bool, i64)> = sqlx::query_as(
                        "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)",
                    )
                    .bind(&table)
                    .fetch_all(db)
                    .await?;
                    let entry = schema.tables.entry(table.clone()).or_default();
                    for (name, ty, not_null, pk) in columns {
                        entry.insert(
                            name,
                            Column {
                                logical_type: logical_type(&ty),
                                nullable: !not_null,
                                primary_key: pk > 0,
                            },
                        );
                    }
                    let indexes: Vec<(String, bool, String)> = sqlx::query_as(
                        "SELECT name, \"unique\", origin FROM pragma_index_list($1)",
                    )
                    .bind(&table)
                    .fetch_all(db)
                    .await?;
                    for (name, unique, origin) in indexes {
                        if origin == "c" {
                            schema.indexes.insert(
                                name,
                                Index {
                                    table: table.clone(),
                                    unique,
                                },
                            );
                        }
                    }
                    let keys: Vec<(String, String)> = sqlx::query_as(
                        "SELECT \"from\", \"table\" FROM pragma_foreign_key_list($1)",
                    )
                    .bind(&table)
                    .fetch_all(db)
                    .await?;
                    for (column, references) in keys {
                        schema.foreign_keys.push(ForeignKey {
                            table: table.clone(),
                            column,
                            references,
                        });
                    }
                }
            }
            crate::db::Pool::Postgres(db) => {
                let columns: Vec<(String, String, String, String, bool)> = sqlx::query_as(
                    "SELECT c.table_name::text, c.column_name::text, c.data_type::text, \
                     c.is_nullable::text, EXISTS ( \
                        SELECT 1 FROM information_schema.table_constraints tc \
                        JOIN information_schema.key_column_usage k \
                          ON k.constraint_name = tc.constraint_name \
                         AND k.table_schema = tc.table_schema \
                        WHERE tc.constraint_type = 'PRIMARY KEY' \
                          AND tc.table_schema = c.table_schema \
                          AND tc.table_name = c.table_name \
                          AND k.column_name = c.column_name) \
                     FROM information_schema.columns c \
                     WHERE c.table_schema = current_schema() AND c.table_name <> $1",
                )
                .bind(MIGRATIONS_TABLE)
                .fetch_all(db)
                .await?;
                for (table, name, ty, nullable, pk) in columns {
                    schema.tables.entry(table).or_default().insert(
                        name,
                        Column {
                            logical_type: logical_type(&ty),
                            nullable: nullable == "YES",
                            primary_key: pk,
                        },
                    );
                }
                let indexes: Vec<(String, String, bool)> = sqlx::query_as(
                    "SELECT i.relname::text, t.relname::text, x.indisunique \
                     FROM pg_index x \
                     JOIN pg_class i ON i.oid = x.indexrelid \
                     JOIN pg_class t ON t.oid = x.indrelid \
                     JOIN pg_namespace n ON n.oid = t.relnamespace \
                     WHERE n.nspname = current_schema() AND NOT x.indisprimary \
                       AND t.relname <> $1",
                )
                .bind(MIGRATIONS_TABLE)
                .fetch_all(db)
                .await?;
                for (name, table, unique) in indexes {
                    schema.indexes.insert(name, Index { table, unique });
                }
                let keys: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT t.relname::text, a.attname::text, r.relname::text \
                     FROM pg_constraint c \
                     JOIN pg_class t ON t.oid = c.conrelid \
                     JOIN pg_class r ON r.oid = c.confrelid \
                     JOIN pg_namespace n ON n.oid = t.relnamespace \
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
                     WHERE c.contype = 'f' AND n.nspname = current_schema()",
                )
                .fetch_all(db)
                .await?;
                for (table, column, references) in keys {
                    schema.foreign_keys.push(ForeignKey {
                        table,
                        column,
                        references,
                    });
                }
            }
        }
        schema.foreign_keys.sort();
        Ok(schema)
    }
}
