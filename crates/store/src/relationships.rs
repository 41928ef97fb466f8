//! Follows, follow requests, blocks and mutes between accounts.

use std::collections::HashMap;

use hamlet_core::account::Account;
use hamlet_core::notification::NotificationKind;
use hamlet_core::{Id, Timestamp};

use crate::accounts::AccountRow;
use crate::db::BeginWrite;
use crate::statuses::Page;
use crate::{Store, StoreError};

/// What following an account led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowOutcome {
    Following,
    /// The account is locked: a request awaits its approval.
    Requested,
}

/// How one account stands towards another, as Mastodon's `Relationship` tells it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relationship {
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub muting_expires_at: Option<Timestamp>,
    pub requested: bool,
    pub requested_by: bool,
}

/// An account in a list that pages by the id of the relation (follow, block, ...).
#[derive(Debug, Clone)]
pub struct Listed {
    pub cursor: Id,
    pub account: Account,
    /// For mutes: when the mute ends.
    pub expires_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    cursor: i64,
    expires_at: Option<i64>,
    #[sqlx(flatten)]
    account: AccountRow,
}

#[derive(sqlx::FromRow)]
struct RelationRow {
    kind: String,
    other: i64,
    flag_a: bool,
    flag_b: bool,
    expires_at: Option<i64>,
}

/// Which relation table a list reads, and from which side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Accounts following the given one.
    Followers,
    /// Accounts the given one follows.
    Following,
    /// Accounts asking to follow the given one.
    FollowRequests,
    /// Accounts the given one blocks.
    Blocks,
    /// Accounts the given one mutes (expired mutes excluded).
    Mutes,
}

impl Store {
    /// Follows `target`, or asks to when `locked`. Following again updates the options.
    /// `follow_uri` names the `Follow` activity behind it (ours to a remote account, or a
    /// remote account's to us), and `federate` (our `Follow`, or our `Accept` of theirs)
    /// is enqueued in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn follow(
        &self,
        follower: Id,
        target: Id,
        locked: bool,
        show_reblogs: bool,
        notify: bool,
        now: Timestamp,
        follow_uri: Option<&str>,
        federate: Option<&crate::Outbound>,
    ) -> Result<FollowOutcome, StoreError> {
        let outcome = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let updated = sqlx::query(
                "UPDATE follows SET show_reblogs = $3, notify = $4 \
                 WHERE account_id = $1 AND target_account_id = $2",
            )
            .bind(follower.as_i64())
            .bind(target.as_i64())
            .bind(show_reblogs)
            .bind(notify)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let outcome = if updated > 0 {
                FollowOutcome::Following
            } else if locked {
                sqlx::query(
                    "INSERT INTO follow_requests (id, account_id, target_account_id, show_reblogs, \
                     notify, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (account_id, target_account_id) \
                     DO UPDATE SET show_reblogs = $4, notify = $5",
                )
                .bind(Id::generate(now).as_i64())
                .bind(follower.as_i64())
                .bind(target.as_i64())
                .bind(show_reblogs)
                .bind(notify)
                .bind(now.as_millis())
                .execute(&mut *tx)
                .await?;
                // Asking again refreshes the one notification rather than adding one.
                unnotify!(tx, target.as_i64(), follower.as_i64(), NotificationKind::FollowRequest, None);
                notify!(tx, target.as_i64(), follower.as_i64(), NotificationKind::FollowRequest, None, now);
                FollowOutcome::Requested
            } else {
                sqlx::query(
                    "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (account_id, target_account_id) DO NOTHING",
                )
                .bind(Id::generate(now).as_i64())
                .bind(follower.as_i64())
                .bind(target.as_i64())
                .bind(show_reblogs)
                .bind(notify)
                .bind(now.as_millis())
                .execute(&mut *tx)
                .await?;
                notify!(tx, target.as_i64(), follower.as_i64(), NotificationKind::Follow, None, now);
                FollowOutcome::Following
            };
            if let Some(uri) = follow_uri {
                for sql in [
                    "UPDATE follows SET uri = $3 WHERE account_id = $1 AND target_account_id = $2",
                    "UPDATE follow_requests SET uri = $3 \
                     WHERE account_id = $1 AND target_account_id = $2",
                ] {
                    sqlx::query(sql)
                        .bind(follower.as_i64())
                        .bind(target.as_i64())
                        .bind(uri)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            if let Some(outbound) = federate {
                enqueue_outbound!(tx, outbound, now);
            }
            tx.commit().await?;
            outcome
        });
        Ok(outcome)
    }

    /// Stops following `target` and withdraws any pending request. `federate` (the
    /// `Undo` of the follow) is enqueued in the same transaction when there was one.
    pub async fn unfollow(
        &self,
        follower: Id,
        target: Id,
        federate: Option<&crate::Outbound>,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let mut removed = 0;
            for sql in [
                "DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2",
                "DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2",
            ] {
                removed += sqlx::query(sql)
                    .bind(follower.as_i64())
                    .bind(target.as_i64())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            if removed > 0
                && let Some(outbound) = federate
            {
                enqueue_outbound!(tx, outbound, Timestamp::now());
            }
            unnotify!(tx, target.as_i64(), follower.as_i64(), NotificationKind::Follow, None);
            unnotify!(tx, target.as_i64(), follower.as_i64(), NotificationKind::FollowRequest, None);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Turns `requester`'s pending request to follow `target` into a follow. Returns
    /// whether there was one.
    pub async fn authorize_follow_request(
        &self,
        target: Id,
        requester: Id,
        now: Timestamp,
        federate: Option<&crate::Outbound>,
    ) -> Result<bool, StoreError> {
        let found = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let request: Option<(bool, bool)> = sqlx::query_as(
                "DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2 \
                 RETURNING show_reblogs, notify",
            )
            .bind(requester.as_i64())
            .bind(target.as_i64())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((show_reblogs, notify)) = request {
                sqlx::query(
                    "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (account_id, target_account_id) DO NOTHING",
                )
                .bind(Id::generate(now).as_i64())
                .bind(requester.as_i64())
                .bind(target.as_i64())
                .bind(show_reblogs)
                .bind(notify)
                .bind(now.as_millis())
                .execute(&mut *tx)
                .await?;
                if let Some(outbound) = federate {
                    enqueue_outbound!(tx, outbound, now);
                }
            }
            unnotify!(tx, target.as_i64(), requester.as_i64(), NotificationKind::FollowRequest, None);
            tx.commit().await?;
            request.is_some()
        });
        Ok(found)
    }

    /// Declines `requester`'s pending request. Returns whether there was one.
    pub async fn reject_follow_request(
        &self,
        target: Id,
        requester: Id,
        federate: Option<&crate::Outbound>,
    ) -> Result<bool, StoreError> {
        let done = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let done = sqlx::query(
                "DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2",
            )
            .bind(requester.as_i64())
            .bind(target.as_i64())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done > 0
                && let Some(outbound) = federate
            {
                enqueue_outbound!(tx, outbound, Timestamp::now());
            }
            unnotify!(tx, target.as_i64(), requester.as_i64(), NotificationKind::FollowRequest, None);
            tx.commit().await?;
            done
        });
        Ok(done > 0)
    }

    /// How many accounts are waiting for `account` to answer their follow request.
    pub async fn count_follow_requests(&self, account: Id) -> Result<u64, StoreError> {
        let count: i64 = with_db!(self, db => {
            sqlx::query_scalar("SELECT COUNT(*) FROM follow_requests WHERE target_account_id = $1")
                .bind(account.as_i64())
                .fetch_one(db)
                .await?
        });
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Removes `blocker`'s block on `target`.
    pub async fn unblock(
        &self,
        blocker: Id,
        target: Id,
        federate: Option<&crate::Outbound>,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let removed = sqlx::query(
                "DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2",
            )
            .bind(blocker.as_i64())
            .bind(target.as_i64())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if removed > 0
                && let Some(outbound) = federate
            {
                enqueue_outbound!(tx, outbound, Timestamp::now());
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Mutes `target` for `muter`, until `expires_at` if given; muting again replaces the
    /// options.
    pub async fn mute(
        &self,
        muter: Id,
        target: Id,
        hide_notifications: bool,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            sqlx::query(
                "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, \
                 expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (account_id, target_account_id) \
                 DO UPDATE SET hide_notifications = $4, expires_at = $5",
            )
            .bind(Id::generate(now).as_i64())
            .bind(muter.as_i64())
            .bind(target.as_i64())
            .bind(hide_notifications)
            .bind(expires_at.map(Timestamp::as_millis))
            .bind(now.as_millis())
            .execute(db)
            .await?;
        });
        Ok(())
    }

    pub async fn unmute(&self, muter: Id, target: Id) -> Result<(), StoreError> {
        with_db!(self, db => {
            sqlx::query("DELETE FROM mutes WHERE account_id = $1 AND target_account_id = $2")
                .bind(muter.as_i64())
                .bind(target.as_i64())
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// How `viewer` stands towards each of `others`, in that order.
    pub async fn relationships(
        &self,
        viewer: Id,
        others: &[Id],
        now: Timestamp,
    ) -> Result<Vec<Relationship>, StoreError> {
        let mut found: HashMap<Id, Relationship> = HashMap::new();
        if !others.is_empty() {
            // One query: every relation touching the viewer and one of the others, tagged
            // with its kind and direction.
            let rows: Vec<RelationRow> = with_db!(self, db => {
                let mut builder = sqlx::QueryBuilder::new("WITH others (id) AS (VALUES ");
                {
                    let mut list = builder.separated(", ");
                    for id in others {
                        list.push("(");
                        list.push_bind_unseparated(id.as_i64());
                        list.push_unseparated(")");
                    }
                }
                builder.push(
                    "), me (id) AS (SELECT ",
                );
                builder.push_bind(viewer.as_i64());
                builder.push(
                    ") \
                     SELECT 'following' AS kind, target_account_id AS other, show_reblogs AS flag_a, notify AS flag_b, CAST(NULL AS BIGINT) AS expires_at \
                       FROM follows WHERE account_id = (SELECT id FROM me) AND target_account_id IN (SELECT id FROM others) \
                     UNION ALL SELECT 'followed_by', account_id, FALSE, FALSE, CAST(NULL AS BIGINT) \
                       FROM follows WHERE target_account_id = (SELECT id FROM me) AND account_id IN (SELECT id FROM others) \
                     UNION ALL SELECT 'requested', target_account_id, FALSE, FALSE, CAST(NULL AS BIGINT) \
                       FROM follow_requests WHERE account_id = (SELECT id FROM me) AND target_account_id IN (SELECT id FROM others) \
                     UNION ALL SELECT 'requested_by', account_id, FALSE, FALSE, CAST(NULL AS BIGINT) \
                       FROM follow_requests WHERE target_account_id = (SELECT id FROM me) AND account_id IN (SELECT id FROM others) \
                     UNION ALL SELECT 'blocking', target_account_id, FALSE, FALSE, CAST(NULL AS BIGINT) \
                       FROM blocks WHERE account_id = (SELECT id FROM me) AND target_account_id IN (SELECT id FROM others) \
                     UNION ALL SELECT 'blocked_by', account_id, FALSE, FALSE, CAST(NULL AS BIGINT) \
                       FROM blocks WHERE target_account_id = (SELECT id FROM me) AND account_id IN (SELECT id FROM others) \
                     UNION ALL SELECT 'muting', target_account_id, hide_notifications, FALSE, expires_at \
                       FROM mutes WHERE account_id = (SELECT id FROM me) AND target_account_id IN (SELECT id FROM others)",
                );
                builder.build_query_as::<RelationRow>().fetch_all(db).await?
            });
            for row in rows {
                let entry = found.entry(Id::from_i64(row.other)).or_default();
                match row.kind.as_str() {
                    "following" => {
                        entry.following = true;
                        entry.showing_reblogs = row.flag_a;
                        entry.notifying = row.flag_b;
                    }
                    "followed_by" => entry.followed_by = true,
                    "requested" => entry.requested = true,
                    "requested_by" => entry.requested_by = true,
                    "blocking" => entry.blocking = true,
                    "blocked_by" => entry.blocked_by = true,
                    "muting" => {
                        let expires_at = row.expires_at.map(Timestamp::from_millis);
                        if expires_at.is_none_or(|at| at > now) {
                            entry.muting = true;
                            entry.muting_notifications = row.flag_a;
                            entry.muting_expires_at = expires_at;
                        }
                    }
                    other => {
                        return Err(StoreError::Corrupt(format!("unknown relation {other}")));
                    }
                }
            }
        }
        Ok(others
            .iter()
            .map(|id| found.get(id).copied().unwrap_or_default())
            .collect())
    }

    /// A page of accounts related to `account`, newest relation first.
    pub async fn related_accounts(
        &self,
        account: Id,
        kind: ListKind,
        page: Page,
        now: Timestamp,
    ) -> Result<Vec<Listed>, StoreError> {
        macro_rules! list_sql {
            ($table:literal, $mine:literal, $theirs:literal, $extra:literal, $order:literal) => {
                concat!(
                    "SELECT r.id AS cursor, ",
                    $extra,
                    " AS expires_at, ",
                    account_columns!(),
                    " FROM ",
                    $table,
                    " r JOIN accounts a ON a.id = r.",
                    $theirs,
                    " WHERE r.",
                    $mine,
                    " = $1 AND ($2 IS NULL OR r.id < $2) AND ($3 IS NULL OR r.id > $3) \
                     ORDER BY r.id ",
                    $order,
                    " LIMIT $4"
                )
            };
        }
        macro_rules! pick {
            ($order:literal) => {
                match kind {
                    ListKind::Followers => list_sql!("follows", "target_account_id", "account_id", "CAST(NULL AS BIGINT)", $order),
                    ListKind::Following => list_sql!("follows", "account_id", "target_account_id", "CAST(NULL AS BIGINT)", $order),
                    ListKind::FollowRequests => list_sql!("follow_requests", "target_account_id", "account_id", "CAST(NULL AS BIGINT)", $order),
                    ListKind::Blocks => list_sql!("blocks", "account_id", "target_account_id", "CAST(NULL AS BIGINT)", $order),
                    ListKind::Mutes => concat!(
                        "SELECT r.id AS cursor, r.expires_at AS expires_at, ",
                        account_columns!(),
                        " FROM mutes r JOIN accounts a ON a.id = r.target_account_id \
                         WHERE r.account_id = $1 AND ($2 IS NULL OR r.id < $2) AND ($3 IS NULL OR r.id > $3) \
                         AND (r.expires_at IS NULL OR r.expires_at > $5) ORDER BY r.id ",
                        $order,
                        " LIMIT $4"
                    ),
                }
            };
        }
        let ascending = page.min_id.is_some();
        let mut rows: Vec<ListedRow> = with_db!(self, db => {
            let sql = if ascending { pick!("ASC") } else { pick!("DESC") };
            let query = sqlx::query_as(sql)
                .bind(account.as_i64())
                .bind(page.max_id.map(Id::as_i64))
                .bind(page.min_id.or(page.since_id).map(Id::as_i64))
                .bind(i64::from(page.limit));
            // Only the mutes list compares with the time (mutes expire).
            let query = if kind == ListKind::Mutes {
                query.bind(now.as_millis())
            } else {
                query
            };
            query.fetch_all(db).await?
        });
        if ascending {
            rows.reverse();
        }
        rows.into_iter()
            .map(|row| {
                Ok(Listed {
                    cursor: Id::from_i64(row.cursor),
                    expires_at: row.expires_at.map(Timestamp::from_millis),
                    account: row.account.into_account()?,
                })
            })
            .collect()
    }
}
