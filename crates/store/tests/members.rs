//! Members: creation, uniqueness, sign-in lookups, roles, passwords, suspension, profiles.

use hamlet_core::account::{Language, ProfileField, ProfileUpdate};
use hamlet_core::keys::AccountKeys;
use hamlet_core::password::Password;
use hamlet_core::role::Role;
use hamlet_core::scope::Scopes;
use hamlet_core::username::Username;
use hamlet_core::visibility::Visibility;
use hamlet_core::{Timestamp, secret};
use hamlet_store::{MemberFilter, NewAccessToken, NewApplication, NewMember, Store, StoreError};
use hamlet_testkit::TestDb;

fn new_member(username: &str, role: Role, email: Option<&str>) -> NewMember {
    NewMember {
        username: Username::parse(username).unwrap(),
        password_hash: Password::parse("a good password").unwrap().hash(),
        role,
        email: email.map(str::to_owned),
        display_name: String::new(),
        keys: AccountKeys::generate(),
        created_at: Timestamp::now(),
    }
}

async fn token_for(store: &Store, account: hamlet_core::Id) -> String {
    let app = store
        .insert_application(NewApplication {
            client_id: secret::generate(),
            client_secret_digest: secret::digest("s"),
            name: "app".into(),
            website: None,
            redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
            scopes: Scopes::parse("read").unwrap(),
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    let token = secret::generate();
    store
        .insert_access_token(NewAccessToken {
            token_digest: secret::digest(&token),
            application_id: app.id,
            account_id: Some(account),
            authorization_code_digest: None,
            scopes: Scopes::parse("read").unwrap(),
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    token
}

#[tokio::test]
async fn creates_members_with_keys_and_finds_them_by_any_case() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let alice = store
        .insert_member(new_member("Alice", Role::Admin, Some("Alice@Example.com")))
        .await
        .unwrap();
    assert!(alice.account.is_local());
    assert_eq!(alice.account.username, "Alice");
    assert_eq!(alice.user.role, Role::Admin);
    assert!(
        alice
            .account
            .public_key_pem
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    assert_eq!(
        store.member_by_id(alice.account.id).await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store
            .member_by_username("aLiCe")
            .await
            .unwrap()
            .unwrap()
            .account
            .id,
        alice.account.id
    );
    let (by_email, hash) = store
        .member_credentials("alice@example.COM")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_email.account.id, alice.account.id);
    assert!(hash.verify("a good password"));
    assert!(store.member_credentials("ALICE").await.unwrap().is_some());
    assert!(store.member_credentials("bob").await.unwrap().is_none());
    assert_eq!(
        store
            .account_by_acct("ALICE", None)
            .await
            .unwrap()
            .unwrap()
            .id,
        alice.account.id
    );
    assert!(
        store
            .account_by_acct("alice", Some("elsewhere.example"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn usernames_and_emails_are_unique_regardless_of_case() {
    let db = TestDb::new().await;
    let store = db.store().await;
    store
        .insert_member(new_member("alice", Role::Member, Some("a@example.com")))
        .await
        .unwrap();
    match store
        .insert_member(new_member("ALICE", Role::Member, None))
        .await
    {
        Err(StoreError::Conflict(hamlet_store::Conflict::Username)) => {}
        other => panic!("expected a username conflict, got {other:?}"),
    }
    match store
        .insert_member(new_member("bob", Role::Member, Some("A@EXAMPLE.COM")))
        .await
    {
        Err(StoreError::Conflict(hamlet_store::Conflict::Email)) => {}
        other => panic!("expected an email conflict, got {other:?}"),
    }
    // A refused insert leaves nothing half-written.
    assert_eq!(store.count_members(None).await.unwrap(), 1);
    assert!(store.account_by_acct("bob", None).await.unwrap().is_none());
}

#[tokio::test]
async fn lists_and_counts_by_role_and_state() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let admin = store
        .insert_member(new_member("admin_1", Role::Admin, None))
        .await
        .unwrap();
    let moderator = store
        .insert_member(new_member("mod_1", Role::Moderator, None))
        .await
        .unwrap();
    store
        .insert_member(new_member("member_1", Role::Member, None))
        .await
        .unwrap();
    store
        .set_suspended(moderator.account.id, Some(Timestamp::now()))
        .await
        .unwrap();

    let all = store.list_members(MemberFilter::default()).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|m| m.account.username.as_str())
            .collect::<Vec<_>>(),
        ["admin_1", "mod_1", "member_1"]
    );
    let admins = store
        .list_members(MemberFilter {
            role: Some(Role::Admin),
            suspended: None,
        })
        .await
        .unwrap();
    assert_eq!(admins.len(), 1);
    assert_eq!(admins[0].account.id, admin.account.id);
    let suspended = store
        .list_members(MemberFilter {
            role: None,
            suspended: Some(true),
        })
        .await
        .unwrap();
    assert_eq!(suspended.len(), 1);
    assert_eq!(suspended[0].account.id, moderator.account.id);
    assert_eq!(store.count_members(Some(Role::Admin)).await.unwrap(), 1);
    assert_eq!(store.count_members(None).await.unwrap(), 3);
    assert_eq!(store.count_active_members().await.unwrap(), 2);
}

#[tokio::test]
async fn role_password_and_suspension_changes() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let alice = store
        .insert_member(new_member("alice", Role::Member, None))
        .await
        .unwrap();
    let id = alice.account.id;

    store.set_role(id, Role::Moderator).await.unwrap();
    assert_eq!(
        store.member_by_id(id).await.unwrap().unwrap().user.role,
        Role::Moderator
    );

    let token = token_for(&store, id).await;
    let new_hash = Password::parse("another password").unwrap().hash();
    store.set_password(id, &new_hash).await.unwrap();
    let (_, hash) = store.member_credentials("alice").await.unwrap().unwrap();
    assert!(hash.verify("another password"));
    assert!(
        store
            .access_token_by_digest(&secret::digest(&token))
            .await
            .unwrap()
            .is_none(),
        "changing the password must sign the member out"
    );

    let token = token_for(&store, id).await;
    store
        .set_suspended(id, Some(Timestamp::now()))
        .await
        .unwrap();
    assert!(
        store
            .member_by_id(id)
            .await
            .unwrap()
            .unwrap()
            .account
            .is_suspended()
    );
    assert!(
        store
            .access_token_by_digest(&secret::digest(&token))
            .await
            .unwrap()
            .is_none()
    );
    store.set_suspended(id, None).await.unwrap();
    assert!(
        !store
            .member_by_id(id)
            .await
            .unwrap()
            .unwrap()
            .account
            .is_suspended()
    );

    let missing = hamlet_core::Id::from_i64(42);
    assert!(matches!(
        store.set_role(missing, Role::Admin).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.set_suspended(missing, None).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn profile_updates_change_only_what_they_name() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let alice = store
        .insert_member(new_member("alice", Role::Member, None))
        .await
        .unwrap();
    let id = alice.account.id;
    let fields = vec![ProfileField {
        name: "a".into(),
        value: "b".into(),
    }];
    store
        .update_profile(
            id,
            &ProfileUpdate {
                display_name: Some("Alice".into()),
                note: Some("bio".into()),
                locked: Some(true),
                fields: Some(fields.clone()),
                privacy: Some(Visibility::Private),
                sensitive: Some(true),
                language: Some(Some(Language::parse("fr").unwrap())),
                ..ProfileUpdate::default()
            },
            Timestamp::now(),
            None,
        )
        .await
        .unwrap();
    store
        .update_profile(
            id,
            &ProfileUpdate {
                bot: Some(true),
                language: Some(None),
                ..ProfileUpdate::default()
            },
            Timestamp::now(),
            None,
        )
        .await
        .unwrap();
    let member = store.member_by_id(id).await.unwrap().unwrap();
    assert_eq!(member.account.display_name, "Alice");
    assert_eq!(member.account.note, "bio");
    assert!(member.account.locked);
    assert!(member.account.bot);
    assert_eq!(member.account.fields, fields);
    assert_eq!(member.user.defaults.privacy, Visibility::Private);
    assert!(member.user.defaults.sensitive);
    assert_eq!(member.user.defaults.language, None);
}
