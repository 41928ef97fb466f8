//! Durability of federation across a crash (issue 4), with the real `hamlet` binary.
//!
//! A member with many remote followers (each a [`FakeRemote`] on a port of its own, so a
//! domain and an inbox of its own) posts; the followers' inboxes answer slowly, and the
//! server is killed with SIGKILL while the fan-out is under way. After a restart on the
//! same database every inbox has the post, and the only duplicates are those the delivery
//! worker's design allows: deliveries in flight at the kill, at most one per delivery
//! slot, sent once more when their leases expire.
//!
//! The other direction: activities a remote server delivers again after the restart are
//! processed once, both one that was handled completely before the kill and one whose
//! handling the kill interrupted (its sender got no answer, so it must deliver again, and
//! that delivery must then be processed).
//!
//! Runs on SQLite, or on PostgreSQL when `HAMLET_TEST_DATABASE_URL` is set.

use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hamlet_core::notification::NotificationKind;
use hamlet_core::scope::Scopes;
use hamlet_core::{Id, Timestamp, secret};
use hamlet_store::{NewAccessToken, NewApplication, NotificationFilter, Page, Store};
use hamlet_testkit::{FakeActor, FakeRemote, RecordedRequest, TestDb};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_hamlet");

/// Remote followers of alice, each on a server (a domain, an inbox) of its own.
const FOLLOWERS: usize = 16;
/// `federation.delivery_concurrency`: deliveries in flight at most.
const CONCURRENCY: usize = 2;
/// `federation.delivery_lease_seconds` (the smallest allowed).
const LEASE_SECONDS: u64 = 5;
/// How long each follower's inbox takes to answer the post.
const SINK_DELAY: Duration = Duration::from_secs(1);
/// The server is killed once this many inboxes have received the post.
const KILL_AFTER: usize = 3;
/// Every follower's inbox path (the fakes' actors all have this name).
const SINK_INBOX: &str = "/users/follower/inbox";
/// The log lines kept per server run, printed when the test fails.
const LOG_TAIL: usize = 150;

// ---------------------------------------------------------------------------------------
// The server process

/// A running `hamlet serve`. Killed when dropped; when the test is failing, prints the
/// tail of its log first.
struct Server {
    name: &'static str,
    child: Child,
    log: Arc<Mutex<VecDeque<String>>>,
    killed: bool,
}

impl Server {
    /// Starts `hamlet serve` in `dir` on `db`, listening on `port`, and waits until it
    /// listens.
    fn start(name: &'static str, dir: &Path, db: &TestDb, port: u16) -> Server {
        let child = Command::new(BIN)
            .arg("serve")
            .current_dir(dir)
            .env_remove("HAMLET_CONFIG")
            .env("HAMLET_DATABASE_URL", &db.url)
            .env("HAMLET_SERVER_LISTEN", format!("127.0.0.1:{port}"))
            .env(
                "HAMLET_SERVER_PUBLIC_URL",
                format!("http://127.0.0.1:{port}"),
            )
            .env(
                "HAMLET_FEDERATION_ALLOW_INSECURE_LOOPBACK_FOR_DEVELOPMENT",
                "true",
            )
            .env(
                "HAMLET_FEDERATION_DELIVERY_CONCURRENCY",
                CONCURRENCY.to_string(),
            )
            .env(
                "HAMLET_FEDERATION_DELIVERY_LEASE_SECONDS",
                LEASE_SECONDS.to_string(),
            )
            .env("HAMLET_LOG_LEVEL", "info,hamlet_federation=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start hamlet serve");
        let mut server = Server {
            name,
            child,
            log: Arc::new(Mutex::new(VecDeque::new())),
            killed: false,
        };
        // Drain both pipes (the server must never block on a full one), keeping the tail.
        let (listening_tx, listening_rx) = std::sync::mpsc::channel();
        let stdout = server.child.stdout.take().expect("stdout");
        let stderr = server.child.stderr.take().expect("stderr");
        for (pipe, tx) in [
            (Box::new(stdout) as Box<dyn Read + Send>, None),
            (Box::new(stderr) as Box<dyn Read + Send>, Some(listening_tx)),
        ] {
            let log = Arc::clone(&server.log);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if line.contains("Hamlet is listening")
                        && let Some(tx) = &tx
                    {
                        let _ = tx.send(());
                    }
                    let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                    if log.len() == LOG_TAIL {
                        log.pop_front();
                    }
                    log.push_back(line);
                }
            });
        }
        if listening_rx.recv_timeout(Duration::from_secs(30)).is_err() {
            panic!("{name}: the server did not start listening");
        }
        server
    }

    /// SIGKILL: no shutdown, no grace for requests in flight.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.killed = true;
    }

    fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.killed {
            self.kill();
        }
        if std::thread::panicking() {
            eprintln!(
                "----- {} (hamlet serve), last {LOG_TAIL} log lines -----\n{}\n----- end of {} -----",
                self.name,
                self.log_tail(),
                self.name
            );
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a loopback port")
        .local_addr()
        .expect("local address")
        .port()
}

/// `hamlet admin user create USERNAME --password-stdin`, as an operator would.
fn create_member(dir: &Path, db: &TestDb, username: &str) {
    let mut child = Command::new(BIN)
        .args(["admin", "user", "create", username, "--password-stdin"])
        .current_dir(dir)
        .env_remove("HAMLET_CONFIG")
        .env("HAMLET_DATABASE_URL", &db.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hamlet admin user create");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a long enough password\n")
        .expect("write the password");
    let output = child.wait_with_output().expect("hamlet finished");
    assert_eq!(
        output.status.code(),
        Some(0),
        "admin user create: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// An access token for `account`, issued through the store (as `TestApp::token` does).
async fn issue_token(store: &Store, account: Id) -> String {
    let scopes = Scopes::parse("read write").expect("scopes");
    let now = Timestamp::now();
    let app = store
        .insert_application(NewApplication {
            client_id: secret::generate(),
            client_secret_digest: secret::digest(&secret::generate()),
            name: "durability test".into(),
            website: None,
            redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
            scopes: scopes.clone(),
            created_at: now,
        })
        .await
        .expect("register an app");
    let token = secret::generate();
    store
        .insert_access_token(NewAccessToken {
            token_digest: secret::digest(&token),
            application_id: app.id,
            account_id: Some(account),
            authorization_code_digest: None,
            scopes,
            created_at: now,
        })
        .await
        .expect("issue a token");
    token
}

/// Polls `check` every 20 ms until it holds, for at most `limit`; panics naming `what`.
async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------------------------------
// What the fakes received

/// A follower of alice: its server, and its actor there.
struct Sink {
    remote: FakeRemote,
    actor: FakeActor,
}

/// The `Create`s of `note` that `sink`'s inbox received.
fn creates_of(sink: &Sink, note: &str) -> Vec<RecordedRequest> {
    sink.remote
        .requests_to(SINK_INBOX)
        .into_iter()
        .filter(|request| {
            request.method == reqwest::Method::POST
                && request.json().is_some_and(|activity| {
                    activity["type"] == "Create"
                        && (activity["object"]["id"] == note || activity["object"] == note)
                })
        })
        .collect()
}

/// How many `Create`s of `note` each sink received, in sink order.
fn create_counts(sinks: &[Sink], note: &str) -> Vec<usize> {
    sinks
        .iter()
        .map(|sink| creates_of(sink, note).len())
        .collect()
}

fn accepted(sink: &Sink) -> bool {
    sink.remote.requests_to(SINK_INBOX).iter().any(|request| {
        request.method == reqwest::Method::POST
            && request
                .json()
                .is_some_and(|activity| activity["type"] == "Accept")
    })
}

/// Sends a signed POST of `activity` by `actor` to `url`; `None` when no answer came
/// (the connection broke).
async fn post_signed(
    remote: &FakeRemote,
    actor: &FakeActor,
    url: &str,
    activity: &Value,
) -> Option<u16> {
    let post = actor.signing().post(url, activity);
    let request = reqwest::Request::try_from(post.request).expect("a sendable request");
    remote
        .client
        .execute(request)
        .await
        .ok()
        .map(|response| response.status().as_u16())
}

/// A public `Note` by `actor` mentioning alice, in a `Create`.
fn create_mentioning(actor: &FakeActor, note: &str, alice_uri: &str) -> Value {
    let mut object = actor.note(note, "<p>hello <a href=\"x\">@alice</a></p>");
    object["cc"] = json!([actor.followers, alice_uri]);
    object["tag"] = json!([{ "type": "Mention", "href": alice_uri }]);
    actor.create(object)
}

/// Alice's mention notifications about the post `uri`, and whether the post is stored.
async fn mentions_of(store: &Store, alice: Id, uri: &str) -> (bool, usize) {
    let Some(status) = store.status_by_uri(uri).await.expect("store") else {
        return (false, 0);
    };
    let notifications = store
        .notifications(
            alice,
            &NotificationFilter::default(),
            Page::newest(40),
            Timestamp::now(),
        )
        .await
        .expect("store");
    let count = notifications
        .iter()
        .filter(|n| n.kind == NotificationKind::Mention && n.status_id == Some(status.id))
        .count();
    (true, count)
}

// ---------------------------------------------------------------------------------------
// The tests

/// A database with a member alice, a token of hers, and the port (so the public URL)
/// every run of the server uses.
struct Instance {
    db: TestDb,
    dir: tempfile::TempDir,
    port: u16,
    base: String,
    store: Store,
    alice: Id,
    token: String,
}

impl Instance {
    async fn new() -> Instance {
        let db = TestDb::new().await;
        let dir = tempfile::tempdir().expect("temporary directory");
        let port = free_port();
        create_member(dir.path(), &db, "alice");
        let store = db.store().await;
        let alice = store
            .member_by_username("alice")
            .await
            .expect("store")
            .expect("alice exists")
            .account
            .id;
        let token = issue_token(&store, alice).await;
        Instance {
            base: format!("http://127.0.0.1:{port}"),
            db,
            dir,
            port,
            store,
            alice,
            token,
        }
    }

    fn start(&self, name: &'static str) -> Server {
        Server::start(name, self.dir.path(), &self.db, self.port)
    }

    fn alice_uri(&self) -> String {
        format!("{}/users/alice", self.base)
    }

    fn alice_inbox(&self) -> String {
        format!("{}/users/alice/inbox", self.base)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fan_out_killed_midway_completes_after_restart_within_the_retry_rule() {
    let started = Instant::now();
    let instance = Instance::new().await;
    let store = &instance.store;
    let alice = instance.alice;
    let alice_uri = instance.alice_uri();
    let alice_inbox = instance.alice_inbox();
    let mut first = instance.start("first run");
    let http = reqwest::Client::new();

    // FOLLOWERS remote servers, each with an actor following alice.
    let mut sinks = Vec::with_capacity(FOLLOWERS);
    for _ in 0..FOLLOWERS {
        let remote = FakeRemote::start().await;
        let actor = remote.add_actor("follower").await;
        let follow = actor.activity("Follow", json!(alice_uri));
        let answer = post_signed(&remote, &actor, &alice_inbox, &follow).await;
        assert_eq!(answer, Some(202), "a Follow from {}", actor.id);
        sinks.push(Sink { remote, actor });
    }
    wait_until(
        "every follower received its Accept",
        Duration::from_secs(15),
        || {
            let done = sinks.iter().all(accepted);
            async move { done }
        },
    )
    .await;
    let me: Value = http
        .get(format!(
            "{}/api/v1/accounts/verify_credentials",
            instance.base
        ))
        .bearer_auth(&instance.token)
        .send()
        .await
        .expect("verify_credentials")
        .json()
        .await
        .expect("an account");
    assert_eq!(me["followers_count"], FOLLOWERS, "{me}");

    // A remote post mentioning alice, handled before the kill; delivered again after it.
    let origin = FakeRemote::start().await;
    let bard = origin.add_actor("bard").await;
    let bard_note = bard.new_id("statuses");
    let bard_create = create_mentioning(&bard, &bard_note, &alice_uri);
    let answer = post_signed(&origin, &bard, &alice_inbox, &bard_create).await;
    assert_eq!(answer, Some(202), "bard's Create");
    assert_eq!(
        mentions_of(store, alice, &bard_note).await,
        (true, 1),
        "bard's post is stored and alice notified"
    );

    // The followers' inboxes become slow; alice posts.
    for sink in &sinks {
        sink.remote.delay(SINK_INBOX, SINK_DELAY);
    }
    let posted = http
        .post(format!("{}/api/v1/statuses", instance.base))
        .bearer_auth(&instance.token)
        .json(&json!({ "status": "to all my followers", "visibility": "public" }))
        .send()
        .await
        .expect("post a status");
    assert_eq!(posted.status(), 200, "alice posts");
    let posted: Value = posted.json().await.expect("a status");
    let note = posted["uri"].as_str().expect("the post's uri").to_owned();

    // Kill the server in the middle of the fan-out.
    let fan_out_started = Instant::now();
    wait_until(
        "the first inboxes received alice's post",
        Duration::from_secs(15),
        || {
            let reached = create_counts(&sinks, &note)
                .iter()
                .filter(|n| **n > 0)
                .count();
            async move { reached >= KILL_AFTER }
        },
    )
    .await;
    first.kill();
    let killed_after = fan_out_started.elapsed();
    // Requests the dead process had written are still in transit to the fakes, which
    // record them once read in full: let them land.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before_kill = create_counts(&sinks, &note);
    let reached_before_kill = before_kill.iter().filter(|n| **n > 0).count();
    assert!(
        reached_before_kill < FOLLOWERS,
        "the kill must land midway: {before_kill:?}"
    );
    // What the dead process left: the deliveries it had leased (sending them, or about
    // to, or about to record their outcome) and those it had not reached.
    let pending = store.pending_deliveries(1000).await.expect("store");
    let leased_at_kill: HashSet<String> = pending
        .iter()
        .filter(|d| d.leased_until.is_some())
        .map(|d| d.inbox_url.clone())
        .collect();
    assert!(
        !leased_at_kill.is_empty(),
        "the kill must catch deliveries in flight (else leases are not exercised)"
    );
    assert!(
        leased_at_kill.len() <= CONCURRENCY,
        "no more deliveries are leased than there are slots: {leased_at_kill:?}"
    );
    let queued: HashSet<String> = pending.iter().map(|d| d.inbox_url.clone()).collect();
    for (sink, before) in sinks.iter().zip(&before_kill) {
        let inbox = &sink.actor.inbox;
        assert!(
            *before > 0 || queued.contains(inbox),
            "{inbox} was neither reached nor still queued: {pending:?}"
        );
        assert!(
            *before == 0 || !queued.contains(inbox) || leased_at_kill.contains(inbox),
            "{inbox} was reached, so its delivery is either done or still leased: {pending:?}"
        );
    }

    // Restart on the same database.
    let restarted_at = Instant::now();
    let _second = instance.start("second run");
    let bard_again = post_signed(&origin, &bard, &alice_inbox, &bard_create).await;

    wait_until(
        "every follower's inbox received alice's post after the restart",
        Duration::from_secs(30),
        || {
            let all = create_counts(&sinks, &note).iter().all(|n| *n > 0);
            async move { all }
        },
    )
    .await;
    wait_until(
        "the delivery queue emptied",
        Duration::from_secs(15),
        || {
            let store = store.clone();
            async move {
                store
                    .delivery_queue_stats(Timestamp::now())
                    .await
                    .expect("store")
                    .deliveries
                    == 0
            }
        },
    )
    .await;
    let completed_after_restart = restarted_at.elapsed();

    // Outbound: every inbox at least once. The retry rule: a delivery is sent again only
    // by whoever holds its lease, after the previous holder's lease expired without an
    // outcome recorded; no inbox failed here, so the only deliveries sent twice are those
    // the dead process had leased and already sent: at most one per delivery slot.
    let counts = create_counts(&sinks, &note);
    let total: usize = counts.iter().sum();
    let duplicates = total - FOLLOWERS;
    let expected: Vec<usize> = sinks
        .iter()
        .zip(&before_kill)
        .map(|(sink, before)| {
            if *before > 0 && leased_at_kill.contains(&sink.actor.inbox) {
                2
            } else {
                1
            }
        })
        .collect();
    eprintln!(
        "durability: {FOLLOWERS} inboxes, concurrency {CONCURRENCY}, lease {LEASE_SECONDS} s; \
         killed {killed_after:?} into the fan-out with {reached_before_kill} inboxes reached \
         {before_kill:?} and {} deliveries leased; after the restart every inbox had it \
         within {completed_after_restart:?}: {counts:?}, {duplicates} duplicate(s)",
        leased_at_kill.len()
    );
    assert!(
        counts.iter().all(|n| *n >= 1),
        "every inbox receives the post: {counts:?}"
    );
    assert!(
        duplicates <= CONCURRENCY,
        "at most {CONCURRENCY} deliveries (one per slot) were in flight at the kill, so at \
         most that many are sent twice: {duplicates} duplicates, {counts:?}"
    );
    assert_eq!(
        counts, expected,
        "each inbox gets the post once, and once more exactly when the kill caught its \
         delivery sent but not recorded (leased at the kill: {leased_at_kill:?}; received \
         before the kill: {before_kill:?})"
    );
    // One activity, sent again as it was (same id), each copy signed by alice.
    let alice_key = {
        let actor: Value = http
            .get(&alice_uri)
            .header("Accept", "application/activity+json")
            .send()
            .await
            .expect("alice's actor")
            .json()
            .await
            .expect("an actor document");
        actor["publicKey"]["publicKeyPem"]
            .as_str()
            .expect("alice's key")
            .to_owned()
    };
    let mut activity_ids = HashSet::new();
    for sink in &sinks {
        for request in creates_of(sink, &note) {
            let activity = request.json().expect("JSON");
            activity_ids.insert(activity["id"].as_str().unwrap_or_default().to_owned());
            assert_eq!(activity["actor"], alice_uri.as_str());
            request
                .verify_signature(&alice_key)
                .unwrap_or_else(|e| panic!("a Create to {} badly signed: {e:?}", sink.actor.id));
        }
    }
    assert_eq!(activity_ids.len(), 1, "one activity: {activity_ids:?}");
    let stats = store
        .delivery_queue_stats(Timestamp::now())
        .await
        .expect("store");
    assert_eq!(
        (stats.activities, stats.leased, stats.paused_domains),
        (0, 0, 0),
        "nothing left in the outbox: {stats:?}"
    );

    // Inbound: a post handled before the kill and delivered again is processed once.
    assert_eq!(bard_again, Some(202), "bard's Create delivered again");
    assert_eq!(
        mentions_of(store, alice, &bard_note).await,
        (true, 1),
        "bard's post delivered twice: one post, one notification"
    );
    let bard_account = store
        .remote_account_by_uri(&bard.id)
        .await
        .expect("store")
        .expect("bard is known")
        .account
        .id;
    let bard_posts = store
        .account_stats(&[bard_account], hamlet_store::StatsFor::Member)
        .await
        .expect("store")
        .get(&bard_account)
        .map_or(0, |s| s.statuses);
    assert_eq!(bard_posts, 1, "bard's post is stored once");

    eprintln!("durability: fan-out test took {:?}", started.elapsed());
    drop(first);
}

/// The inbound side of at least once: the server is killed while handling an activity
/// (fetching the ancestor of the post it creates), so the sender gets no answer and
/// delivers it again after the restart. That delivery must be processed, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_activity_whose_handling_was_killed_is_processed_when_delivered_again() {
    let started = Instant::now();
    let instance = Instance::new().await;
    let store = &instance.store;
    let alice_uri = instance.alice_uri();
    let alice_inbox = instance.alice_inbox();
    let mut first = instance.start("first run");

    // crier's post replies to a post that crier's server is slow to serve: Hamlet fetches
    // that ancestor while handling the Create, and is killed meanwhile.
    let origin = FakeRemote::start().await;
    let crier = origin.add_actor("crier").await;
    let parent_path = "/users/crier/statuses/parent";
    let parent = origin.url(parent_path);
    origin.serve_json(parent_path, &crier.note(&parent, "the parent"));
    origin.delay(parent_path, Duration::from_secs(60));
    let crier_note = crier.new_id("statuses");
    let mut crier_create = create_mentioning(&crier, &crier_note, &alice_uri);
    crier_create["object"]["inReplyTo"] = json!(parent);
    let in_flight = {
        let client = origin.client.clone();
        let post = crier.signing().post(&alice_inbox, &crier_create);
        tokio::spawn(async move {
            let request = reqwest::Request::try_from(post.request).expect("a request");
            client
                .execute(request)
                .await
                .ok()
                .map(|r| r.status().as_u16())
        })
    };
    assert!(
        origin
            .wait_for_request(Duration::from_secs(15), |r| r.path() == parent_path)
            .await
            .is_some(),
        "Hamlet did not fetch the ancestor of crier's post"
    );
    first.kill();
    let answer = in_flight.await.expect("crier's first delivery");
    assert_eq!(
        answer, None,
        "the kill must interrupt the handling of crier's Create (it was answered)"
    );
    origin.undelay(parent_path);

    let _second = instance.start("second run");
    // crier's server got no answer: it delivers the same activity again, twice (the
    // second time must change nothing).
    let again = post_signed(&origin, &crier, &alice_inbox, &crier_create).await;
    let fetches_after_restart = origin.requests_to(parent_path).len() - 1;
    let once_more = post_signed(&origin, &crier, &alice_inbox, &crier_create).await;
    assert_eq!(again, Some(202), "crier's Create delivered again");
    assert_eq!(
        once_more,
        Some(202),
        "crier's Create delivered a third time"
    );
    assert_eq!(
        mentions_of(store, instance.alice, &crier_note).await,
        (true, 1),
        "crier's Create, interrupted by the kill and then delivered again, must be stored \
         once with one notification for alice. Hamlet fetched the ancestor {fetches_after_restart} \
         time(s) after the restart; (false, 0) with no fetch means the redelivery was taken \
         for a duplicate: the activity id was recorded as handled (inbound_activities, \
         committed on its own) before the post was stored, so the kill lost the post for good"
    );
    assert!(
        store.status_by_uri(&parent).await.expect("store").is_some(),
        "the ancestor is stored with the reply"
    );
    eprintln!("durability: inbound test took {:?}", started.elapsed());
    drop(first);
}
