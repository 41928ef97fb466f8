//! Notifications and reading markers. Notifications are written by the store methods
//! whose change causes them, in the same transaction (see `notify!`).

use hamlet_core::notification::{Notification, NotificationKind};
use hamlet_core::{Id, Timestamp};

use crate::statuses::Page;
use crate::{Store, StoreError};

/// Which notifications to list.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    /// Only these kinds (all when empty).
    pub types: Vec<NotificationKind>,
    pub exclude_types: Vec<NotificationKind>,
    /// Only those caused by this account.
    pub from_account: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub last_read_id: Id,
    pub version: i64,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    kind: String,
    from_account_id: i64,
    status_id: Option<i64>,
    created_at: i64,
}

impl NotificationRow {
    fn into_notification(self) -> Result<Notification, StoreError> {
        Ok(Notification {
            id: Id::from_i64(self.id),
            kind: self
                .kind
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("notification {}: {e}", self.id)))?,
            from_account_id: Id::from_i64(self.from_account_id),
            status_id: self.status_id.map(Id::from_i64),
            created_at: Timestamp::from_millis(self.created_at),
        })
    }
}

/// Notifications from accounts the recipient (`$1`) blocks, or mutes with their
/// notifications, are not shown.
macro_rules! shown_to_recipient {
    () => {
        "NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $1 AND b.target_account_id = n.from_account_id) \
         AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = $1 \
             AND m.target_account_id = n.from_account_id AND m.hide_notifications \
             AND (m.expires_at IS NULL OR m.expires_at > $2))"
    };
}

impl Store {
    /// The recipient's notifications, newest first. The kinds are filtered after the
    /// query: a page may hold fewer than `limit` when many are excluded.
    pub async fn notifications(
        &self,
        recipient: Id,
        filter: &NotificationFilter,
        page: Page,
        now: Timestamp,
    ) -> Result<Vec<Notification>, StoreError> {
        macro_rules! sql {
            ($order:literal) => {
                concat!(
                    "SELECT n.id, n.type AS kind, n.from_account_id, n.status_id, n.created_at \
                     FROM notifications n WHERE n.account_id = $1 \
                     AND ($3 IS NULL OR n.id < $3) AND ($4 IS NULL OR n.id > $4) \
                     AND ($5 IS NULL OR n.from_account_id = $5) \
                     AND ($6 = '' OR $6 LIKE '%,' || n.type || ',%') \
                     AND $7 NOT LIKE '%,' || n.type || ',%' AND ",
                    shown_to_recipient!(),
                    " ORDER BY n.id ",
                    $order,
                    " LIMIT $8"
                )
            };
        }
        let list = |kinds: &[NotificationKind]| {
            if kinds.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                format!(",{},", names.join(","))
            }
        };
        let ascending = page.min_id.is_some();
        let mut rows: Vec<NotificationRow> = with_db!(self, db => {
            let sql = if ascending { sql!("ASC") } else { sql!("DESC") };
            sqlx::query_as(sql)
                .bind(recipient.as_i64())
                .bind(now.as_millis())
                .bind(page.max_id.map(Id::as_i64))
                .bind(page.min_id.or(page.since_id).map(Id::as_i64))
                .bind(filter.from_account.map(Id::as_i64))
                .bind(list(&filter.types))
                .bind(list(&filter.exclude_types))
                .bind(i64::from(page.limit))
                .fetch_all(db)
                .await?
        });
        if ascending {
            rows.reverse();
        }
        rows.into_iter()
            .map(NotificationRow::into_notification)
            .collect()
    }

    pub async fn notification(
        &self,
        recipient: Id,
        id: Id,
        now: Timestamp,
    ) -> Result<Option<Notification>, StoreError> {
        let row: Option<NotificationRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                "SELECT n.id, n.type AS kind, n.from_account_id, n.status_id, n.created_at \
                 FROM notifications n WHERE n.account_id = $1 AND n.id = $3 AND ",
                shown_to_recipient!()
            ))
            .bind(recipient.as_i64())
            .bind(now.as_millis())
            .bind(id.as_i64())
            .fetch_optional(db)
            .await?
        });
        row.map(NotificationRow::into_notification).transpose()
    }

    /// Dismisses one notification. Returns whether it existed.
    pub async fn dismiss_notification(&self, recipient: Id, id: Id) -> Result<bool, StoreError> {
        let done = with_db!(self, db => {
            sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND id = $2")
                .bind(recipient.as_i64())
                .bind(id.as_i64())
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }

    pub async fn clear_notifications(&self, recipient: Id) -> Result<(), StoreError> {
        with_db!(self, db => {
            sqlx::query("DELETE FROM notifications WHERE account_id = $1")
                .bind(recipient.as_i64())
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// The member's markers, by timeline name (`home`, `notifications`).
    pub async fn markers(&self, account: Id) -> Result<Vec<(String, Marker)>, StoreError> {
        let rows: Vec<(String, i64, i64, i64)> = with_db!(self, db => {
            sqlx::query_as(
                "SELECT timeline, last_read_id, version, updated_at FROM markers \
                 WHERE account_id = $1 ORDER BY timeline",
            )
            .bind(account.as_i64())
            .fetch_all(db)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(timeline, last_read_id, version, updated_at)| {
                (
                    timeline,
                    Marker {
                        last_read_id: Id::from_i64(last_read_id),
                        version,
                        updated_at: Timestamp::from_millis(updated_at),
                    },
                )
            })
            .collect())
    }

    /// Moves a marker (`timeline` is `home` or `notifications`), bumping its version.
    pub async fn set_marker(
        &self,
        account: Id,
        timeline: &str,
        last_read_id: Id,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            sqlx::query(
                "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at) \
                 VALUES ($1, $2, $3, 1, $4) ON CONFLICT (account_id, timeline) \
                 DO UPDATE SET last_read_id = $3, version = markers.version + 1, updated_at = $4",
            )
            .bind(account.as_i64())
            .bind(timeline)
            .bind(last_read_id.as_i64())
            .bind(now.as_millis())
            .execute(db)
            .await?;
        });
        Ok(())
    }
}
