//! Creating members, checking passwords and the first-admin setup link.

use std::time::Duration;

use hamlet_core::account::Member;
use hamlet_core::keys::AccountKeys;
use hamlet_core::password::{self, Password, PasswordHash};
use hamlet_core::role::Role;
use hamlet_core::username::Username;
use hamlet_core::{Timestamp, secret};
use hamlet_store::{FirstAdminError, NewMember, Store, StoreError};

/// How long a printed setup link stays valid.
pub const SETUP_LINK_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A member to create, already validated.
#[derive(Debug)]
pub struct MemberRequest {
    pub username: Username,
    pub password: Password,
    pub role: Role,
    pub email: Option<String>,
}

/// Hashes the password and generates the key pair on a blocking thread (both take tens
/// of milliseconds), then stores the member.
async fn prepare(request: MemberRequest) -> Result<NewMember, StoreError> {
    tokio::task::spawn_blocking(move || NewMember {
        password_hash: request.password.hash(),
        keys: AccountKeys::generate(),
        display_name: String::new(),
        username: request.username,
        role: request.role,
        email: request.email,
        created_at: Timestamp::now(),
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("member preparation panicked: {e}")))
}

pub async fn create_member(store: &Store, request: MemberRequest) -> Result<Member, StoreError> {
    let new = prepare(request).await?;
    store.insert_member(new).await
}

/// Hashes a new password on a blocking thread.
pub async fn hash_password(password: Password) -> PasswordHash {
    tokio::task::spawn_blocking(move || password.hash())
        .await
        .expect("password hashing does not panic")
}

/// The member whose username (or email) and password these are. Unknown logins cost as
/// much time as wrong passwords, so that timing does not reveal who is a member.
pub async fn check_password(
    store: &Store,
    login: &str,
    candidate: &str,
) -> Result<Option<Member>, StoreError> {
    let found = store.member_credentials(login).await?;
    let candidate = candidate.to_owned();
    tokio::task::spawn_blocking(move || match found {
        Some((member, hash)) => hash.verify(&candidate).then_some(member),
        None => {
            password::verify_against_nothing(&candidate);
            None
        }
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("password check panicked: {e}")))
}

/// While no admin exists, makes a new one-time setup link (replacing any earlier one) and
/// returns its secret token; `None` once an admin exists.
pub async fn issue_setup_link(store: &Store) -> Result<Option<String>, StoreError> {
    if store.count_members(Some(Role::Admin)).await? > 0 {
        return Ok(None);
    }
    let token = secret::generate();
    let now = Timestamp::now();
    store
        .replace_setup_link(&secret::digest(&token), now, now.plus(SETUP_LINK_LIFETIME))
        .await?;
    Ok(Some(token))
}

pub async fn create_first_admin(
    store: &Store,
    link_token: &str,
    username: Username,
    password: Password,
) -> Result<Member, FirstAdminError> {
    let new = prepare(MemberRequest {
        username,
        password,
        role: Role::Admin,
        email: None,
    })
    .await?;
    store
        .create_first_admin(&secret::digest(link_token), Timestamp::now(), new)
        .await
}

/// Changes a member's profile and posting defaults. When what others see changes, the
/// `Update` to followers' servers, built from the profile as it will be, is committed
/// with the change; posting defaults are nobody else's business.
pub async fn update_profile(
    state: &crate::AppState,
    member: &Member,
    update: &hamlet_core::account::ProfileUpdate,
) -> Result<(), crate::error::ApiError> {
    if update.is_empty() {
        return Ok(());
    }
    let now = hamlet_core::Timestamp::now();
    let federate = if update.changes_profile() {
        Some(
            state
                .federation
                .profile_update_outbound(&update.applied_to(&member.account, now))?,
        )
    } else {
        None
    };
    state
        .store
        .update_profile(member.account.id, update, now, federate.as_ref())
        .await?;
    if federate.is_some() {
        state.federation.delivery.wake();
    }
    Ok(())
}
