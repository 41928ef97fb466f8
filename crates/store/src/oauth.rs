//! OAuth 2 applications, authorization codes and access tokens. Secrets arrive here
//! already digested (see `hamlet_core::secret`); nothing in these tables is usable as a
//! credential on its own.

use hamlet_core::scope::Scopes;
use hamlet_core::{Id, Timestamp};

use crate::db::BeginWrite;
use crate::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: Id,
    pub client_id: String,
    pub client_secret_digest: String,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: Scopes,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub client_id: String,
    pub client_secret_digest: String,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: Scopes,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewAuthorizationCode {
    pub code_digest: String,
    pub application_id: Id,
    pub account_id: Id,
    pub redirect_uri: String,
    pub scopes: Scopes,
    /// The PKCE S256 challenge, when the client sent one.
    pub code_challenge: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub application_id: Id,
    pub account_id: Id,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub code_challenge: Option<String>,
    pub expires_at: Timestamp,
}

/// The outcome of presenting an authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRedemption {
    /// First use: the code is now spent.
    Redeemed(AuthorizationCode),
    /// The code was spent before. Every token issued for it has now been revoked, since
    /// a replayed code suggests it was intercepted.
    Replayed,
    Unknown,
}

#[derive(Debug, Clone)]
pub struct NewAccessToken {
    pub token_digest: String,
    pub application_id: Id,
    /// `None` for client-credentials tokens, which act for the application alone.
    pub account_id: Option<Id>,
    pub authorization_code_digest: Option<String>,
    pub scopes: Scopes,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub id: Id,
    pub application_id: Id,
    pub account_id: Option<Id>,
    pub scopes: Scopes,
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ApplicationRow {
    id: i64,
    client_id: String,
    client_secret_digest: String,
    name: String,
    website: Option<String>,
    redirect_uris: String,
    scopes: String,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    application_id: i64,
    account_id: i64,
    redirect_uri: String,
    scopes: String,
    code_challenge: Option<String>,
    expires_at: i64,
}

/// An application a member signed in to, as their settings list it.
#[derive(Clone, Debug)]
pub struct AuthorizedApplication {
    pub id: Id,
    pub name: String,
    pub website: Option<String>,
    /// The scopes of the newest grant.
    pub scopes: Scopes,
    pub authorized_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct AuthorizedRow {
    id: i64,
    name: String,
    website: Option<String>,
    scopes: String,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    application_id: i64,
    account_id: Option<i64>,
    scopes: String,
    created_at: i64,
}

fn parse_scopes(stored: &str) -> Result<Scopes, StoreError> {
    Scopes::parse(stored).map_err(|e| StoreError::Corrupt(format!("stored scopes: {e}")))
}

impl ApplicationRow {
    fn into_application(self) -> Result<Application, StoreError> {
        Ok(Application {
            id: Id::from_i64(self.id),
            client_id: self.client_id,
            client_secret_digest: self.client_secret_digest,
            name: self.name,
            website: self.website,
            redirect_uris: self.redirect_uris.lines().map(str::to_owned).collect(),
            scopes: parse_scopes(&self.scopes)?,
            created_at: Timestamp::from_millis(self.created_at),
        })
    }
}

impl TokenRow {
    fn into_token(self) -> Result<AccessToken, StoreError> {
        Ok(AccessToken {
            id: Id::from_i64(self.id),
            application_id: Id::from_i64(self.application_id),
            account_id: self.account_id.map(Id::from_i64),
            scopes: parse_scopes(&self.scopes)?,
            created_at: Timestamp::from_millis(self.created_at),
        })
    }
}

macro_rules! select_applications {
    () => {
        "SELECT id, client_id, client_secret_digest, name, website, redirect_uris, scopes, \
         created_at FROM oauth_applications "
    };
}

impl Store {
    pub async fn insert_application(&self, new: NewApplication) -> Result<Application, StoreError> {
        let id = Id::generate(new.created_at);
        with_db!(self, db => {
            sqlx::query(
                "INSERT INTO oauth_applications (id, client_id, client_secret_digest, name, \
                 website, redirect_uris, scopes, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.as_i64())
            .bind(&new.client_id)
            .bind(&new.client_secret_digest)
            .bind(&new.name)
            .bind(new.website.as_deref())
            .bind(new.redirect_uris.join("\n"))
            .bind(new.scopes.to_string())
            .bind(new.created_at.as_millis())
            .execute(db)
            .await?;
        });
        Ok(Application {
            id,
            client_id: new.client_id,
            client_secret_digest: new.client_secret_digest,
            name: new.name,
            website: new.website,
            redirect_uris: new.redirect_uris,
            scopes: new.scopes,
            created_at: new.created_at,
        })
    }

    pub async fn application_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<Application>, StoreError> {
        let row: Option<ApplicationRow> = with_db!(self, db => {
            sqlx::query_as(concat!(select_applications!(), "WHERE client_id = $1"))
                .bind(client_id).fetch_optional(db).await?
        });
        row.map(ApplicationRow::into_application).transpose()
    }

    pub async fn application_by_id(&self, id: Id) -> Result<Option<Application>, StoreError> {
        let row: Option<ApplicationRow> = with_db!(self, db => {
            sqlx::query_as(concat!(select_applications!(), "WHERE id = $1"))
                .bind(id.as_i64()).fetch_optional(db).await?
        });
        row.map(ApplicationRow::into_application).transpose()
    }

    pub async fn insert_authorization_code(
        &self,
        new: NewAuthorizationCode,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            sqlx::query(
                "INSERT INTO oauth_authorization_codes (code_digest, application_id, account_id, \
                 redirect_uri, scopes, code_challenge, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&new.code_digest)
            .bind(new.application_id.as_i64())
            .bind(new.account_id.as_i64())
            .bind(&new.redirect_uri)
            .bind(new.scopes.to_string())
            .bind(new.code_challenge.as_deref())
            .bind(new.created_at.as_millis())
            .bind(new.expires_at.as_millis())
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// Spends an authorization code. Spending is atomic: of two concurrent redemptions
    /// of one code, exactly one succeeds. A code presented again revokes what it issued.
    pub async fn redeem_authorization_code(
        &self,
        code_digest: &str,
        now: Timestamp,
    ) -> Result<CodeRedemption, StoreError> {
        let outcome = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let spent: Option<CodeRow> = sqlx::query_as(
                "UPDATE oauth_authorization_codes SET used_at = $2 \
                 WHERE code_digest = $1 AND used_at IS NULL \
                 RETURNING application_id, account_id, redirect_uri, scopes, code_challenge, \
                 expires_at",
            )
            .bind(code_digest)
            .bind(now.as_millis())
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match spent {
                Some(row) => Ok(row),
                None => {
                    let known: Option<i64> = sqlx::query_scalar(
                        "SELECT application_id FROM oauth_authorization_codes WHERE code_digest = $1",
                    )
                    .bind(code_digest)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if known.is_some() {
                        sqlx::query(
                            "DELETE FROM oauth_access_tokens WHERE authorization_code_digest = $1",
                        )
                        .bind(code_digest)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Err(known.is_some())
                }
            };
            tx.commit().await?;
            outcome
        });
        match outcome {
            Ok(row) => Ok(CodeRedemption::Redeemed(AuthorizationCode {
                application_id: Id::from_i64(row.application_id),
                account_id: Id::from_i64(row.account_id),
                redirect_uri: row.redirect_uri,
                scopes: parse_scopes(&row.scopes)?,
                code_challenge: row.code_challenge,
                expires_at: Timestamp::from_millis(row.expires_at),
            })),
            Err(true) => Ok(CodeRedemption::Replayed),
            Err(false) => Ok(CodeRedemption::Unknown),
        }
    }

    pub async fn insert_access_token(
        &self,
        new: NewAccessToken,
    ) -> Result<AccessToken, StoreError> {
        let id = Id::generate(new.created_at);
        with_db!(self, db => {
            sqlx::query(
                "INSERT INTO oauth_access_tokens (id, token_digest, application_id, account_id, \
                 authorization_code_digest, scopes, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id.as_i64())
            .bind(&new.token_digest)
            .bind(new.application_id.as_i64())
            .bind(new.account_id.map(Id::as_i64))
            .bind(new.authorization_code_digest.as_deref())
            .bind(new.scopes.to_string())
            .bind(new.created_at.as_millis())
            .execute(db)
            .await?;
        });
        Ok(AccessToken {
            id,
            application_id: new.application_id,
            account_id: new.account_id,
            scopes: new.scopes,
            created_at: new.created_at,
        })
    }

    pub async fn access_token_by_digest(
        &self,
        token_digest: &str,
    ) -> Result<Option<AccessToken>, StoreError> {
        let row: Option<TokenRow> = with_db!(self, db => {
            sqlx::query_as(
                "SELECT id, application_id, account_id, scopes, created_at \
                 FROM oauth_access_tokens WHERE token_digest = $1",
            )
            .bind(token_digest)
            .fetch_optional(db)
            .await?
        });
        row.map(TokenRow::into_token).transpose()
    }

    /// Revokes a token issued to `application_id`. Returns whether one was revoked.
    pub async fn revoke_access_token(
        &self,
        token_digest: &str,
        application_id: Id,
    ) -> Result<bool, StoreError> {
        let done = with_db!(self, db => {
            sqlx::query(
                "DELETE FROM oauth_access_tokens WHERE token_digest = $1 AND application_id = $2",
            )
            .bind(token_digest)
            .bind(application_id.as_i64())
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }

    /// The applications `account` has signed in to and not revoked, newest first, with
    /// the scopes and date of the newest grant.
    pub async fn authorized_applications(
        &self,
        account: Id,
    ) -> Result<Vec<AuthorizedApplication>, StoreError> {
        let rows: Vec<AuthorizedRow> = with_db!(self, db => {
            sqlx::query_as(
                "SELECT a.id, a.name, a.website, t.scopes, t.created_at \
                 FROM oauth_applications a \
                 JOIN oauth_access_tokens t ON t.application_id = a.id \
                 WHERE t.account_id = $1 AND t.id = ( \
                     SELECT max(n.id) FROM oauth_access_tokens n \
                     WHERE n.application_id = a.id AND n.account_id = $1) \
                 ORDER BY t.id DESC",
            )
            .bind(account.as_i64())
            .fetch_all(db)
            .await?
        });
        rows.into_iter()
            .map(|row| {
                Ok(AuthorizedApplication {
                    id: Id::from_i64(row.id),
                    name: row.name,
                    website: row.website,
                    scopes: parse_scopes(&row.scopes)?,
                    authorized_at: Timestamp::from_millis(row.created_at),
                })
            })
            .collect()
    }

    /// Ends every grant `account` gave `application`: its tokens and its unused
    /// authorization codes. Returns whether there was one.
    pub async fn revoke_application_for(
        &self,
        account: Id,
        application: Id,
    ) -> Result<bool, StoreError> {
        let revoked = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let tokens = sqlx::query(
                "DELETE FROM oauth_access_tokens WHERE account_id = $1 AND application_id = $2",
            )
            .bind(account.as_i64())
            .bind(application.as_i64())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let codes = sqlx::query(
                "DELETE FROM oauth_authorization_codes \
                 WHERE account_id = $1 AND application_id = $2",
            )
            .bind(account.as_i64())
            .bind(application.as_i64())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            tokens + codes
        });
        Ok(revoked > 0)
    }

    /// Forgets authorization codes that expired before `now`.
    pub async fn delete_expired_authorization_codes(
        &self,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let done = with_db!(self, db => {
            sqlx::query("DELETE FROM oauth_authorization_codes WHERE expires_at < $1")
                .bind(now.as_millis())
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done)
    }
}
