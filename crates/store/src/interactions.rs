//! What members do with posts: favourites, bookmarks, pins and boosts.

use hamlet_core::notification::NotificationKind;
use hamlet_core::visibility::Visibility;
use hamlet_core::{Id, Timestamp};

use crate::accounts::AccountRow;
use crate::db::BeginWrite;
use crate::relationships::Listed;
use crate::statuses::{Created, Page};
use crate::{Store, StoreError};

/// A mark a member puts on a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Favourite,
    Bookmark,
    Pin,
}

/// Runs `$body` with `$sql` set to the SQL for the mark's table, chosen from the three
/// literals given (favourites, bookmarks, status_pins).
macro_rules! per_mark {
    ($mark:expr, |$sql:ident| $body:expr, $fav:expr, $book:expr, $pin:expr) => {
        match $mark {
            Mark::Favourite => {
                let $sql = $fav;
                $body
            }
            Mark::Bookmark => {
                let $sql = $book;
                $body
            }
            Mark::Pin => {
                let $sql = $pin;
                $body
            }
        }
    };
}

#[derive(sqlx::FromRow)]
struct CursorRow {
    cursor: i64,
    status_id: i64,
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    cursor: i64,
    #[sqlx(flatten)]
    account: AccountRow,
}

impl Store {
    /// Marks a post; marking twice changes nothing. A new favourite notifies the author.
    /// Returns whether the mark is new.
    ///
    /// `federate` (a `Like` to the author's server) is enqueued in the same transaction
    /// when the mark is new.
    pub async fn mark(
        &self,
        mark: Mark,
        account: Id,
        status: Id,
        now: Timestamp,
        federate: Option<&crate::Outbound>,
    ) -> Result<bool, StoreError> {
        let done = per_mark!(
            mark,
            |sql| with_db!(self, db => {
                let mut tx = db.begin_write().await?;
                let done = sqlx::query(sql)
                    .bind(Id::generate(now).as_i64())
                    .bind(account.as_i64())
                    .bind(status.as_i64())
                    .bind(now.as_millis())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if done > 0 && mark == Mark::Favourite {
                    let author: i64 = sqlx::query_scalar("SELECT account_id FROM statuses WHERE id = $1")
                        .bind(status.as_i64())
                        .fetch_one(&mut *tx)
                        .await?;
                    notify!(tx, author, account.as_i64(), NotificationKind::Favourite, Some(status.as_i64()), now);
                }
                if done > 0
                    && let Some(outbound) = federate
                {
                    enqueue_outbound!(tx, outbound, now);
                }
                tx.commit().await?;
                done
            }),
            "INSERT INTO favourites (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id, status_id) DO NOTHING",
            "INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id, status_id) DO NOTHING",
            "INSERT INTO status_pins (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id, status_id) DO NOTHING"
        );
        Ok(done > 0)
    }

    /// Removes a mark (and the notification of a favourite). Returns whether there was
    /// one.
    /// `federate` (its `Undo`) is enqueued in the same transaction when there was one.
    pub async fn unmark(
        &self,
        mark: Mark,
        account: Id,
        status: Id,
        federate: Option<&crate::Outbound>,
    ) -> Result<bool, StoreError> {
        let done = per_mark!(
            mark,
            |sql| with_db!(self, db => {
                let mut tx = db.begin_write().await?;
                let done = sqlx::query(sql)
                    .bind(account.as_i64())
                    .bind(status.as_i64())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if done > 0 && mark == Mark::Favourite {
                    let author: i64 = sqlx::query_scalar("SELECT account_id FROM statuses WHERE id = $1")
                        .bind(status.as_i64())
                        .fetch_one(&mut *tx)
                        .await?;
                    unnotify!(tx, author, account.as_i64(), NotificationKind::Favourite, Some(status.as_i64()));
                }
                if done > 0
                    && let Some(outbound) = federate
                {
                    enqueue_outbound!(tx, outbound, Timestamp::now());
                }
                tx.commit().await?;
                done
            }),
            "DELETE FROM favourites WHERE account_id = $1 AND status_id = $2",
            "DELETE FROM bookmarks WHERE account_id = $1 AND status_id = $2",
            "DELETE FROM status_pins WHERE account_id = $1 AND status_id = $2"
        );
        Ok(done > 0)
    }

    /// Which of `statuses` the account has marked.
    pub async fn marked_among(
        &self,
        mark: Mark,
        account: Id,
        statuses: &[Id],
    ) -> Result<Vec<Id>, StoreError> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<CursorRow> = per_mark!(
            mark,
            |prefix| with_db!(self, db => {
                let mut builder = sqlx::QueryBuilder::new(prefix);
                builder.push_bind(account.as_i64()).push(" AND status_id IN (");
                {
                    let mut list = builder.separated(", ");
                    for id in statuses {
                        list.push_bind(id.as_i64());
                    }
                }
                builder.push(")");
                builder.build_query_as::<CursorRow>().fetch_all(db).await?
            }),
            "SELECT id AS cursor, status_id FROM favourites WHERE account_id = ",
            "SELECT id AS cursor, status_id FROM bookmarks WHERE account_id = ",
            "SELECT id AS cursor, status_id FROM status_pins WHERE account_id = "
        );
        Ok(rows
            .into_iter()
            .map(|r| Id::from_i64(r.status_id))
            .collect())
    }

    /// The account's marked posts, most recently marked first, as `(mark id, post)`;
    /// pages by mark id.
    pub async fn marked_statuses(
        &self,
        mark: Mark,
        account: Id,
        page: Page,
    ) -> Result<Vec<(Id, Id)>, StoreError> {
        macro_rules! sql {
            ($table:literal, $order:literal) => {
                concat!(
                    "SELECT id AS cursor, status_id FROM ",
                    $table,
                    " WHERE account_id = $1 AND ($2 IS NULL OR id < $2) AND ($3 IS NULL OR id > $3) \
                     ORDER BY id ",
                    $order,
                    " LIMIT $4"
                )
            };
        }
        let ascending = page.min_id.is_some();
        let mut rows: Vec<CursorRow> = per_mark!(
            mark,
            |sql| with_db!(self, db => {
                sqlx::query_as(sql)
                    .bind(account.as_i64())
                    .bind(page.max_id.map(Id::as_i64))
                    .bind(page.min_id.or(page.since_id).map(Id::as_i64))
                    .bind(i64::from(page.limit))
                    .fetch_all(db)
                    .await?
            }),
            if ascending {
                sql!("favourites", "ASC")
            } else {
                sql!("favourites", "DESC")
            },
            if ascending {
                sql!("bookmarks", "ASC")
            } else {
                sql!("bookmarks", "DESC")
            },
            if ascending {
                sql!("status_pins", "ASC")
            } else {
                sql!("status_pins", "DESC")
            }
        );
        if ascending {
            rows.reverse();
        }
        Ok(rows
            .into_iter()
            .map(|r| (Id::from_i64(r.cursor), Id::from_i64(r.status_id)))
            .collect())
    }

    /// The account's pinned posts that `viewer` (`None`: anonymous, and other servers)
    /// may see, most recently pinned first, at most `limit`.
    pub async fn pinned_statuses(
        &self,
        account: Id,
        viewer: Option<Id>,
        limit: u32,
    ) -> Result<Vec<Id>, StoreError> {
        let ids: Vec<i64> = with_db!(self, db => {
            sqlx::query_scalar(concat!(
                "SELECT s.id FROM status_pins p JOIN statuses s ON s.id = p.status_id \
                 WHERE p.account_id = $2 AND s.account_id = $2 AND ",
                visible_to_viewer!(),
                " ORDER BY p.id DESC LIMIT $3"
            ))
            .bind(viewer.map(Id::as_i64))
            .bind(account.as_i64())
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
        });
        Ok(ids.into_iter().map(Id::from_i64).collect())
    }

    /// How many posts the account has pinned.
    pub async fn count_pins(&self, account: Id) -> Result<u64, StoreError> {
        let count: i64 = with_db!(self, db => {
            sqlx::query_scalar("SELECT COUNT(*) FROM status_pins WHERE account_id = $1")
                .bind(account.as_i64())
                .fetch_one(db)
                .await?
        });
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Boosts `original` for `account`; boosting twice returns the first boost. `uri` is
    /// the `Announce` id of a remote account's boost (`None` for members).
    pub async fn reblog(
        &self,
        account: Id,
        original: Id,
        visibility: Visibility,
        uri: Option<&str>,
        now: Timestamp,
        federate: impl FnOnce(Id) -> Option<crate::Outbound>,
    ) -> Result<Created, StoreError> {
        let id = Id::generate(now);
        let created = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM statuses WHERE account_id = $1 AND reblog_of_id = $2",
            )
            .bind(account.as_i64())
            .bind(original.as_i64())
            .fetch_optional(&mut *tx)
            .await?;
            let created = match existing {
                Some(existing) => Created::Existing(Id::from_i64(existing)),
                None => {
                    // A boost of a local-only post is local-only.
                    sqlx::query(
                        "INSERT INTO statuses (id, account_id, reblog_of_id, visibility, local, \
                         created_at, uri, local_only) \
                         SELECT $1, $2, $3, $4, $6 IS NULL, $5, $6, o.local_only \
                         FROM statuses o WHERE o.id = $3",
                    )
                    .bind(id.as_i64())
                    .bind(account.as_i64())
                    .bind(original.as_i64())
                    .bind(visibility.as_str())
                    .bind(now.as_millis())
                    .bind(uri)
                    .execute(&mut *tx)
                    .await?;
                    let (author, local_only): (i64, bool) = sqlx::query_as(
                        "SELECT account_id, local_only FROM statuses WHERE id = $1",
                    )
                    .bind(original.as_i64())
                    .fetch_one(&mut *tx)
                    .await?;
                    notify!(tx, author, account.as_i64(), NotificationKind::Reblog, Some(original.as_i64()), now);
                    if !local_only && let Some(outbound) = federate(id) {
                        enqueue_outbound!(tx, &outbound, now);
                    }
                    Created::New(id)
                }
            };
            tx.commit().await?;
            created
        });
        Ok(created)
    }

    /// `account`'s boost of `original`, if any.
    pub async fn boost_of(
        &self,
        account: Id,
        original: Id,
    ) -> Result<Option<hamlet_core::status::Status>, StoreError> {
        let id: Option<i64> = with_db!(self, db => {
            sqlx::query_scalar("SELECT id FROM statuses WHERE account_id = $1 AND reblog_of_id = $2")
                .bind(account.as_i64())
                .bind(original.as_i64())
                .fetch_optional(db)
                .await?
        });
        match id {
            Some(id) => self.status_by_id(Id::from_i64(id)).await,
            None => Ok(None),
        }
    }

    /// Undoes `account`'s boost of `original`. Returns whether there was one.
    /// `federate` (the boost's `Undo`) is enqueued in the same transaction when there was
    /// a boost.
    pub async fn unreblog(
        &self,
        account: Id,
        original: Id,
        federate: Option<&crate::Outbound>,
    ) -> Result<bool, StoreError> {
        let done = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            // A local-only boost has no deliveries to undo.
            let removed: Option<bool> = sqlx::query_scalar(
                "DELETE FROM statuses WHERE account_id = $1 AND reblog_of_id = $2 \
                 RETURNING local_only",
            )
            .bind(account.as_i64())
            .bind(original.as_i64())
            .fetch_optional(&mut *tx)
            .await?;
            let done = removed.is_some();
            if let Some(local_only) = removed {
                let author: i64 = sqlx::query_scalar("SELECT account_id FROM statuses WHERE id = $1")
                    .bind(original.as_i64())
                    .fetch_one(&mut *tx)
                    .await?;
                unnotify!(tx, author, account.as_i64(), NotificationKind::Reblog, Some(original.as_i64()));
                if !local_only && let Some(outbound) = federate {
                    enqueue_outbound!(tx, outbound, Timestamp::now());
                }
            }
            tx.commit().await?;
            done
        });
        Ok(done)
    }

    /// Accounts that favourited (`Mark::Favourite`) or boosted (`None`) a post, newest
    /// first, paged by the favourite's or boost's id.
    pub async fn who_marked(
        &self,
        mark: Option<Mark>,
        status: Id,
        page: Page,
    ) -> Result<Vec<Listed>, StoreError> {
        macro_rules! sql {
            ($from:literal, $order:literal) => {
                concat!(
                    "SELECT r.id AS cursor, ",
                    account_columns!(),
                    " FROM ",
                    $from,
                    " AND ($2 IS NULL OR r.id < $2) AND ($3 IS NULL OR r.id > $3) ORDER BY r.id ",
                    $order,
                    " LIMIT $4"
                )
            };
        }
        let ascending = page.min_id.is_some();
        let sql = match (mark, ascending) {
            (None, false) => sql!(
                "statuses r JOIN accounts a ON a.id = r.account_id WHERE r.reblog_of_id = $1",
                "DESC"
            ),
            (None, true) => sql!(
                "statuses r JOIN accounts a ON a.id = r.account_id WHERE r.reblog_of_id = $1",
                "ASC"
            ),
            (Some(_), false) => sql!(
                "favourites r JOIN accounts a ON a.id = r.account_id WHERE r.status_id = $1",
                "DESC"
            ),
            (Some(_), true) => sql!(
                "favourites r JOIN accounts a ON a.id = r.account_id WHERE r.status_id = $1",
                "ASC"
            ),
        };
        let mut rows: Vec<ListedRow> = with_db!(self, db => {
            sqlx::query_as(sql)
                .bind(status.as_i64())
                .bind(page.max_id.map(Id::as_i64))
                .bind(page.min_id.or(page.since_id).map(Id::as_i64))
                .bind(i64::from(page.limit))
                .fetch_all(db)
                .await?
        });
        if ascending {
            rows.reverse();
        }
        rows.into_iter()
            .map(|row| {
                Ok(Listed {
                    cursor: Id::from_i64(row.cursor),
                    account: row.account.into_account()?,
                    expires_at: None,
                })
            })
            .collect()
    }
}
