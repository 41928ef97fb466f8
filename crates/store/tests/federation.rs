//! Federation's own records: the instance actor's keys, members' signing keys, and the
//! usage figures NodeInfo publishes.

use hamlet_core::keys::AccountKeys;
use hamlet_core::password::Password;
use hamlet_core::role::Role;
use hamlet_core::username::Username;
use hamlet_core::visibility::Visibility;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{LocalUsage, NewMember, NewStatus, Store};
use hamlet_testkit::TestDb;

async fn member(store: &Store, name: &str) -> Id {
    store
        .insert_member(NewMember {
            username: Username::parse(name).unwrap(),
            password_hash: Password::parse("a good password").unwrap().hash(),
            role: Role::Member,
            email: None,
            display_name: String::new(),
            keys: AccountKeys::generate(),
            created_at: Timestamp::now(),
        })
        .await
        .unwrap()
        .account
        .id
}

fn post_at(author: Id, created_at: Timestamp) -> NewStatus {
    NewStatus {
        account_id: author,
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        text: "hello".into(),
        content: "<p>hello</p>".into(),
        spoiler_text: String::new(),
        sensitive: false,
        visibility: Visibility::Public,
        language: None,
        mentions: Vec::new(),
        tags: Vec::new(),
        idempotency_key: None,
        created_at,
        remote: None,
        application_id: None,
        local_only: false,
        media_ids: Vec::new(),
        remote_media: Vec::new(),
    }
}

#[tokio::test]
async fn instance_keys_are_created_once() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let first = store
        .instance_keys(AccountKeys::generate, Timestamp::now())
        .await
        .unwrap();
    assert!(first.private_key_pem.contains("BEGIN PRIVATE KEY"));
    let second = store
        .instance_keys(
            || panic!("keys exist: nothing to generate"),
            Timestamp::now(),
        )
        .await
        .unwrap();
    assert_eq!(first.public_key_pem, second.public_key_pem);
    assert_eq!(first.private_key_pem, second.private_key_pem);
}

#[tokio::test]
async fn members_sign_with_their_own_private_key() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let alice = member(&store, "alice").await;
    let key = store.local_signing_key(alice).await.unwrap().unwrap();
    assert!(key.private_key_pem.contains("BEGIN PRIVATE KEY"));
    assert!(
        store
            .local_signing_key(Id::generate(Timestamp::now()))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn usage_counts_members_and_recent_posters() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let now = Timestamp::now();
    let day = 24 * 60 * 60 * 1000;
    let alice = member(&store, "alice").await;
    let bob = member(&store, "bob").await;
    let _carol = member(&store, "carol").await;
    store.insert_status(post_at(alice, now)).await.unwrap();
    store.insert_status(post_at(alice, now)).await.unwrap();
    store
        .insert_status(post_at(
            bob,
            Timestamp::from_millis(now.as_millis() - 90 * day),
        ))
        .await
        .unwrap();
    assert_eq!(
        store.local_usage(now).await.unwrap(),
        LocalUsage {
            users_total: 3,
            users_active_month: 1,
            users_active_halfyear: 2,
            local_posts: 3,
        }
    );
}

fn remote_actor(uri: &str, username: &str, domain: &str) -> hamlet_store::RemoteAccountUpsert {
    hamlet_store::RemoteAccountUpsert {
        uri: uri.into(),
        username: username.into(),
        domain: domain.into(),
        actor_type: "Person".into(),
        display_name: "Remote Person".into(),
        note: "<p>hi</p>".into(),
        fields: Vec::new(),
        locked: false,
        bot: false,
        discoverable: true,
        indexable: false,
        public_key_pem: "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n".into(),
        key_id: format!("{uri}#main-key"),
        inbox_url: format!("{uri}/inbox"),
        shared_inbox_url: Some(format!("https://{domain}/inbox")),
        outbox_url: None,
        followers_url: Some(format!("{uri}/followers")),
        following_url: None,
        featured_url: None,
        url: Some(format!("https://{domain}/@{username}")),
        avatar_url: None,
        header_url: None,
        also_known_as: Vec::new(),
        created_at: Timestamp::now(),
        fetched_at: Timestamp::now(),
    }
}

#[tokio::test]
async fn remote_accounts_are_stored_once_and_updated_in_place() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let uri = "https://remote.example/users/bob";
    let first = store
        .upsert_remote_account(&remote_actor(uri, "bob", "remote.example"))
        .await
        .unwrap();
    assert_eq!(first.account.acct(), "bob@remote.example");
    assert_eq!(first.uri(), uri);
    assert_eq!(
        first.shared_inbox_url.as_deref(),
        Some("https://remote.example/inbox")
    );

    let mut changed = remote_actor(uri, "bob", "remote.example");
    changed.display_name = "Bob, renamed".into();
    changed.locked = true;
    let second = store.upsert_remote_account(&changed).await.unwrap();
    assert_eq!(second.account.id, first.account.id);
    assert_eq!(second.account.display_name, "Bob, renamed");
    assert!(second.account.locked);

    let by_key = store
        .remote_account_by_key_id(&format!("{uri}#main-key"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_key.account.id, first.account.id);
    let by_uri = store.remote_account_by_uri(uri).await.unwrap().unwrap();
    assert_eq!(by_uri, second);
    assert_eq!(
        store
            .remote_account_by_uri("https://remote.example/users/nobody")
            .await
            .unwrap(),
        None
    );

    // The same handle under a new actor id takes the old row over.
    let moved = store
        .upsert_remote_account(&remote_actor(
            "https://remote.example/ap/bob-new",
            "Bob",
            "remote.example",
        ))
        .await
        .unwrap();
    assert_eq!(moved.account.id, first.account.id);
    assert_eq!(moved.uri(), "https://remote.example/ap/bob-new");

    // A local member of the same name is another account.
    let alice_local = member(&store, "bob").await;
    assert_ne!(alice_local, first.account.id);
}

/// Transactions that read before they write must not fail while another connection
/// writes (on SQLite a deferred transaction upgrading to a writer gets SQLITE_BUSY at
/// once; write transactions take the lock up front instead).
#[tokio::test]
async fn concurrent_read_then_write_transactions_do_not_fail() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let alice = member(&store, "alice").await;
    let bob = member(&store, "bob").await;
    let post = match store
        .insert_status(post_at(alice, Timestamp::now()))
        .await
        .unwrap()
    {
        hamlet_store::Created::New(id) | hamlet_store::Created::Existing(id) => id,
    };
    let booster = {
        let store = store.clone();
        tokio::spawn(async move {
            for _ in 0..40 {
                store
                    .reblog(
                        bob,
                        post,
                        Visibility::Public,
                        None,
                        Timestamp::now(),
                        |_| None,
                    )
                    .await
                    .unwrap();
                store.unreblog(bob, post, None).await.unwrap();
            }
        })
    };
    let poster = {
        let store = store.clone();
        tokio::spawn(async move {
            for _ in 0..40 {
                store
                    .insert_status(post_at(alice, Timestamp::now()))
                    .await
                    .unwrap();
            }
        })
    };
    booster.await.unwrap();
    poster.await.unwrap();
}
