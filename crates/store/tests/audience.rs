//! The SQL form of the audience rule agrees with `hamlet_core::audience::may_view` in
//! every combination of visibility, relation and suspension, and the lists built on it
//! (threads, profiles, timelines) show exactly the posts the rule allows.

use hamlet_core::account::Member;
use hamlet_core::audience::{self, Relation, Viewer};
use hamlet_core::keys::AccountKeys;
use hamlet_core::password::Password;
use hamlet_core::role::Role;
use hamlet_core::username::Username;
use hamlet_core::visibility::Visibility;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{AccountStatusFilter, Created, NewStatus, Page, Store};
use hamlet_testkit::TestDb;

const VISIBILITIES: [Visibility; 4] = [
    Visibility::Public,
    Visibility::Unlisted,
    Visibility::Private,
    Visibility::Direct,
];

async fn member(store: &Store, name: &str) -> Member {
    store
        .insert_member(hamlet_store::NewMember {
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
}

fn post(
    author: Id,
    visibility: Visibility,
    mentions: Vec<Id>,
    reply_to: Option<(Id, Id)>,
) -> NewStatus {
    NewStatus {
        account_id: author,
        in_reply_to_id: reply_to.map(|(s, _)| s),
        in_reply_to_account_id: reply_to.map(|(_, a)| a),
        text: format!("{visibility:?}"),
        content: format!("<p>{visibility:?}</p>"),
        spoiler_text: String::new(),
        sensitive: false,
        visibility,
        language: None,
        mentions,
        tags: Vec::new(),
        idempotency_key: None,
        created_at: Timestamp::now(),
        remote: None,
        application_id: None,
        local_only: false,
        media_ids: Vec::new(),
        remote_media: Vec::new(),
    }
}

async fn create(store: &Store, new: NewStatus) -> Id {
    match store.insert_status(new).await.unwrap() {
        Created::New(id) => id,
        Created::Existing(id) => panic!("unexpected existing {id}"),
    }
}

#[tokio::test]
async fn sql_and_core_rules_agree_in_every_case() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let mut checked = 0;
    for combination in 0..16u8 {
        let relation = Relation {
            follows_author: combination & 1 != 0,
            mentioned: combination & 2 != 0,
            blocked_by_author: combination & 4 != 0,
        };
        let suspended = combination & 8 != 0;
        let author = member(&store, &format!("author{combination}")).await;
        let viewer = member(&store, &format!("viewer{combination}")).await;
        let (a, v) = (author.account.id, viewer.account.id);
        if relation.blocked_by_author {
            store
                .insert_block(a, v, Timestamp::now(), None)
                .await
                .unwrap();
        }
        if relation.follows_author {
            store.insert_follow(v, a, Timestamp::now()).await.unwrap();
        }
        let mut posts = Vec::new();
        for visibility in VISIBILITIES {
            for local_only in [false, true] {
                let mentions = if relation.mentioned {
                    vec![v]
                } else {
                    Vec::new()
                };
                let new = NewStatus {
                    local_only,
                    ..post(a, visibility, mentions, None)
                };
                posts.push((create(&store, new).await, visibility, local_only));
            }
        }
        if suspended {
            store
                .set_suspended(a, Some(Timestamp::now()))
                .await
                .unwrap();
        }
        let ids: Vec<Id> = posts.iter().map(|(id, _, _)| *id).collect();
        let viewers = [
            (None, Viewer::Anonymous),
            (Some(v), Viewer::Account { id: v, relation }),
            (
                Some(a),
                Viewer::Account {
                    id: a,
                    relation: Relation::default(),
                },
            ),
        ];
        for (viewer_id, core_viewer) in viewers {
            let visible = store.visible_among(viewer_id, &ids).await.unwrap();
            for (id, visibility, local_only) in &posts {
                let expected = audience::may_view(
                    &audience::Post {
                        author: a,
                        visibility: *visibility,
                        author_suspended: suspended,
                        local_only: *local_only,
                    },
                    &core_viewer,
                );
                assert_eq!(
                    visible.contains(id),
                    expected,
                    "{visibility:?} post (local-only: {local_only}), {core_viewer:?}, \
                     author suspended: {suspended}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 16 * 3 * 4 * 2);
}

#[tokio::test]
async fn lists_show_what_the_rule_allows_and_page_by_id() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let alice = member(&store, "alice").await.account.id;
    let bob = member(&store, "bob").await.account.id;
    let carol = member(&store, "carol").await.account.id;
    store
        .insert_follow(bob, alice, Timestamp::now())
        .await
        .unwrap();

    let public = create(&store, post(alice, Visibility::Public, vec![], None)).await;
    let unlisted = create(&store, post(alice, Visibility::Unlisted, vec![], None)).await;
    let private = create(&store, post(alice, Visibility::Private, vec![], None)).await;
    let direct = create(&store, post(alice, Visibility::Direct, vec![carol], None)).await;
    let reply = create(
        &store,
        post(bob, Visibility::Public, vec![alice], Some((public, alice))),
    )
    .await;
    let nested = create(
        &store,
        post(carol, Visibility::Private, vec![], Some((reply, bob))),
    )
    .await;
    let now = Timestamp::now();

    // Profiles.
    let all = AccountStatusFilter::default();
    assert_eq!(
        store
            .account_statuses(alice, None, all.clone(), Page::newest(20))
            .await
            .unwrap(),
        vec![unlisted, public]
    );
    assert_eq!(
        store
            .account_statuses(alice, Some(bob), all.clone(), Page::newest(20))
            .await
            .unwrap(),
        vec![private, unlisted, public]
    );
    assert_eq!(
        store
            .account_statuses(alice, Some(carol), all.clone(), Page::newest(20))
            .await
            .unwrap(),
        vec![direct, unlisted, public]
    );
    assert_eq!(
        store
            .account_statuses(alice, Some(alice), all.clone(), Page::newest(20))
            .await
            .unwrap(),
        vec![direct, private, unlisted, public]
    );
    let no_replies = AccountStatusFilter {
        exclude_replies: true,
        ..AccountStatusFilter::default()
    };
    assert!(
        store
            .account_statuses(bob, None, no_replies, Page::newest(20))
            .await
            .unwrap()
            .is_empty()
    );

    // Paging: max_id, since_id and min_id.
    let page = |max_id, since_id, min_id, limit| Page {
        max_id,
        since_id,
        min_id,
        limit,
    };
    let mine = |p| store.account_statuses(alice, Some(alice), AccountStatusFilter::default(), p);
    assert_eq!(
        mine(page(Some(private), None, None, 20)).await.unwrap(),
        vec![unlisted, public]
    );
    assert_eq!(
        mine(page(None, Some(public), None, 2)).await.unwrap(),
        vec![direct, private]
    );
    assert_eq!(
        mine(page(None, None, Some(public), 2)).await.unwrap(),
        vec![private, unlisted]
    );

    // Threads.
    assert_eq!(
        store.ancestors(nested, Some(carol), 40).await.unwrap(),
        vec![public, reply]
    );
    assert_eq!(
        store.descendants(public, None, 40, now).await.unwrap(),
        vec![reply]
    );
    assert_eq!(
        store
            .descendants(public, Some(carol), 40, now)
            .await
            .unwrap(),
        vec![reply, nested]
    );

    // Timelines.
    assert_eq!(
        store
            .public_timeline(None, Some(true), None, Page::newest(20), now)
            .await
            .unwrap(),
        vec![reply, public]
    );
    assert_eq!(
        store
            .public_timeline(None, Some(false), None, Page::newest(20), now)
            .await
            .unwrap(),
        Vec::<Id>::new()
    );
    assert_eq!(
        store
            .home_timeline(bob, Page::newest(20), now)
            .await
            .unwrap(),
        vec![reply, private, unlisted, public]
    );
    store.insert_block(bob, alice, now, None).await.unwrap();
    assert_eq!(
        store
            .home_timeline(bob, Page::newest(20), now)
            .await
            .unwrap(),
        vec![reply]
    );
    assert_eq!(
        store
            .public_timeline(Some(bob), None, None, Page::newest(20), now)
            .await
            .unwrap(),
        vec![reply]
    );
}

/// The home timeline leaves out, as Mastodon's `FeedManager#filter_from_home?` does,
/// posts by, boosts of posts by, and posts or boosts of posts mentioning an account the
/// reader blocks or mutes (a mute only while it lasts); the reader's own posts stay.
#[tokio::test]
async fn home_leaves_out_boosts_and_mentions_of_hidden_accounts() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let alice = member(&store, "alice").await.account.id;
    let bob = member(&store, "bob").await.account.id;
    let carol = member(&store, "carol").await.account.id;
    let dave = member(&store, "dave").await.account.id;
    let now = Timestamp::now();
    store.insert_follow(alice, bob, now).await.unwrap();

    let by_carol = create(&store, post(carol, Visibility::Public, vec![], None)).await;
    let boost = |original| {
        let store = &store;
        async move {
            match store
                .reblog(
                    bob,
                    original,
                    Visibility::Public,
                    None,
                    Timestamp::now(),
                    |_| None,
                )
                .await
                .unwrap()
            {
                Created::New(id) | Created::Existing(id) => id,
            }
        }
    };
    let boost_of_carol = boost(by_carol).await;
    let mentioning = create(&store, post(bob, Visibility::Public, vec![carol], None)).await;
    let dave_mentions = create(&store, post(dave, Visibility::Public, vec![carol], None)).await;
    let boost_of_mention = boost(dave_mentions).await;
    let plain = create(&store, post(bob, Visibility::Public, vec![], None)).await;
    let own = create(&store, post(alice, Visibility::Public, vec![carol], None)).await;

    let home = |at: Timestamp| store.home_timeline(alice, Page::newest(20), at);
    let everything = vec![own, plain, boost_of_mention, mentioning, boost_of_carol];
    assert_eq!(home(now).await.unwrap(), everything);

    store.insert_block(alice, carol, now, None).await.unwrap();
    assert_eq!(home(now).await.unwrap(), vec![own, plain]);
    store.unblock(alice, carol, None).await.unwrap();
    assert_eq!(home(now).await.unwrap(), everything);

    let until = now.plus(std::time::Duration::from_secs(3600));
    store
        .mute(alice, carol, true, Some(until), now)
        .await
        .unwrap();
    assert_eq!(home(now).await.unwrap(), vec![own, plain]);
    // Once the mute has run out, everything is back.
    let later = until.plus(std::time::Duration::from_secs(1));
    assert_eq!(home(later).await.unwrap(), everything);
    store.unmute(alice, carol).await.unwrap();

    // Muting the author of a boosted post hides the boost of it, and nothing else.
    store.mute(alice, dave, true, None, now).await.unwrap();
    assert_eq!(
        home(now).await.unwrap(),
        vec![own, plain, mentioning, boost_of_carol]
    );
}

#[tokio::test]
async fn a_post_remembers_the_application_it_was_written_with() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let alice = member(&store, "alice").await.account.id;
    let app = store
        .insert_application(hamlet_store::NewApplication {
            client_id: "client".into(),
            client_secret_digest: "digest".into(),
            name: "Quill".into(),
            website: Some("https://quill.example".into()),
            redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
            scopes: hamlet_core::scope::Scopes::parse("read write").unwrap(),
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    let with_app = create(
        &store,
        NewStatus {
            application_id: Some(app.id),
            ..post(alice, Visibility::Public, vec![], None)
        },
    )
    .await;
    let without = create(&store, post(alice, Visibility::Public, vec![], None)).await;
    let found = store
        .status_applications(&[with_app, without])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[&with_app],
        hamlet_store::StatusApplication {
            name: "Quill".into(),
            website: Some("https://quill.example".into()),
        }
    );
    assert!(store.status_applications(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn idempotency_keys_create_a_post_once_per_author() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let alice = member(&store, "alice").await.account.id;
    let bob = member(&store, "bob").await.account.id;
    let keyed = |author| NewStatus {
        idempotency_key: Some("k1".into()),
        ..post(author, Visibility::Public, vec![], None)
    };
    let first = create(&store, keyed(alice)).await;
    assert_eq!(
        store.insert_status(keyed(alice)).await.unwrap(),
        Created::Existing(first)
    );
    assert!(matches!(
        store.insert_status(keyed(bob)).await.unwrap(),
        Created::New(_)
    ));
}

#[tokio::test]
async fn posts_round_trip_with_mentions_tags_and_counts() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let alice = member(&store, "alice").await.account.id;
    let bob = member(&store, "bob").await.account.id;
    let mut new = post(alice, Visibility::Public, vec![bob], None);
    new.tags = vec!["Rust".into(), "hamlet".into()];
    let first = create(&store, new).await;
    let mut again = post(bob, Visibility::Public, vec![], Some((first, alice)));
    again.tags = vec!["rust".into()];
    let reply = create(&store, again).await;
    let status = store.status_by_id(first).await.unwrap().unwrap();
    assert_eq!(status.account_id, alice);
    assert!(status.local);
    assert_eq!(
        store.mentions_of(&[first]).await.unwrap(),
        vec![(first, bob)]
    );
    assert_eq!(
        store.tags_of(&[first, reply]).await.unwrap(),
        vec![
            (first, "Rust".to_owned()),
            (first, "hamlet".to_owned()),
            (reply, "Rust".to_owned())
        ]
    );
    assert_eq!(
        store.status_counts(&[first]).await.unwrap()[&first].replies,
        1
    );
    assert!(store.delete_status(first).await.unwrap());
    assert!(store.status_by_id(first).await.unwrap().is_none());
    let orphan = store.status_by_id(reply).await.unwrap().unwrap();
    assert_eq!(orphan.in_reply_to_id, None);
    assert!(!store.delete_status(first).await.unwrap());
}
