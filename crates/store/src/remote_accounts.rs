//! Remote actors: stored beside local members in `accounts` (with `domain` set), with
//! what federation needs to reach them and to check what they sign.

use hamlet_core::account::{Account, ProfileField};
use hamlet_core::{Id, Timestamp};

use crate::accounts::AccountRow;
use crate::db::BeginWrite;
use crate::{Store, StoreError};

/// A remote actor as its server describes it, already validated and sanitized by the
/// caller. Written whole: every fetch replaces what the previous one stored.
#[derive(Clone, Debug)]
pub struct RemoteAccountUpsert {
    pub uri: String,
    pub username: String,
    pub domain: String,
    pub actor_type: String,
    pub display_name: String,
    /// Sanitized HTML.
    pub note: String,
    pub fields: Vec<ProfileField>,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub public_key_pem: String,
    pub key_id: String,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub featured_url: Option<String>,
    pub url: Option<String>,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub also_known_as: Vec<String>,
    pub created_at: Timestamp,
    pub fetched_at: Timestamp,
}

/// A remote account with its federation addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteAccount {
    pub account: Account,
    pub actor_type: Option<String>,
    pub key_id: Option<String>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub featured_url: Option<String>,
    pub fetched_at: Option<Timestamp>,
}

impl RemoteAccount {
    /// The actor id.
    pub fn uri(&self) -> &str {
        self.account
            .remote
            .as_ref()
            .map(|remote| remote.uri.as_str())
            .unwrap_or_default()
    }
}

#[derive(sqlx::FromRow)]
struct RemoteAccountRow {
    #[sqlx(flatten)]
    account: AccountRow,
    actor_type: Option<String>,
    key_id: Option<String>,
    inbox_url: Option<String>,
    shared_inbox_url: Option<String>,
    followers_url: Option<String>,
    featured_url: Option<String>,
    fetched_at: Option<i64>,
}

impl RemoteAccountRow {
    fn into_remote(self) -> Result<RemoteAccount, StoreError> {
        Ok(RemoteAccount {
            account: self.account.into_account()?,
            actor_type: self.actor_type,
            key_id: self.key_id,
            inbox_url: self.inbox_url,
            shared_inbox_url: self.shared_inbox_url,
            followers_url: self.followers_url,
            featured_url: self.featured_url,
            fetched_at: self.fetched_at.map(Timestamp::from_millis),
        })
    }
}

macro_rules! select_remote_accounts {
    () => {
        concat!(
            "SELECT ",
            account_columns!(),
            ", a.actor_type, a.key_id, a.inbox_url, a.shared_inbox_url, a.followers_url, \
             a.featured_url, a.fetched_at FROM accounts a "
        )
    };
}

impl Store {
    /// Stores what an actor document says, creating the account on first sight. An
    /// account already known by `uri` is updated in place (same id: follows, posts and
    /// notifications stay attached). If another actor id held the same `user@domain`
    /// handle, the handle now belongs to this one: the old row is taken over, as a
    /// reinstalled server reuses its users' names.
    pub async fn upsert_remote_account(
        &self,
        actor: &RemoteAccountUpsert,
    ) -> Result<RemoteAccount, StoreError> {
        let fields = serde_json::to_string(&actor.fields)
            .map_err(|e| StoreError::Corrupt(format!("profile fields: {e}")))?;
        let also_known_as = serde_json::to_string(&actor.also_known_as)
            .map_err(|e| StoreError::Corrupt(format!("alsoKnownAs: {e}")))?;
        let id: i64 = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM accounts WHERE uri = $1 \
                 UNION ALL \
                 SELECT id FROM accounts WHERE domain IS NOT NULL \
                   AND lower(username) = lower($2) AND lower(domain) = lower($3) \
                 LIMIT 1",
            )
            .bind(&actor.uri)
            .bind(&actor.username)
            .bind(&actor.domain)
            .fetch_optional(&mut *tx)
            .await?;
            let id = match existing {
                Some(id) => id,
                None => {
                    let id = Id::generate(actor.fetched_at).as_i64();
                    sqlx::query(
                        "INSERT INTO accounts (id, username, domain, public_key_pem, created_at, \
                         updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(&actor.username)
                    .bind(&actor.domain)
                    .bind(&actor.public_key_pem)
                    .bind(actor.created_at.as_millis())
                    .bind(actor.fetched_at.as_millis())
                    .execute(&mut *tx)
                    .await?;
                    id
                }
            };
            sqlx::query(
                "UPDATE accounts SET uri = $2, username = $3, domain = $4, display_name = $5, \
                 note = $6, fields = $7, locked = $8, bot = $9, discoverable = $10, \
                 indexable = $11, public_key_pem = $12, key_id = $13, inbox_url = $14, \
                 shared_inbox_url = $15, outbox_url = $16, followers_url = $17, \
                 following_url = $18, featured_url = $19, url = $20, avatar_remote_url = $21, \
                 header_remote_url = $22, also_known_as = $23, actor_type = $24, \
                 fetched_at = $25, updated_at = $25 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&actor.uri)
            .bind(&actor.username)
            .bind(&actor.domain)
            .bind(&actor.display_name)
            .bind(&actor.note)
            .bind(&fields)
            .bind(actor.locked)
            .bind(actor.bot)
            .bind(actor.discoverable)
            .bind(actor.indexable)
            .bind(&actor.public_key_pem)
            .bind(&actor.key_id)
            .bind(&actor.inbox_url)
            .bind(actor.shared_inbox_url.as_deref())
            .bind(actor.outbox_url.as_deref())
            .bind(actor.followers_url.as_deref())
            .bind(actor.following_url.as_deref())
            .bind(actor.featured_url.as_deref())
            .bind(actor.url.as_deref())
            .bind(actor.avatar_url.as_deref())
            .bind(actor.header_url.as_deref())
            .bind(&also_known_as)
            .bind(&actor.actor_type)
            .bind(actor.fetched_at.as_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        });
        self.remote_account_by_id(Id::from_i64(id))
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn remote_account_by_id(&self, id: Id) -> Result<Option<RemoteAccount>, StoreError> {
        let row: Option<RemoteAccountRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                select_remote_accounts!(),
                "WHERE a.id = $1 AND a.domain IS NOT NULL"
            ))
            .bind(id.as_i64())
            .fetch_optional(db)
            .await?
        });
        row.map(RemoteAccountRow::into_remote).transpose()
    }

    /// The remote account whose actor id is `uri`.
    pub async fn remote_account_by_uri(
        &self,
        uri: &str,
    ) -> Result<Option<RemoteAccount>, StoreError> {
        let row: Option<RemoteAccountRow> = with_db!(self, db => {
            sqlx::query_as(concat!(select_remote_accounts!(), "WHERE a.uri = $1"))
                .bind(uri)
                .fetch_optional(db)
                .await?
        });
        row.map(RemoteAccountRow::into_remote).transpose()
    }

    /// The remote account that signs with the key `key_id`.
    pub async fn remote_account_by_key_id(
        &self,
        key_id: &str,
    ) -> Result<Option<RemoteAccount>, StoreError> {
        let row: Option<RemoteAccountRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                select_remote_accounts!(),
                "WHERE a.key_id = $1 ORDER BY a.fetched_at DESC LIMIT 1"
            ))
            .bind(key_id)
            .fetch_optional(db)
            .await?
        });
        row.map(RemoteAccountRow::into_remote).transpose()
    }
}
