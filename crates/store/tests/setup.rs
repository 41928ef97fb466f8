//! The first-admin link works once, only while no admin exists, and only until it expires.

use std::time::Duration;

use hamlet_core::keys::AccountKeys;
use hamlet_core::password::Password;
use hamlet_core::role::Role;
use hamlet_core::username::Username;
use hamlet_core::{Timestamp, secret};
use hamlet_store::{FirstAdminError, NewMember};
use hamlet_testkit::TestDb;

fn admin(username: &str) -> NewMember {
    NewMember {
        username: Username::parse(username).unwrap(),
        password_hash: Password::parse("a good password").unwrap().hash(),
        role: Role::Admin,
        email: None,
        display_name: String::new(),
        keys: AccountKeys::generate(),
        created_at: Timestamp::now(),
    }
}

const DAY: Duration = Duration::from_secs(86_400);

#[tokio::test]
async fn a_setup_link_creates_one_admin_once() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let now = Timestamp::now();
    store
        .replace_setup_link(&secret::digest("old"), now, now.plus(DAY))
        .await
        .unwrap();
    store
        .replace_setup_link(&secret::digest("new"), now, now.plus(DAY))
        .await
        .unwrap();
    assert!(
        !store
            .setup_link_is_valid(&secret::digest("old"), now)
            .await
            .unwrap()
    );
    assert!(
        store
            .setup_link_is_valid(&secret::digest("new"), now)
            .await
            .unwrap()
    );
    assert!(matches!(
        store
            .create_first_admin(&secret::digest("old"), now, admin("first"))
            .await,
        Err(FirstAdminError::InvalidLink)
    ));
    let created = store
        .create_first_admin(&secret::digest("new"), now, admin("first"))
        .await
        .unwrap();
    assert_eq!(created.user.role, Role::Admin);
    assert!(matches!(
        store
            .create_first_admin(&secret::digest("new"), now, admin("second"))
            .await,
        Err(FirstAdminError::InvalidLink)
    ));
    assert!(
        !store
            .setup_link_is_valid(&secret::digest("new"), now)
            .await
            .unwrap()
    );
    assert_eq!(store.count_members(Some(Role::Admin)).await.unwrap(), 1);
}

#[tokio::test]
async fn an_expired_link_or_an_existing_admin_refuses() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let now = Timestamp::now();
    store
        .replace_setup_link(&secret::digest("link"), now, now.plus(DAY))
        .await
        .unwrap();
    let later = now.plus(DAY * 2);
    assert!(
        !store
            .setup_link_is_valid(&secret::digest("link"), later)
            .await
            .unwrap()
    );
    assert!(matches!(
        store
            .create_first_admin(&secret::digest("link"), later, admin("late"))
            .await,
        Err(FirstAdminError::InvalidLink)
    ));
    store.insert_member(admin("existing")).await.unwrap();
    assert!(
        !store
            .setup_link_is_valid(&secret::digest("link"), now)
            .await
            .unwrap()
    );
    assert!(matches!(
        store
            .create_first_admin(&secret::digest("link"), now, admin("another"))
            .await,
        Err(FirstAdminError::InvalidLink)
    ));
    assert_eq!(store.count_members(Some(Role::Admin)).await.unwrap(), 1);
}

#[tokio::test]
async fn a_taken_username_keeps_the_link_usable() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let now = Timestamp::now();
    let mut member = admin("taken");
    member.role = Role::Member;
    store.insert_member(member).await.unwrap();
    store
        .replace_setup_link(&secret::digest("link"), now, now.plus(DAY))
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_first_admin(&secret::digest("link"), now, admin("TAKEN"))
            .await,
        Err(FirstAdminError::Store(hamlet_store::StoreError::Conflict(
            _
        )))
    ));
    // The failed attempt rolled back, so the link still works.
    store
        .create_first_admin(&secret::digest("link"), now, admin("boss"))
        .await
        .unwrap();
}
