//! Members' filters, with their keywords and filtered posts. Every query is scoped to
//! the owning account, so one member can never read or change another's filters.

use hamlet_core::filter::{Filter, FilterAction, FilterContext, FilteredStatus, Keyword};
use hamlet_core::{Id, Timestamp};

use crate::db::BeginWrite;
use crate::{Store, StoreError};

/// A filter to create, validated.
#[derive(Debug, Clone)]
pub struct NewFilter {
    pub title: String,
    pub contexts: Vec<FilterContext>,
    pub action: FilterAction,
    pub expires_at: Option<Timestamp>,
    pub keywords: Vec<(String, bool)>,
}

/// A change to a filter; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct FilterUpdate {
    pub title: Option<String>,
    pub contexts: Option<Vec<FilterContext>>,
    pub action: Option<FilterAction>,
    /// `Some(None)` removes the expiry.
    pub expires_at: Option<Option<Timestamp>>,
    pub keywords: Vec<KeywordChange>,
}

#[derive(Debug, Clone)]
pub enum KeywordChange {
    Add {
        keyword: String,
        whole_word: bool,
    },
    Update {
        id: Id,
        keyword: Option<String>,
        whole_word: Option<bool>,
    },
    Remove {
        id: Id,
    },
}

#[derive(sqlx::FromRow)]
struct FilterRow {
    id: i64,
    title: String,
    context: String,
    action: String,
    expires_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct KeywordRow {
    id: i64,
    filter_id: i64,
    keyword: String,
    whole_word: bool,
}

#[derive(sqlx::FromRow)]
struct FilterStatusRow {
    id: i64,
    filter_id: i64,
    status_id: i64,
}

fn contexts_column(contexts: &[FilterContext]) -> String {
    contexts
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

impl Store {
    /// The account's filters (expired ones too), oldest first.
    pub async fn filters(&self, account: Id) -> Result<Vec<Filter>, StoreError> {
        let (rows, keywords, statuses): (Vec<FilterRow>, Vec<KeywordRow>, Vec<FilterStatusRow>) = with_db!(self, db => {
            let rows = sqlx::query_as(
                "SELECT id, title, context, action, expires_at FROM filters \
                 WHERE account_id = $1 ORDER BY id",
            )
            .bind(account.as_i64())
            .fetch_all(db)
            .await?;
            let keywords = sqlx::query_as(
                "SELECT k.id, k.filter_id, k.keyword, k.whole_word FROM filter_keywords k \
                 JOIN filters f ON f.id = k.filter_id WHERE f.account_id = $1 ORDER BY k.id",
            )
            .bind(account.as_i64())
            .fetch_all(db)
            .await?;
            let statuses = sqlx::query_as(
                "SELECT s.id, s.filter_id, s.status_id FROM filter_statuses s \
                 JOIN filters f ON f.id = s.filter_id WHERE f.account_id = $1 ORDER BY s.id",
            )
            .bind(account.as_i64())
            .fetch_all(db)
            .await?;
            (rows, keywords, statuses)
        });
        rows.into_iter()
            .map(|row| {
                let corrupt =
                    |what: String| StoreError::Corrupt(format!("filter {}: {what}", row.id));
                Ok(Filter {
                    id: Id::from_i64(row.id),
                    contexts: row
                        .context
                        .split(',')
                        .filter(|c| !c.is_empty())
                        .map(|c| c.parse().map_err(corrupt))
                        .collect::<Result<_, _>>()?,
                    action: row.action.parse().map_err(corrupt)?,
                    expires_at: row.expires_at.map(Timestamp::from_millis),
                    keywords: keywords
                        .iter()
                        .filter(|k| k.filter_id == row.id)
                        .map(|k| Keyword {
                            id: Id::from_i64(k.id),
                            keyword: k.keyword.clone(),
                            whole_word: k.whole_word,
                        })
                        .collect(),
                    statuses: statuses
                        .iter()
                        .filter(|s| s.filter_id == row.id)
                        .map(|s| FilteredStatus {
                            id: Id::from_i64(s.id),
                            status_id: Id::from_i64(s.status_id),
                        })
                        .collect(),
                    title: row.title,
                })
            })
            .collect()
    }

    pub async fn filter(&self, account: Id, id: Id) -> Result<Option<Filter>, StoreError> {
        Ok(self
            .filters(account)
            .await?
            .into_iter()
            .find(|f| f.id == id))
    }

    pub async fn insert_filter(
        &self,
        account: Id,
        new: NewFilter,
        now: Timestamp,
    ) -> Result<Id, StoreError> {
        let id = Id::generate(now);
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            sqlx::query(
                "INSERT INTO filters (id, account_id, title, context, action, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id.as_i64())
            .bind(account.as_i64())
            .bind(&new.title)
            .bind(contexts_column(&new.contexts))
            .bind(new.action.as_str())
            .bind(new.expires_at.map(Timestamp::as_millis))
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            for (keyword, whole_word) in &new.keywords {
                sqlx::query(
                    "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(Id::generate(now).as_i64())
                .bind(id.as_i64())
                .bind(keyword)
                .bind(*whole_word)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(id)
    }

    /// Applies a change to one of the account's filters. Returns whether it exists.
    pub async fn update_filter(
        &self,
        account: Id,
        id: Id,
        update: FilterUpdate,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (expiry_set, expires_at) = match update.expires_at {
            None => (false, None),
            Some(at) => (true, at.map(Timestamp::as_millis)),
        };
        let found = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let found = sqlx::query(
                "UPDATE filters SET title = coalesce($3, title), context = coalesce($4, context), \
                 action = coalesce($5, action), \
                 expires_at = CASE WHEN $6 THEN $7 ELSE expires_at END \
                 WHERE id = $1 AND account_id = $2",
            )
            .bind(id.as_i64())
            .bind(account.as_i64())
            .bind(update.title.as_deref())
            .bind(update.contexts.as_deref().map(contexts_column))
            .bind(update.action.map(|a| a.as_str()))
            .bind(expiry_set)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if found {
                for change in &update.keywords {
                    match change {
                        KeywordChange::Add { keyword, whole_word } => {
                            sqlx::query(
                                "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) \
                                 VALUES ($1, $2, $3, $4)",
                            )
                            .bind(Id::generate(now).as_i64())
                            .bind(id.as_i64())
                            .bind(keyword)
                            .bind(*whole_word)
                            .execute(&mut *tx)
                            .await?;
                        }
                        KeywordChange::Update { id: keyword_id, keyword, whole_word } => {
                            sqlx::query(
                                "UPDATE filter_keywords SET keyword = coalesce($3, keyword), \
                                 whole_word = coalesce($4, whole_word) \
                                 WHERE id = $1 AND filter_id = $2",
                            )
                            .bind(keyword_id.as_i64())
                            .bind(id.as_i64())
                            .bind(keyword.as_deref())
                            .bind(*whole_word)
                            .execute(&mut *tx)
                            .await?;
                        }
                        KeywordChange::Remove { id: keyword_id } => {
                            sqlx::query("DELETE FROM filter_keywords WHERE id = $1 AND filter_id = $2")
                                .bind(keyword_id.as_i64())
                                .bind(id.as_i64())
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            found
        });
        Ok(found)
    }

    pub async fn delete_filter(&self, account: Id, id: Id) -> Result<bool, StoreError> {
        let done = with_db!(self, db => {
            sqlx::query("DELETE FROM filters WHERE id = $1 AND account_id = $2")
                .bind(id.as_i64())
                .bind(account.as_i64())
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }

    /// Adds a post to one of the account's filters; `None` if the filter is not theirs.
    pub async fn add_filter_status(
        &self,
        account: Id,
        filter: Id,
        status: Id,
        now: Timestamp,
    ) -> Result<Option<Id>, StoreError> {
        let id = Id::generate(now);
        let done = with_db!(self, db => {
            sqlx::query(
                "INSERT INTO filter_statuses (id, filter_id, status_id) \
                 SELECT $1, id, $3 FROM filters WHERE id = $2 AND account_id = $4 \
                 ON CONFLICT (filter_id, status_id) DO NOTHING",
            )
            .bind(id.as_i64())
            .bind(filter.as_i64())
            .bind(status.as_i64())
            .bind(account.as_i64())
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok((done > 0).then_some(id))
    }

    /// Removes a keyword (`keyword = true`) or a filtered post from one of the account's
    /// filters. Returns whether it existed.
    pub async fn remove_filter_entry(
        &self,
        account: Id,
        id: Id,
        keyword: bool,
    ) -> Result<bool, StoreError> {
        let done = with_db!(self, db => {
            let sql = if keyword {
                "DELETE FROM filter_keywords WHERE id = $1 AND filter_id IN \
                 (SELECT id FROM filters WHERE account_id = $2)"
            } else {
                "DELETE FROM filter_statuses WHERE id = $1 AND filter_id IN \
                 (SELECT id FROM filters WHERE account_id = $2)"
            };
            sqlx::query(sql)
                .bind(id.as_i64())
                .bind(account.as_i64())
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }
}
