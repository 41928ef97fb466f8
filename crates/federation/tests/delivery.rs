//! The delivery worker against fake inboxes on 127.0.0.1 (axum), with a real database
//! (SQLite, or PostgreSQL with HAMLET_TEST_DATABASE_URL). The sinks verify every HTTP
//! signature with `hamlet_federation::signature`.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::uri::Scheme;
use hamlet_core::keys::AccountKeys;
use hamlet_core::password::Password;
use hamlet_core::role::Role;
use hamlet_core::username::Username;
use hamlet_core::{Id, Timestamp};
use hamlet_federation::client::{ClientConfig, OutboundClient};
use hamlet_federation::delivery::{DeliveryConfig, DeliveryWorker};
use hamlet_federation::instance::LocalInstance;
use hamlet_federation::signature::{
    PublicKey, SignatureScheme, VerifyPolicy, parse_request_signature,
};
use hamlet_store::{DeliveryTargets, NewMember, Outbound, Store};
use hamlet_testkit::TestDb;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use url::Url;

const LOCAL: &str = "http://hamlet.test";

// ---------------------------------------------------------------------------------------
// fake inboxes

/// One request a sink received.
#[derive(Clone, Debug)]
struct Hit {
    /// `127.0.0.1:PORT/path`.
    target: String,
    body: String,
    /// The key id of a signature that verified, or why it did not.
    signed_by: Result<String, String>,
    at: Instant,
}

/// What every sink of a test shares: the log, the keys to verify with, and how many
/// requests are being answered at once.
#[derive(Clone)]
struct Recorder {
    hits: Arc<Mutex<Vec<Hit>>>,
    keys: Arc<HashMap<String, PublicKey>>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

impl Recorder {
    fn new(keys: HashMap<String, PublicKey>) -> Recorder {
        Recorder {
            hits: Arc::default(),
            keys: Arc::new(keys),
            in_flight: Arc::default(),
            max_in_flight: Arc::default(),
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.hits.lock().unwrap().len()
    }

    /// How many times each target was hit.
    fn per_target(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for hit in self.hits() {
            *counts.entry(hit.target).or_default() += 1;
        }
        counts
    }
}

/// Answers a request to `path`, hit for the `nth` time (1-based).
type Respond = Arc<dyn Fn(&str, usize) -> StatusCode + Send + Sync>;

#[derive(Clone)]
struct Sink {
    recorder: Recorder,
    respond: Respond,
    delay: Duration,
}

async fn handle(State(sink): State<Sink>, request: Request) -> StatusCode {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap().to_vec();
    let policy = VerifyPolicy {
        public_scheme: Scheme::HTTP,
        ..VerifyPolicy::default()
    };
    let signed_by = match parse_request_signature(&parts) {
        Ok(parsed) => {
            let key_id = parsed.key_id().to_owned();
            match sink.recorder.keys.get(&key_id) {
                Some(key) => parsed
                    .verify(key, &parts, &body, SystemTime::now(), &policy)
                    .map(|()| key_id)
                    .map_err(|error| error.to_string()),
                None => Err(format!("unknown key {key_id}")),
            }
        }
        Err(error) => Err(error.to_string()),
    };
    let host = parts.headers["host"].to_str().unwrap().to_owned();
    let path = parts.uri.path().to_owned();
    let target = format!("{host}{path}");
    let nth = {
        let mut hits = sink.recorder.hits.lock().unwrap();
        hits.push(Hit {
            target: target.clone(),
            body: String::from_utf8(body).unwrap(),
            signed_by,
            at: Instant::now(),
        });
        hits.iter().filter(|hit| hit.target == target).count()
    };
    let now = sink.recorder.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    sink.recorder.max_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(sink.delay).await;
    sink.recorder.in_flight.fetch_sub(1, Ordering::SeqCst);
    (sink.respond)(&path, nth)
}

/// A sink on its own port (so its own domain, `127.0.0.1:PORT`).
async fn spawn_sink(
    recorder: &Recorder,
    delay: Duration,
    respond: impl Fn(&str, usize) -> StatusCode + Send + Sync + 'static,
) -> SocketAddr {
    let sink = Sink {
        recorder: recorder.clone(),
        respond: Arc::new(respond),
        delay,
    };
    let router = Router::new().fallback(handle).with_state(sink);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn accept(_: &str, _: usize) -> StatusCode {
    StatusCode::ACCEPTED
}

// ---------------------------------------------------------------------------------------
// the instance

struct Harness {
    db: TestDb,
    store: Store,
    local: LocalInstance,
    alice: Id,
    keys: HashMap<String, PublicKey>,
}

impl Harness {
    async fn new() -> Harness {
        let db = TestDb::new().await;
        let store = db.store().await;
        let local = LocalInstance::new(&Url::parse(LOCAL).unwrap());
        let alice_keys = AccountKeys::generate();
        let alice_public = PublicKey::from_pem(&alice_keys.public_key_pem).unwrap();
        let alice = store
            .insert_member(NewMember {
                username: Username::parse("alice").unwrap(),
                password_hash: Password::parse("a good password").unwrap().hash(),
                role: Role::Member,
                email: None,
                display_name: String::new(),
                keys: alice_keys,
                created_at: Timestamp::now(),
            })
            .await
            .unwrap()
            .account
            .id;
        let instance = store
            .instance_keys(AccountKeys::generate, Timestamp::now())
            .await
            .unwrap();
        let keys = HashMap::from([
            (local.key_id("alice").to_string(), alice_public),
            (
                local.instance_key_id().to_string(),
                PublicKey::from_pem(&instance.public_key_pem).unwrap(),
            ),
        ]);
        Harness {
            db,
            store,
            local,
            alice,
            keys,
        }
    }

    fn recorder(&self) -> Recorder {
        Recorder::new(self.keys.clone())
    }

    fn worker(&self, store: &Store, config: DeliveryConfig) -> DeliveryWorker {
        DeliveryWorker::new(store.clone(), client(), self.local.clone(), config)
    }

    async fn enqueue(&self, signer: Option<Id>, name: &str, inboxes: &[String]) -> String {
        let uri = format!("{LOCAL}/activities/{name}");
        let body = serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": uri,
            "type": "Create",
        })
        .to_string();
        let outbound = Outbound {
            signer,
            activity_uri: uri,
            body: body.clone(),
            targets: DeliveryTargets {
                inboxes: inboxes.to_vec(),
                ..DeliveryTargets::default()
            },
        };
        assert_eq!(
            self.store
                .enqueue(&outbound, Timestamp::now())
                .await
                .unwrap(),
            inboxes.len()
        );
        body
    }

    async fn finish(self) {
        self.store.close().await;
        drop(self.db);
    }
}

fn client() -> OutboundClient {
    let mut config = ClientConfig::new(Url::parse(LOCAL).unwrap());
    config.insecure_local_federation = true;
    config.connect_timeout = Duration::from_secs(1);
    config.total_timeout = Duration::from_secs(1);
    OutboundClient::new(config).unwrap()
}

/// Short everything, for tests.
fn fast() -> DeliveryConfig {
    DeliveryConfig {
        concurrency: 4,
        batch: 8,
        lease: Duration::from_secs(5),
        backoff_base: Duration::from_millis(40),
        backoff_cap: Duration::from_millis(100),
        max_retry_after: Duration::from_millis(100),
        retry_horizon: Duration::from_secs(60),
        pause_after: Duration::from_secs(3600),
        probe_interval: Duration::from_secs(3600),
        idle_poll: Duration::from_millis(200),
        error_backoff: Duration::from_millis(100),
        sweep_interval: Duration::from_secs(3600),
        shutdown_grace: Duration::from_secs(1),
        signature_scheme: SignatureScheme::Cavage,
    }
}

fn inboxes(addr: SocketAddr, paths: impl IntoIterator<Item = String>) -> Vec<String> {
    paths
        .into_iter()
        .map(|path| format!("http://{addr}{path}"))
        .collect()
}

struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Running {
    fn start(worker: &DeliveryWorker) -> Running {
        let (stop, stopped) = oneshot::channel::<()>();
        let worker = worker.clone();
        let task = tokio::spawn(async move {
            worker
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Running { stop, task }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("the worker stops")
            .unwrap();
    }

    /// Like `kill -9`: the task is dropped where it stands, nothing of it runs again.
    async fn kill(self) {
        self.task.abort();
        assert!(self.task.await.unwrap_err().is_cancelled());
    }
}

/// Waits until the queue is empty (every delivery done or dropped).
async fn drained(store: &Store, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let stats = store.delivery_queue_stats(Timestamp::now()).await.unwrap();
        if stats.deliveries == 0 && stats.activities == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the queue did not drain: {stats:?}, {:?}",
            store.pending_deliveries(10).await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn until(what: &str, within: Duration, mut condition: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !condition().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// ---------------------------------------------------------------------------------------
// tests

#[tokio::test]
async fn fan_out_reaches_every_inbox_once_signed() {
    let h = Harness::new().await;
    let recorder = h.recorder();
    let a = spawn_sink(&recorder, Duration::from_millis(30), accept).await;
    let b = spawn_sink(&recorder, Duration::from_millis(30), accept).await;
    let mut to_all = inboxes(a, (0..10).map(|i| format!("/users/{i}/inbox")));
    to_all.extend(inboxes(b, (0..10).map(|i| format!("/users/{i}/inbox"))));
    let by_alice = h.enqueue(Some(h.alice), "1", &to_all).await;
    let by_instance = h
        .enqueue(
            None,
            "2",
            &inboxes(a, ["/inbox".to_owned(), "/users/0/inbox".to_owned()]),
        )
        .await;

    let worker = h.worker(&h.store, fast());
    let running = Running::start(&worker);
    drained(&h.store, Duration::from_secs(10)).await;
    running.stop().await;

    let hits = recorder.hits();
    assert_eq!(hits.len(), 22);
    let mut seen = HashMap::new();
    for hit in &hits {
        *seen
            .entry((hit.target.clone(), hit.body.clone()))
            .or_insert(0) += 1;
        let expected = if hit.body == by_alice {
            h.local.key_id("alice").to_string()
        } else {
            assert_eq!(hit.body, by_instance);
            h.local.instance_key_id().to_string()
        };
        assert_eq!(
            hit.signed_by.as_deref(),
            Ok(expected.as_str()),
            "{}",
            hit.target
        );
    }
    assert!(
        seen.values().all(|&n| n == 1),
        "each inbox once per activity: {seen:?}"
    );
    let max = recorder.max_in_flight.load(Ordering::SeqCst);
    assert!(
        max <= 4,
        "at most `concurrency` requests at once, saw {max}"
    );
    assert!(max >= 2, "requests run concurrently, saw {max}");
    let health = h
        .store
        .domain_health(&a.to_string())
        .await
        .unwrap()
        .expect("a record of the domain");
    assert!(health.last_success_at.is_some());
    h.finish().await;
}

#[tokio::test]
async fn deliveries_can_be_signed_with_rfc9421() {
    let h = Harness::new().await;
    let recorder = h.recorder();
    let a = spawn_sink(&recorder, Duration::ZERO, accept).await;
    h.enqueue(Some(h.alice), "1", &inboxes(a, ["/inbox".to_owned()]))
        .await;
    let config = DeliveryConfig {
        signature_scheme: SignatureScheme::Rfc9421,
        ..fast()
    };
    let running = Running::start(&h.worker(&h.store, config));
    drained(&h.store, Duration::from_secs(5)).await;
    running.stop().await;
    let hits = recorder.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].signed_by.as_deref(),
        Ok(h.local.key_id("alice").as_str())
    );
    h.finish().await;
}

#[tokio::test]
async fn a_failing_inbox_is_retried_until_it_accepts() {
    let h = Harness::new().await;
    let recorder = h.recorder();
    let a = spawn_sink(&recorder, Duration::ZERO, |_, nth| {
        if nth == 1 {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::ACCEPTED
        }
    })
    .await;
    let targets = inboxes(a, (0..3).map(|i| format!("/users/{i}/inbox")));
    h.enqueue(Some(h.alice), "1", &targets).await;
    let worker = h.worker(&h.store, fast());
    let running = Running::start(&worker);
    worker.wake();
    drained(&h.store, Duration::from_secs(5)).await;
    running.stop().await;
    let counts = recorder.per_target();
    assert_eq!(counts.len(), 3);
    assert!(counts.values().all(|&n| n == 2), "500 then 202: {counts:?}");
    assert!(recorder.hits().iter().all(|hit| hit.signed_by.is_ok()));
    let health = h
        .store
        .domain_health(&a.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(health.consecutive_failures, 0);
    assert_eq!(health.paused_until, None);
    h.finish().await;
}

#[tokio::test]
async fn gone_and_refusing_inboxes_are_not_retried() {
    let h = Harness::new().await;
    let recorder = h.recorder();
    let a = spawn_sink(&recorder, Duration::ZERO, |path, _| match path {
        "/gone" => StatusCode::GONE,
        "/forbidden" => StatusCode::FORBIDDEN,
        _ => StatusCode::ACCEPTED,
    })
    .await;
    h.enqueue(Some(h.alice), "1", &inboxes(a, ["/gone".to_owned()]))
        .await;
    h.enqueue(
        Some(h.alice),
        "2",
        &inboxes(a, ["/gone", "/forbidden", "/ok"].map(str::to_owned)),
    )
    .await;
    // One at a time, so that the 410 is known before the second delivery to that inbox.
    let config = DeliveryConfig {
        concurrency: 1,
        ..fast()
    };
    let running = Running::start(&h.worker(&h.store, config));
    drained(&h.store, Duration::from_secs(5)).await;
    running.stop().await;
    let counts = recorder.per_target();
    let count = |path: &str| counts.get(&format!("{a}{path}")).copied().unwrap_or(0);
    assert_eq!(count("/gone"), 1, "{counts:?}");
    assert_eq!(count("/forbidden"), 1, "{counts:?}");
    assert_eq!(count("/ok"), 1, "{counts:?}");
    h.finish().await;
}

#[tokio::test]
async fn a_worker_killed_mid_fan_out_loses_nothing() {
    let h = Harness::new().await;
    let recorder = h.recorder();
    let a = spawn_sink(&recorder, Duration::from_millis(300), accept).await;
    let targets = inboxes(a, (0..12).map(|i| format!("/users/{i}/inbox")));
    h.enqueue(Some(h.alice), "1", &targets).await;
    let config = DeliveryConfig {
        concurrency: 3,
        lease: Duration::from_millis(1500),
        ..fast()
    };

    let first = Running::start(&h.worker(&h.store, config.clone()));
    // Kill it while the second wave is in flight: some delivered, some not yet recorded.
    until("the second wave", Duration::from_secs(5), async || {
        recorder.count() >= 4
    })
    .await;
    first.kill().await;
    let killed_at = Instant::now();
    let before_restart = recorder.count();
    let pending = h.store.pending_deliveries(100).await.unwrap();
    assert!(!pending.is_empty(), "killed mid-fan-out");
    assert!(
        pending.iter().any(|d| d.leased_until.is_some()),
        "with leases held"
    );

    // A new process: its own connections, a new worker.
    let store = h.db.store().await;
    let second = Running::start(&h.worker(&store, config));
    drained(&store, Duration::from_secs(10)).await;
    second.stop().await;
    store.close().await;

    let counts = recorder.per_target();
    assert_eq!(counts.len(), 12, "every inbox received it: {counts:?}");
    let duplicates: usize = counts.values().map(|&n| n - 1).sum();
    assert!(
        duplicates >= 1,
        "the request in flight at the kill was sent again"
    );
    assert!(
        duplicates <= 3,
        "at most the 3 in flight are sent twice, got {duplicates} ({counts:?})"
    );
    // The ones in flight at the kill were only sent again once their lease expired.
    for hit in recorder.hits().iter().skip(before_restart) {
        let first_hit = recorder
            .hits()
            .into_iter()
            .find(|h| h.target == hit.target)
            .unwrap();
        if first_hit.at < killed_at && first_hit.at != hit.at {
            assert!(hit.at - first_hit.at >= Duration::from_millis(1000));
        }
    }
    assert!(recorder.hits().iter().all(|hit| hit.signed_by.is_ok()));
    h.finish().await;
}

#[tokio::test]
async fn a_domain_failing_for_long_is_paused_then_probed() {
    let h = Harness::new().await;
    let recorder = h.recorder();
    let down = Arc::new(AtomicBool::new(true));
    let is_down = Arc::clone(&down);
    let a = spawn_sink(&recorder, Duration::ZERO, move |_, _| {
        if is_down.load(Ordering::SeqCst) {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::ACCEPTED
        }
    })
    .await;
    let domain = a.to_string();
    let targets = inboxes(a, (0..4).map(|i| format!("/users/{i}/inbox")));
    h.enqueue(Some(h.alice), "1", &targets).await;
    let config = DeliveryConfig {
        concurrency: 2,
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(40),
        pause_after: Duration::from_millis(200),
        probe_interval: Duration::from_millis(500),
        ..fast()
    };
    let running = Running::start(&h.worker(&h.store, config));
    until("the pause", Duration::from_secs(5), async || {
        let health = h.store.domain_health(&domain).await.unwrap();
        health.is_some_and(|health| health.paused_until.is_some())
    })
    .await;
    let paused_at = recorder.count();
    assert!(paused_at >= 4, "it was tried before the pause");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let while_paused = recorder.count() - paused_at;
    // Retries every 20–40 ms would make dozens; paused, only probes (one per 500 ms),
    // plus requests already in flight when the pause began.
    assert!(while_paused <= 4, "{while_paused} requests while paused");
    let pending = h.store.pending_deliveries(10).await.unwrap();
    assert_eq!(pending.len(), 4, "nothing dropped while paused");

    down.store(false, Ordering::SeqCst);
    drained(&h.store, Duration::from_secs(3)).await;
    running.stop().await;
    let health = h.store.domain_health(&domain).await.unwrap().unwrap();
    assert_eq!(
        (health.paused_until, health.consecutive_failures),
        (None, 0)
    );
    h.finish().await;
}

#[tokio::test]
async fn a_paused_domain_resumes_when_it_contacts_us() {
    let h = Harness::new().await;
    let recorder = h.recorder();
    let a = spawn_sink(&recorder, Duration::ZERO, accept).await;
    let domain = a.to_string();
    h.enqueue(
        Some(h.alice),
        "1",
        &inboxes(a, (0..3).map(|i| format!("/users/{i}/inbox"))),
    )
    .await;
    h.store
        .pause_domain(&domain, Timestamp::now().plus(Duration::from_secs(3600)))
        .await
        .unwrap();
    let worker = h.worker(&h.store, fast());
    let running = Running::start(&worker);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(recorder.count(), 0, "paused: nothing sent");
    assert!(
        h.store
            .record_domain_contact(&domain, Timestamp::now())
            .await
            .unwrap()
    );
    worker.wake();
    drained(&h.store, Duration::from_secs(3)).await;
    running.stop().await;
    assert_eq!(recorder.count(), 3);
    h.finish().await;
}

#[tokio::test]
async fn deliveries_are_dropped_after_the_retry_horizon() {
    let h = Harness::new().await;
    let recorder = h.recorder();
    let a = spawn_sink(&recorder, Duration::ZERO, |_, _| {
        StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    h.enqueue(Some(h.alice), "1", &inboxes(a, ["/inbox".to_owned()]))
        .await;
    let config = DeliveryConfig {
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(50),
        retry_horizon: Duration::from_millis(400),
        ..fast()
    };
    let started = Instant::now();
    let running = Running::start(&h.worker(&h.store, config));
    drained(&h.store, Duration::from_secs(5)).await;
    running.stop().await;
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "retried until the horizon"
    );
    let hits = recorder.count();
    assert!(hits >= 5, "retried several times, {hits}");
    h.finish().await;
}
