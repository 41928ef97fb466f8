//! The delivery queue: inbox resolution at enqueue time, leases, retries, domain health,
//! and the clean-up of finished activities. Runs on SQLite and, with
//! HAMLET_TEST_DATABASE_URL set, on PostgreSQL.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use hamlet_core::keys::AccountKeys;
use hamlet_core::password::Password;
use hamlet_core::role::Role;
use hamlet_core::username::Username;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{ClaimedDelivery, DeliveryTargets, NewMember, Outbound, Store};
use hamlet_testkit::TestDb;

const LEASE: Duration = Duration::from_secs(60);

/// A raw connection for what the store has no API for (remote accounts with odd
/// fields). Tests only.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    async fn open(db: &TestDb) -> Raw {
        if db.is_postgres() {
            Raw::Postgres(sqlx::PgPool::connect(&db.url).await.unwrap())
        } else {
            Raw::Sqlite(sqlx::SqlitePool::connect(&db.url).await.unwrap())
        }
    }

    async fn exec(&self, sql: String) {
        let sql = sqlx::AssertSqlSafe(sql);
        match self {
            Raw::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(drop),
            Raw::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
        }
        .unwrap();
    }

    async fn close(self) {
        match self {
            Raw::Sqlite(pool) => pool.close().await,
            Raw::Postgres(pool) => pool.close().await,
        }
    }
}

struct Fixture {
    db: TestDb,
    store: Store,
    raw: Raw,
}

impl Fixture {
    async fn new() -> Fixture {
        let db = TestDb::new().await;
        let store = db.store().await;
        let raw = Raw::open(&db).await;
        Fixture { db, store, raw }
    }

    async fn finish(self) {
        self.raw.close().await;
        self.store.close().await;
        drop(self.db);
    }

    async fn member(&self, name: &str) -> Id {
        self.store
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

    /// A remote account with the given inboxes (no store API writes these yet).
    async fn remote(
        &self,
        name: &str,
        domain: &str,
        inbox: Option<&str>,
        shared: Option<&str>,
    ) -> Id {
        let id = Id::generate(Timestamp::now());
        let text = |s: Option<&str>| s.map_or_else(|| "NULL".to_owned(), |s| format!("'{s}'"));
        self.raw
            .exec(format!(
                "INSERT INTO accounts (id, username, domain, public_key_pem, created_at, \
                 updated_at, uri, inbox_url, shared_inbox_url) VALUES ({id}, '{name}', \
                 '{domain}', 'pem', 0, 0, 'https://{domain}/users/{name}', {}, {})",
                text(inbox),
                text(shared)
            ))
            .await;
        id
    }

    async fn follow(&self, follower: Id, target: Id) {
        self.store
            .follow(
                follower,
                target,
                false,
                true,
                false,
                Timestamp::now(),
                None,
                None,
            )
            .await
            .unwrap();
    }

    async fn pending_inboxes(&self) -> BTreeSet<String> {
        self.store
            .pending_deliveries(1000)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.inbox_url)
            .collect()
    }
}

fn to_inboxes(signer: Option<Id>, uri: &str, inboxes: &[&str]) -> Outbound {
    Outbound {
        signer,
        activity_uri: uri.to_owned(),
        body: format!(r#"{{"id":"{uri}","type":"Create"}}"#),
        targets: DeliveryTargets {
            inboxes: inboxes.iter().map(|s| (*s).to_owned()).collect(),
            ..DeliveryTargets::default()
        },
    }
}

fn at(base: Timestamp, secs: u64) -> Timestamp {
    base.plus(Duration::from_secs(secs))
}

fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    items.into_iter().map(str::to_owned).collect()
}

#[tokio::test]
async fn inboxes_are_resolved_once_per_shared_inbox() {
    let f = Fixture::new().await;
    let alice = f.member("alice").await;
    let frank = f.member("frank").await;
    let other = f.member("other").await;
    let bob = f
        .remote(
            "bob",
            "a.example",
            Some("https://a.example/users/bob/inbox"),
            Some("https://a.example/inbox"),
        )
        .await;
    let carol = f
        .remote(
            "carol",
            "a.example",
            Some("https://a.example/users/carol/inbox"),
            Some("https://a.example/inbox"),
        )
        .await;
    let dave = f
        .remote(
            "dave",
            "b.example",
            Some("https://b.example/users/dave/inbox"),
            None,
        )
        .await;
    let eve = f
        .remote(
            "eve",
            "c.example",
            Some("https://c.example/users/eve/inbox"),
            None,
        )
        .await;
    let grace = f.remote("grace", "d.example", None, None).await;
    let heidi = f
        .remote(
            "heidi",
            "e.example",
            Some("https://e.example/users/heidi/inbox"),
            None,
        )
        .await;
    let ivan = f
        .remote(
            "ivan",
            "g.example",
            Some("https://g.example/users/ivan/inbox"),
            None,
        )
        .await;
    for follower in [bob, carol, dave, eve, grace, frank] {
        f.follow(follower, alice).await;
    }
    f.follow(ivan, other).await;
    f.store
        .set_suspended(eve, Some(Timestamp::now()))
        .await
        .unwrap();

    let now = Timestamp::now();
    let outbound = Outbound {
        signer: Some(alice),
        activity_uri: "https://hamlet.test/users/alice/statuses/1/activity".into(),
        body: "{}".into(),
        targets: DeliveryTargets {
            followers_of: Some(alice),
            accounts: vec![heidi, bob, frank],
            inboxes: vec![
                "https://b.example/users/dave/inbox".into(),
                "https://F.example:443/inbox".into(),
                "not a url".into(),
            ],
        },
    };
    assert_eq!(f.store.enqueue(&outbound, now).await.unwrap(), 4);
    let pending = f.store.pending_deliveries(100).await.unwrap();
    let got: BTreeSet<(String, String)> = pending
        .iter()
        .map(|d| (d.inbox_url.clone(), d.domain.clone()))
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("https://a.example/inbox", "a.example"),
        ("https://b.example/users/dave/inbox", "b.example"),
        ("https://e.example/users/heidi/inbox", "e.example"),
        ("https://F.example:443/inbox", "f.example"),
    ]
    .into_iter()
    .map(|(i, d)| (i.to_owned(), d.to_owned()))
    .collect();
    assert_eq!(got, expected);
    for delivery in &pending {
        assert_eq!(delivery.attempts, 0);
        assert_eq!(delivery.next_attempt_at, now);
        assert_eq!(delivery.leased_until, None);
        assert_eq!(delivery.created_at, now);
    }
    let stats = f.store.delivery_queue_stats(now).await.unwrap();
    assert_eq!((stats.activities, stats.deliveries), (1, 4));

    // Followers alone: bob and carol share a.example's inbox; eve is suspended, grace
    // has no inbox, frank is local.
    let followers = Outbound {
        targets: DeliveryTargets {
            followers_of: Some(alice),
            ..DeliveryTargets::default()
        },
        ..outbound.clone()
    };
    assert_eq!(f.store.enqueue(&followers, now).await.unwrap(), 2);

    // Mentions alone, as the instance actor.
    let mention = Outbound {
        signer: None,
        activity_uri: "https://hamlet.test/activities/2".into(),
        body: "{}".into(),
        targets: DeliveryTargets {
            accounts: vec![dave, grace, eve],
            ..DeliveryTargets::default()
        },
    };
    assert_eq!(f.store.enqueue(&mention, now).await.unwrap(), 1);
    f.finish().await;
}

#[tokio::test]
async fn nothing_to_deliver_writes_nothing() {
    let f = Fixture::new().await;
    let alice = f.member("alice").await;
    let frank = f.member("frank").await;
    let eve = f
        .remote(
            "eve",
            "c.example",
            Some("https://c.example/users/eve/inbox"),
            None,
        )
        .await;
    f.follow(frank, alice).await;
    f.follow(eve, alice).await;
    f.store
        .set_suspended(eve, Some(Timestamp::now()))
        .await
        .unwrap();
    let now = Timestamp::now();
    let outbound = Outbound {
        signer: Some(alice),
        activity_uri: "https://hamlet.test/a/1".into(),
        body: "{}".into(),
        targets: DeliveryTargets {
            followers_of: Some(alice),
            accounts: vec![frank],
            inboxes: vec!["mailto:x@y".into()],
        },
    };
    assert_eq!(f.store.enqueue(&outbound, now).await.unwrap(), 0);
    assert_eq!(
        f.store
            .enqueue(&to_inboxes(None, "https://hamlet.test/a/2", &[]), now)
            .await
            .unwrap(),
        0
    );
    let stats = f.store.delivery_queue_stats(now).await.unwrap();
    assert_eq!((stats.activities, stats.deliveries), (0, 0));
    assert_eq!(f.store.next_delivery_due().await.unwrap(), None);
    f.finish().await;
}

#[tokio::test]
async fn a_claimed_delivery_is_leased_until_its_lease_expires() {
    let f = Fixture::new().await;
    let alice = f.member("alice").await;
    let now = Timestamp::now();
    let outbound = to_inboxes(
        Some(alice),
        "https://hamlet.test/a/1",
        &[
            "https://a.example/inbox",
            "https://b.example/inbox",
            "https://c.example/inbox",
        ],
    );
    assert_eq!(f.store.enqueue(&outbound, now).await.unwrap(), 3);
    assert_eq!(f.store.next_delivery_due().await.unwrap(), Some(now));

    // Not before it is due.
    let earlier = Timestamp::from_millis(now.as_millis() - 1);
    assert!(
        f.store
            .claim_deliveries(earlier, 10, LEASE)
            .await
            .unwrap()
            .is_empty()
    );

    let first = f.store.claim_deliveries(now, 2, LEASE).await.unwrap();
    assert_eq!(first.len(), 2);
    for claimed in &first {
        assert_eq!(claimed.body, outbound.body);
        assert_eq!(claimed.signer, Some(alice));
        assert_eq!(claimed.activity_uri, outbound.activity_uri);
        assert_eq!(claimed.attempts, 0);
        assert_eq!(claimed.created_at, now);
        assert_eq!(claimed.leased_until, at(now, 60));
    }
    let second = f.store.claim_deliveries(now, 10, LEASE).await.unwrap();
    assert_eq!(second.len(), 1);
    let all: HashSet<Id> = first.iter().chain(&second).map(|c| c.id).collect();
    assert_eq!(all.len(), 3);

    // Leased: not claimable again, at any time before the lease expires.
    assert!(
        f.store
            .claim_deliveries(now, 10, LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    let almost = Timestamp::from_millis(at(now, 60).as_millis() - 1);
    assert!(
        f.store
            .claim_deliveries(almost, 10, LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    let stats = f.store.delivery_queue_stats(now).await.unwrap();
    assert_eq!(stats.leased, 3);
    assert_eq!(
        f.store.next_delivery_due().await.unwrap(),
        Some(at(now, 60))
    );

    // The worker died: after expiry the rows are claimable again, attempts unchanged.
    let again = f
        .store
        .claim_deliveries(at(now, 60), 10, LEASE)
        .await
        .unwrap();
    assert_eq!(again.iter().map(|c| c.id).collect::<HashSet<_>>(), all);
    for claimed in &again {
        assert_eq!(claimed.attempts, 0);
        assert_eq!(claimed.leased_until, at(now, 120));
    }
    f.finish().await;
}

#[tokio::test]
async fn failures_back_off_and_successes_heal_the_domain() {
    let f = Fixture::new().await;
    let now = Timestamp::now();
    f.store
        .enqueue(
            &to_inboxes(
                None,
                "https://hamlet.test/a/1",
                &["https://a.example/inbox"],
            ),
            now,
        )
        .await
        .unwrap();
    let claimed = f
        .store
        .claim_deliveries(now, 10, LEASE)
        .await
        .unwrap()
        .remove(0);
    let health = f
        .store
        .delivery_failed(&claimed, "unexpected status 503", at(now, 10), at(now, 1))
        .await
        .unwrap();
    assert_eq!(health.domain, "a.example");
    assert_eq!(health.consecutive_failures, 1);
    assert_eq!(health.first_failure_at, Some(at(now, 1)));
    assert_eq!(health.last_failure_at, Some(at(now, 1)));
    assert_eq!(health.paused_until, None);
    let pending = f.store.pending_deliveries(10).await.unwrap().remove(0);
    assert_eq!(pending.attempts, 1);
    assert_eq!(pending.leased_until, None);
    assert_eq!(pending.next_attempt_at, at(now, 10));
    assert_eq!(pending.last_error.as_deref(), Some("unexpected status 503"));

    assert!(
        f.store
            .claim_deliveries(at(now, 9), 10, LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    let retry = f
        .store
        .claim_deliveries(at(now, 10), 10, LEASE)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(retry.attempts, 1);
    let health = f
        .store
        .delivery_failed(&retry, "timed out", at(now, 100), at(now, 11))
        .await
        .unwrap();
    assert_eq!(health.consecutive_failures, 2);
    assert_eq!(
        health.first_failure_at,
        Some(at(now, 1)),
        "failing since the first failure"
    );
    assert_eq!(health.last_failure_at, Some(at(now, 11)));

    let last = f
        .store
        .claim_deliveries(at(now, 100), 10, LEASE)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(last.attempts, 2);
    f.store
        .delivery_succeeded(&last, at(now, 101))
        .await
        .unwrap();
    let health = f.store.domain_health("A.EXAMPLE").await.unwrap().unwrap();
    assert_eq!(health.consecutive_failures, 0);
    assert_eq!(health.first_failure_at, None);
    assert_eq!(health.last_success_at, Some(at(now, 101)));
    let stats = f.store.delivery_queue_stats(now).await.unwrap();
    assert_eq!(
        (stats.activities, stats.deliveries),
        (0, 0),
        "the activity went with its last delivery"
    );
    assert_eq!(f.store.domain_health("never.example").await.unwrap(), None);
    f.finish().await;
}

#[tokio::test]
async fn a_claim_taken_over_after_expiry_is_not_clobbered_by_the_old_one() {
    let f = Fixture::new().await;
    let now = Timestamp::now();
    f.store
        .enqueue(
            &to_inboxes(
                None,
                "https://hamlet.test/a/1",
                &["https://a.example/inbox"],
            ),
            now,
        )
        .await
        .unwrap();
    let old = f
        .store
        .claim_deliveries(now, 10, LEASE)
        .await
        .unwrap()
        .remove(0);
    let new = f
        .store
        .claim_deliveries(at(now, 60), 10, LEASE)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(old.id, new.id);
    f.store
        .delivery_failed(&old, "late report", at(now, 70), at(now, 65))
        .await
        .unwrap();
    let pending = f.store.pending_deliveries(10).await.unwrap().remove(0);
    assert_eq!(pending.leased_until, Some(new.leased_until));
    assert_eq!(pending.attempts, 0);
    assert!(
        f.store
            .claim_deliveries(at(now, 70), 10, LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    f.finish().await;
}

#[tokio::test]
async fn the_activity_goes_with_its_last_delivery() {
    let f = Fixture::new().await;
    let now = Timestamp::now();
    f.store
        .enqueue(
            &to_inboxes(
                None,
                "https://hamlet.test/a/1",
                &["https://a.example/inbox", "https://b.example/inbox"],
            ),
            now,
        )
        .await
        .unwrap();
    let claimed = f.store.claim_deliveries(now, 10, LEASE).await.unwrap();
    f.store.delivery_succeeded(&claimed[0], now).await.unwrap();
    let stats = f.store.delivery_queue_stats(now).await.unwrap();
    assert_eq!((stats.activities, stats.deliveries), (1, 1));
    f.store.delivery_abandoned(&claimed[1]).await.unwrap();
    let stats = f.store.delivery_queue_stats(now).await.unwrap();
    assert_eq!((stats.activities, stats.deliveries), (0, 0));
    // Reporting twice is harmless.
    f.store.delivery_abandoned(&claimed[1]).await.unwrap();
    f.store.delivery_succeeded(&claimed[0], now).await.unwrap();
    f.finish().await;
}

#[tokio::test]
async fn a_gone_inbox_loses_every_pending_delivery() {
    let f = Fixture::new().await;
    let now = Timestamp::now();
    let gone = "https://a.example/users/bob/inbox";
    f.store
        .enqueue(&to_inboxes(None, "https://hamlet.test/a/1", &[gone]), now)
        .await
        .unwrap();
    f.store
        .enqueue(
            &to_inboxes(
                None,
                "https://hamlet.test/a/2",
                &[gone, "https://b.example/inbox"],
            ),
            now,
        )
        .await
        .unwrap();
    assert_eq!(f.store.inbox_gone(gone).await.unwrap(), 2);
    assert_eq!(f.pending_inboxes().await, set(["https://b.example/inbox"]));
    let stats = f.store.delivery_queue_stats(now).await.unwrap();
    assert_eq!((stats.activities, stats.deliveries), (1, 1));
    assert_eq!(f.store.inbox_gone(gone).await.unwrap(), 0);
    f.finish().await;
}

#[tokio::test]
async fn paused_domains_are_skipped_and_probed_one_delivery_at_a_time() {
    let f = Fixture::new().await;
    let now = Timestamp::now();
    f.store
        .enqueue(
            &to_inboxes(
                None,
                "https://hamlet.test/a/1",
                &[
                    "https://a.example/users/1/inbox",
                    "https://a.example/users/2/inbox",
                    "https://a.example/users/3/inbox",
                    "https://b.example/inbox",
                ],
            ),
            now,
        )
        .await
        .unwrap();
    f.store
        .pause_domain("a.example", at(now, 60))
        .await
        .unwrap();
    let claimed = f.store.claim_deliveries(now, 10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].domain, "b.example");
    f.store.delivery_succeeded(&claimed[0], now).await.unwrap();
    assert_eq!(
        f.store.next_delivery_due().await.unwrap(),
        Some(at(now, 60))
    );
    assert!(
        f.store
            .domains_due_for_probe(at(now, 59))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        f.store
            .claim_probes(at(now, 59), 10, LEASE, at(now, 120))
            .await
            .unwrap()
            .is_empty()
    );

    // The probe: one delivery, and the next probe scheduled.
    assert_eq!(
        f.store.domains_due_for_probe(at(now, 60)).await.unwrap(),
        vec!["a.example"]
    );
    let probe = f
        .store
        .claim_probes(at(now, 60), 10, LEASE, at(now, 120))
        .await
        .unwrap();
    assert_eq!(probe.len(), 1);
    assert_eq!(probe[0].domain, "a.example");
    let health = f.store.domain_health("a.example").await.unwrap().unwrap();
    assert_eq!(health.paused_until, Some(at(now, 120)));
    assert!(
        f.store
            .claim_deliveries(at(now, 60), 10, LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        f.store
            .claim_probes(at(now, 60), 10, LEASE, at(now, 120))
            .await
            .unwrap()
            .is_empty()
    );
    let health = f
        .store
        .delivery_failed(&probe[0], "unexpected status 502", at(now, 61), at(now, 60))
        .await
        .unwrap();
    assert_eq!(health.paused_until, Some(at(now, 120)), "still paused");

    // The next probe picks the delivery due first, and its success resumes the domain.
    let probe = f
        .store
        .claim_probes(at(now, 120), 10, LEASE, at(now, 180))
        .await
        .unwrap();
    assert_eq!(probe.len(), 1);
    assert_eq!(probe[0].attempts, 0);
    f.store
        .delivery_succeeded(&probe[0], at(now, 121))
        .await
        .unwrap();
    assert_eq!(
        f.store
            .domain_health("a.example")
            .await
            .unwrap()
            .unwrap()
            .paused_until,
        None
    );
    let rest = f
        .store
        .claim_deliveries(at(now, 121), 10, LEASE)
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    f.finish().await;
}

#[tokio::test]
async fn a_paused_domain_resumes_when_it_contacts_us() {
    let f = Fixture::new().await;
    let now = Timestamp::now();
    f.store
        .enqueue(
            &to_inboxes(
                None,
                "https://hamlet.test/a/1",
                &["https://a.example/inbox"],
            ),
            now,
        )
        .await
        .unwrap();
    let claimed = f
        .store
        .claim_deliveries(now, 10, LEASE)
        .await
        .unwrap()
        .remove(0);
    f.store
        .delivery_failed(&claimed, "timed out", at(now, 3600), now)
        .await
        .unwrap();
    f.store
        .pause_domain("a.example", at(now, 6 * 3600))
        .await
        .unwrap();
    assert!(
        !f.store
            .record_domain_contact("b.example", now)
            .await
            .unwrap()
    );
    assert!(
        f.store
            .claim_deliveries(at(now, 60), 10, LEASE)
            .await
            .unwrap()
            .is_empty()
    );

    assert!(
        f.store
            .record_domain_contact("A.Example", at(now, 60))
            .await
            .unwrap()
    );
    let health = f.store.domain_health("a.example").await.unwrap().unwrap();
    assert_eq!(health.paused_until, None);
    assert_eq!(health.consecutive_failures, 1, "the failure record is kept");
    let resumed = f
        .store
        .claim_deliveries(at(now, 60), 10, LEASE)
        .await
        .unwrap();
    assert_eq!(resumed.len(), 1, "due at once, not at its backoff time");
    assert!(
        !f.store
            .record_domain_contact("a.example", at(now, 61))
            .await
            .unwrap()
    );

    // A 4xx answer also shows the domain is alive.
    f.store
        .pause_domain("a.example", at(now, 6 * 3600))
        .await
        .unwrap();
    f.store
        .domain_reachable("a.example", at(now, 62))
        .await
        .unwrap();
    let health = f.store.domain_health("a.example").await.unwrap().unwrap();
    assert_eq!(
        (health.paused_until, health.consecutive_failures),
        (None, 0)
    );
    f.finish().await;
}

#[tokio::test]
async fn concurrent_claimers_never_share_a_row() {
    let f = Fixture::new().await;
    let now = Timestamp::now();
    let inboxes: Vec<String> = (0..40)
        .map(|i| format!("https://s{i}.example/inbox"))
        .collect();
    let refs: Vec<&str> = inboxes.iter().map(String::as_str).collect();
    assert_eq!(
        f.store
            .enqueue(&to_inboxes(None, "https://hamlet.test/a/1", &refs), now)
            .await
            .unwrap(),
        40
    );
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let store = f.store.clone();
        workers.spawn(async move {
            let mut mine: Vec<ClaimedDelivery> = Vec::new();
            loop {
                let batch = store.claim_deliveries(now, 3, LEASE).await.unwrap();
                if batch.is_empty() {
                    break;
                }
                mine.extend(batch);
                tokio::task::yield_now().await;
            }
            mine
        });
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    while let Some(mine) = workers.join_next().await {
        for claimed in mine.unwrap() {
            total += 1;
            assert!(
                seen.insert(claimed.id),
                "claimed twice: {}",
                claimed.inbox_url
            );
        }
    }
    assert_eq!(total, 40);
    f.finish().await;
}

#[tokio::test]
async fn deliveries_past_the_horizon_are_swept() {
    let f = Fixture::new().await;
    let now = Timestamp::now();
    f.store
        .enqueue(
            &to_inboxes(
                None,
                "https://hamlet.test/a/1",
                &["https://a.example/inbox"],
            ),
            now,
        )
        .await
        .unwrap();
    f.store
        .enqueue(
            &to_inboxes(
                None,
                "https://hamlet.test/a/2",
                &["https://b.example/inbox"],
            ),
            at(now, 5),
        )
        .await
        .unwrap();
    f.store
        .enqueue(
            &to_inboxes(
                None,
                "https://hamlet.test/a/3",
                &["https://c.example/inbox"],
            ),
            at(now, 10),
        )
        .await
        .unwrap();
    // A leased row stays until its lease expires.
    let leased = f
        .store
        .claim_deliveries(at(now, 5), 1, LEASE)
        .await
        .unwrap();
    assert_eq!(leased[0].inbox_url, "https://a.example/inbox");
    assert_eq!(
        f.store
            .abandon_expired_deliveries(at(now, 8), at(now, 20))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        f.pending_inboxes().await,
        set(["https://a.example/inbox", "https://c.example/inbox"])
    );
    assert_eq!(
        f.store
            .abandon_expired_deliveries(at(now, 8), at(now, 65))
            .await
            .unwrap(),
        1
    );
    assert_eq!(f.pending_inboxes().await, set(["https://c.example/inbox"]));
    let stats = f.store.delivery_queue_stats(now).await.unwrap();
    assert_eq!((stats.activities, stats.deliveries), (1, 1));
    f.finish().await;
}

#[tokio::test]
async fn deleting_the_signer_deletes_its_deliveries() {
    let f = Fixture::new().await;
    let alice = f.member("alice").await;
    let now = Timestamp::now();
    f.store
        .enqueue(
            &to_inboxes(
                Some(alice),
                "https://hamlet.test/a/1",
                &["https://a.example/inbox"],
            ),
            now,
        )
        .await
        .unwrap();
    f.raw
        .exec(format!("DELETE FROM accounts WHERE id = {alice}"))
        .await;
    let stats = f.store.delivery_queue_stats(now).await.unwrap();
    assert_eq!((stats.activities, stats.deliveries), (0, 0));
    f.finish().await;
}

#[tokio::test]
async fn members_sign_with_their_username_and_key() {
    let f = Fixture::new().await;
    let alice = f.member("alice").await;
    let bob = f
        .remote(
            "bob",
            "a.example",
            Some("https://a.example/users/bob/inbox"),
            None,
        )
        .await;
    let key = f.store.local_signing_key(alice).await.unwrap().unwrap();
    assert_eq!(key.username, "alice");
    assert!(key.private_key_pem.contains("BEGIN PRIVATE KEY"));
    assert!(!format!("{key:?}").contains("PRIVATE"));
    assert!(f.store.local_signing_key(bob).await.unwrap().is_none());
    assert!(
        f.store
            .local_signing_key(Id::generate(Timestamp::now()))
            .await
            .unwrap()
            .is_none()
    );
    f.finish().await;
}
