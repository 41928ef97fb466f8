//! Accounts and the members (local accounts with sign-in data) behind them.

use hamlet_core::account::{
    Account, Language, LocalUser, Member, PostingDefaults, ProfileField, ProfileUpdate, RemoteLinks,
};
use hamlet_core::keys::AccountKeys;
use hamlet_core::password::PasswordHash;
use hamlet_core::role::Role;
use hamlet_core::username::Username;
use hamlet_core::{Id, Timestamp};

use crate::db::BeginWrite;
use crate::{Store, StoreError};

/// Everything needed to create a local member. Slow work (hashing, key generation) is
/// done by the caller before the transaction opens.
#[derive(Debug)]
pub struct NewMember {
    pub username: Username,
    pub password_hash: PasswordHash,
    pub role: Role,
    pub email: Option<String>,
    pub display_name: String,
    pub keys: AccountKeys,
    pub created_at: Timestamp,
}

/// Which members to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemberFilter {
    pub role: Option<Role>,
    pub suspended: Option<bool>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: i64,
    username: String,
    domain: Option<String>,
    display_name: String,
    note: String,
    fields: String,
    locked: bool,
    bot: bool,
    discoverable: bool,
    indexable: bool,
    public_key_pem: String,
    created_at: i64,
    updated_at: i64,
    suspended_at: Option<i64>,
    uri: Option<String>,
    url: Option<String>,
    avatar_remote_url: Option<String>,
    header_remote_url: Option<String>,
    avatar_file: Option<String>,
    header_file: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    #[sqlx(flatten)]
    account: AccountRow,
    role: String,
    email: Option<String>,
    default_privacy: String,
    default_sensitive: bool,
    default_language: Option<String>,
    default_local_only: Option<bool>,
}

macro_rules! account_columns {
    () => {
        "a.id, a.username, a.domain, a.display_name, a.note, a.fields, a.locked, a.bot, \
         a.discoverable, a.indexable, a.public_key_pem, a.created_at, a.updated_at, \
         a.suspended_at, a.uri, a.url, a.avatar_remote_url, a.header_remote_url, \
         a.avatar_file, a.header_file"
    };
}

macro_rules! select_members {
    () => {
        concat!(
            "SELECT ",
            account_columns!(),
            ", u.role, u.email, u.default_privacy, u.default_sensitive, u.default_language, \
             u.default_local_only \
             FROM accounts a JOIN users u ON u.account_id = a.id "
        )
    };
}

/// Deletes every access token and pending authorization code of the account `$id`
/// inside the open transaction `$tx`.
macro_rules! revoke_all_grants {
    ($tx:expr, $id:expr) => {{
        for sql in [
            "DELETE FROM oauth_access_tokens WHERE account_id = $1",
            "DELETE FROM oauth_authorization_codes WHERE account_id = $1",
            "DELETE FROM web_sessions WHERE account_id = $1",
        ] {
            sqlx::query(sql)
                .bind($id.as_i64())
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

/// Inserts a member's two rows inside the open transaction `$tx`. A macro rather than a
/// function so that it expands once per engine inside `with_db!`.
macro_rules! insert_member_rows {
    ($tx:expr, $id:expr, $new:expr) => {{
        let new: &$crate::accounts::NewMember = $new;
        let now = new.created_at.as_millis();
        sqlx::query(
            "INSERT INTO accounts (id, username, domain, display_name, public_key_pem, \
             private_key_pem, created_at, updated_at) \
             VALUES ($1, $2, NULL, $3, $4, $5, $6, $6)",
        )
        .bind($id.as_i64())
        .bind(new.username.as_str())
        .bind(new.display_name.as_str())
        .bind(new.keys.public_key_pem.as_str())
        .bind(new.keys.private_key_pem.as_str())
        .bind(now)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO users (account_id, email, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($id.as_i64())
        .bind(new.email.as_deref())
        .bind(new.password_hash.as_str())
        .bind(new.role.as_str())
        .bind(now)
        .execute(&mut *$tx)
        .await?;
    }};
}

impl AccountRow {
    pub(crate) fn into_account(self) -> Result<Account, StoreError> {
        let fields: Vec<ProfileField> = serde_json::from_str(&self.fields)
            .map_err(|e| StoreError::Corrupt(format!("account {} fields: {e}", self.id)))?;
        Ok(Account {
            id: Id::from_i64(self.id),
            username: self.username,
            domain: self.domain,
            display_name: self.display_name,
            note: self.note,
            fields,
            locked: self.locked,
            bot: self.bot,
            discoverable: self.discoverable,
            indexable: self.indexable,
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
            suspended_at: self.suspended_at.map(Timestamp::from_millis),
            public_key_pem: self.public_key_pem,
            avatar_file: self.avatar_file,
            header_file: self.header_file,
            remote: self.uri.map(|uri| RemoteLinks {
                uri,
                url: self.url,
                avatar_url: self.avatar_remote_url,
                header_url: self.header_remote_url,
            }),
        })
    }
}

impl MemberRow {
    pub(crate) fn into_member(self) -> Result<Member, StoreError> {
        let id = self.account.id;
        let corrupt = |what: &str| StoreError::Corrupt(format!("user {id} {what}"));
        let role = self.role.parse().map_err(|_| corrupt("role"))?;
        let privacy = self
            .default_privacy
            .parse()
            .map_err(|_| corrupt("default_privacy"))?;
        let language = self
            .default_language
            .as_deref()
            .map(Language::parse)
            .transpose()
            .map_err(|_| corrupt("default_language"))?;
        Ok(Member {
            account: self.account.into_account()?,
            user: LocalUser {
                role,
                email: self.email,
                defaults: PostingDefaults {
                    privacy,
                    sensitive: self.default_sensitive,
                    language,
                    local_only: self.default_local_only,
                },
            },
        })
    }
}

impl Store {
    /// Creates a local account and its sign-in data in one transaction.
    pub async fn insert_member(&self, new: NewMember) -> Result<Member, StoreError> {
        let id = Id::generate(new.created_at);
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            insert_member_rows!(tx, id, &new);
            tx.commit().await?;
        });
        self.member_by_id(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn member_by_id(&self, id: Id) -> Result<Option<Member>, StoreError> {
        let row: Option<MemberRow> = with_db!(self, db => {
            sqlx::query_as(concat!(select_members!(), "WHERE a.id = $1"))
                .bind(id.as_i64())
                .fetch_optional(db)
                .await?
        });
        row.map(MemberRow::into_member).transpose()
    }

    /// The member with this username, compared without regard to case.
    pub async fn member_by_username(&self, username: &str) -> Result<Option<Member>, StoreError> {
        let row: Option<MemberRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                select_members!(),
                "WHERE lower(a.username) = lower($1) AND a.domain IS NULL"
            ))
            .bind(username)
            .fetch_optional(db)
            .await?
        });
        row.map(MemberRow::into_member).transpose()
    }

    /// The member whose username or email this is, with their password hash, for
    /// signing in.
    pub async fn member_credentials(
        &self,
        login: &str,
    ) -> Result<Option<(Member, PasswordHash)>, StoreError> {
        let row: Option<MemberRowWithHash> = with_db!(self, db => {
            sqlx::query_as(concat!(
                "SELECT ",
                account_columns!(),
                ", u.role, u.email, u.default_privacy, u.default_sensitive, \
                 u.default_language, u.default_local_only, u.password_hash \
                 FROM accounts a JOIN users u ON u.account_id = a.id \
                 WHERE (lower(a.username) = lower($1) AND a.domain IS NULL) \
                    OR lower(u.email) = lower($1)"
            ))
            .bind(login)
            .fetch_optional(db)
            .await?
        });
        row.map(|r| {
            Ok((
                r.member.into_member()?,
                PasswordHash::from_stored(r.password_hash),
            ))
        })
        .transpose()
    }

    /// Any account, local or remote.
    pub async fn account_by_id(&self, id: Id) -> Result<Option<Account>, StoreError> {
        let row: Option<AccountRow> = with_db!(self, db => {
            sqlx::query_as(concat!("SELECT ", account_columns!(), " FROM accounts a WHERE a.id = $1"))
                .bind(id.as_i64())
                .fetch_optional(db)
                .await?
        });
        row.map(AccountRow::into_account).transpose()
    }

    /// The account `username@domain` (`domain` `None` for local), ignoring case.
    pub async fn account_by_acct(
        &self,
        username: &str,
        domain: Option<&str>,
    ) -> Result<Option<Account>, StoreError> {
        let row: Option<AccountRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                "SELECT ",
                account_columns!(),
                " FROM accounts a WHERE lower(a.username) = lower($1) \
                 AND coalesce(a.domain, '') = lower($2)"
            ))
            .bind(username)
            .bind(domain.unwrap_or(""))
            .fetch_optional(db)
            .await?
        });
        row.map(AccountRow::into_account).transpose()
    }

    pub async fn list_members(&self, filter: MemberFilter) -> Result<Vec<Member>, StoreError> {
        let role = filter.role.map(|r| r.as_str());
        let rows: Vec<MemberRow> = with_db!(self, db => {
            sqlx::query_as(concat!(
                select_members!(),
                "WHERE ($1 IS NULL OR u.role = $1) \
                 AND ($2 IS NULL OR (a.suspended_at IS NOT NULL) = $2) \
                 ORDER BY a.id"
            ))
            .bind(role)
            .bind(filter.suspended)
            .fetch_all(db)
            .await?
        });
        rows.into_iter().map(MemberRow::into_member).collect()
    }

    pub async fn count_members(&self, role: Option<Role>) -> Result<i64, StoreError> {
        let count: i64 = with_db!(self, db => {
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE ($1 IS NULL OR role = $1)")
                .bind(role.map(|r| r.as_str()))
                .fetch_one(db)
                .await?
        });
        Ok(count)
    }

    /// Local members who are not suspended.
    pub async fn count_active_members(&self) -> Result<u64, StoreError> {
        let count: i64 = with_db!(self, db => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM users u JOIN accounts a ON a.id = u.account_id \
                 WHERE a.suspended_at IS NULL",
            )
            .fetch_one(db)
            .await?
        });
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub async fn set_role(&self, id: Id, role: Role) -> Result<(), StoreError> {
        let done = with_db!(self, db => {
            sqlx::query("UPDATE users SET role = $2 WHERE account_id = $1")
                .bind(id.as_i64())
                .bind(role.as_str())
                .execute(db)
                .await?
                .rows_affected()
        });
        found(done)
    }

    /// Replaces the password and, since whoever held the old one may hold tokens too,
    /// revokes every access token and pending authorization code of the member.
    pub async fn set_password(&self, id: Id, hash: &PasswordHash) -> Result<(), StoreError> {
        let done = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE account_id = $1")
                .bind(id.as_i64())
                .bind(hash.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            revoke_all_grants!(tx, id);
            tx.commit().await?;
            done
        });
        found(done)
    }

    /// Suspends (`Some(when)`) or unsuspends (`None`) an account. Suspending revokes the
    /// account's tokens and pending authorization codes so that it loses access at once.
    pub async fn set_suspended(&self, id: Id, at: Option<Timestamp>) -> Result<(), StoreError> {
        let done = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let done = sqlx::query("UPDATE accounts SET suspended_at = $2 WHERE id = $1")
                .bind(id.as_i64())
                .bind(at.map(Timestamp::as_millis))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if at.is_some() {
                revoke_all_grants!(tx, id);
            }
            tx.commit().await?;
            done
        });
        found(done)
    }

    /// Applies a validated profile change in one transaction.
    /// `federate` (the profile's `Update` to followers' servers) is enqueued in the same
    /// transaction.
    pub async fn update_profile(
        &self,
        id: Id,
        update: &ProfileUpdate,
        now: Timestamp,
        federate: Option<&crate::Outbound>,
    ) -> Result<(), StoreError> {
        let fields = update
            .fields
            .as_ref()
            .map(|f| serde_json::to_string(f).expect("profile fields serialize"));
        let (language_set, language) = match &update.language {
            None => (false, None),
            Some(lang) => (true, lang.as_ref().map(|l| l.as_str().to_owned())),
        };
        let (local_only_set, local_only) = match update.local_only {
            None => (false, None),
            Some(local_only) => (true, local_only),
        };
        let (avatar_set, avatar) = match &update.avatar_file {
            None => (false, None),
            Some(key) => (true, key.as_deref()),
        };
        let (header_set, header) = match &update.header_file {
            None => (false, None),
            Some(key) => (true, key.as_deref()),
        };
        let done = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let done = sqlx::query(
                "UPDATE accounts SET \
                 display_name = coalesce($2, display_name), \
                 note = coalesce($3, note), \
                 locked = coalesce($4, locked), \
                 bot = coalesce($5, bot), \
                 discoverable = coalesce($6, discoverable), \
                 indexable = coalesce($7, indexable), \
                 fields = coalesce($8, fields), \
                 updated_at = $9, \
                 avatar_file = CASE WHEN $10 THEN $11 ELSE avatar_file END, \
                 header_file = CASE WHEN $12 THEN $13 ELSE header_file END \
                 WHERE id = $1 AND domain IS NULL",
            )
            .bind(id.as_i64())
            .bind(update.display_name.as_deref())
            .bind(update.note.as_deref())
            .bind(update.locked)
            .bind(update.bot)
            .bind(update.discoverable)
            .bind(update.indexable)
            .bind(fields.as_deref())
            .bind(now.as_millis())
            .bind(avatar_set)
            .bind(avatar)
            .bind(header_set)
            .bind(header)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(
                "UPDATE users SET \
                 default_privacy = coalesce($2, default_privacy), \
                 default_sensitive = coalesce($3, default_sensitive), \
                 default_language = CASE WHEN $4 THEN $5 ELSE default_language END, \
                 default_local_only = CASE WHEN $6 THEN $7 ELSE default_local_only END \
                 WHERE account_id = $1",
            )
            .bind(id.as_i64())
            .bind(update.privacy.map(|p| p.as_str()))
            .bind(update.sensitive)
            .bind(language_set)
            .bind(language.as_deref())
            .bind(local_only_set)
            .bind(local_only)
            .execute(&mut *tx)
            .await?;
            if done > 0
                && let Some(outbound) = federate
            {
                enqueue_outbound!(tx, outbound, now);
            }
            tx.commit().await?;
            done
        });
        found(done)
    }
}

#[derive(sqlx::FromRow)]
struct MemberRowWithHash {
    #[sqlx(flatten)]
    member: MemberRow,
    password_hash: String,
}

fn found(rows_affected: u64) -> Result<(), StoreError> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
