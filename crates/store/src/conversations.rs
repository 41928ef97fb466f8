//! Direct-message conversations as each member sees them.

use hamlet_core::Id;

use crate::statuses::Page;
use crate::{Store, StoreError};

/// A member's view of one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: Id,
    pub last_status_id: Id,
    pub unread: bool,
}

#[derive(sqlx::FromRow)]
struct ConversationRow {
    conversation_id: i64,
    last_status_id: i64,
    unread: bool,
}

impl ConversationRow {
    fn into_conversation(self) -> Conversation {
        Conversation {
            id: Id::from_i64(self.conversation_id),
            last_status_id: Id::from_i64(self.last_status_id),
            unread: self.unread,
        }
    }
}

impl Store {
    /// The member's conversations, most recent message first, paged by that message.
    pub async fn conversations(
        &self,
        account: Id,
        page: Page,
    ) -> Result<Vec<Conversation>, StoreError> {
        macro_rules! sql {
            ($order:literal) => {
                concat!(
                    "SELECT conversation_id, last_status_id, unread FROM account_conversations \
                     WHERE account_id = $1 AND ($2 IS NULL OR last_status_id < $2) \
                     AND ($3 IS NULL OR last_status_id > $3) ORDER BY last_status_id ",
                    $order,
                    " LIMIT $4"
                )
            };
        }
        let ascending = page.min_id.is_some();
        let mut rows: Vec<ConversationRow> = with_db!(self, db => {
            let sql = if ascending { sql!("ASC") } else { sql!("DESC") };
            sqlx::query_as(sql)
                .bind(account.as_i64())
                .bind(page.max_id.map(Id::as_i64))
                .bind(page.min_id.or(page.since_id).map(Id::as_i64))
                .bind(i64::from(page.limit))
                .fetch_all(db)
                .await?
        });
        if ascending {
            rows.reverse();
        }
        Ok(rows
            .into_iter()
            .map(ConversationRow::into_conversation)
            .collect())
    }

    pub async fn conversation(
        &self,
        account: Id,
        id: Id,
    ) -> Result<Option<Conversation>, StoreError> {
        let row: Option<ConversationRow> = with_db!(self, db => {
            sqlx::query_as(
                "SELECT conversation_id, last_status_id, unread FROM account_conversations \
                 WHERE account_id = $1 AND conversation_id = $2",
            )
            .bind(account.as_i64())
            .bind(id.as_i64())
            .fetch_optional(db)
            .await?
        });
        Ok(row.map(ConversationRow::into_conversation))
    }

    /// Marks a conversation read. Returns whether the member has it.
    pub async fn read_conversation(&self, account: Id, id: Id) -> Result<bool, StoreError> {
        let done = with_db!(self, db => {
            sqlx::query(
                "UPDATE account_conversations SET unread = FALSE \
                 WHERE account_id = $1 AND conversation_id = $2",
            )
            .bind(account.as_i64())
            .bind(id.as_i64())
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }

    /// Removes a conversation from the member's list (a new message brings it back).
    pub async fn remove_conversation(&self, account: Id, id: Id) -> Result<bool, StoreError> {
        let done = with_db!(self, db => {
            sqlx::query(
                "DELETE FROM account_conversations WHERE account_id = $1 AND conversation_id = $2",
            )
            .bind(account.as_i64())
            .bind(id.as_i64())
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }
}
