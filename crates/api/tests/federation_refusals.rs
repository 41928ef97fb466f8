//! Security regression tests for the ActivityPub inbox ("one door in"): every class of
//! forged, replayed, tampered or overreaching activity is refused with the right status,
//! and nothing changes in the store. Each test ends (or begins) with a positive control:
//! the same request, honestly signed, is accepted and does change the store, so a
//! refusal cannot pass merely because the setup was broken.
//!
//! The other side is a [`FakeRemote`]: a minimal ActivityPub server on loopback that
//! publishes actors with real keys, serves documents, records what Hamlet asks of it, and
//! signs (or mis-signs) what it posts.

use std::future::Future;
use std::time::Duration;

use hamlet_core::Id;
use hamlet_core::Timestamp;
use hamlet_core::notification::NotificationKind;
use hamlet_core::role::Role;
use hamlet_core::status::Status;
use hamlet_core::visibility::Visibility;
use hamlet_federation::inbox::MAX_ANCESTORS_FETCHED;
use hamlet_federation::signature::SignatureScheme;
use hamlet_store::{NotificationFilter, Page, RemoteAccount};
use hamlet_testkit::{FakeActor, FakeRemote, TestApp, TestMember};
use reqwest::StatusCode;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Helpers

struct World {
    app: TestApp,
    alice: TestMember,
    remote: FakeRemote,
}

/// A federating instance with a member `alice`, and a fake remote server.
async fn world() -> World {
    let app = hamlet_testkit::spawn_federating_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let remote = FakeRemote::start().await;
    World { app, alice, remote }
}

impl World {
    fn alice_uri(&self) -> String {
        self.app.url("/users/alice")
    }

    fn alice_inbox(&self) -> String {
        self.app.url("/users/alice/inbox")
    }

    fn shared_inbox(&self) -> String {
        self.app.url("/inbox")
    }

    /// A `Follow` of alice by `actor`.
    fn follow_alice(&self, actor: &FakeActor) -> Value {
        actor.activity("Follow", json!(self.alice_uri()))
    }

    async fn remote_account(&self, actor: &FakeActor) -> Option<RemoteAccount> {
        self.app
            .store
            .remote_account_by_uri(&actor.id)
            .await
            .expect("store")
    }

    /// Whether `actor` follows alice (or asked to).
    async fn follows_alice(&self, actor: &FakeActor) -> bool {
        let Some(account) = self.remote_account(actor).await else {
            return false;
        };
        let (following, requested) = self
            .app
            .store
            .follows_or_requested(account.account.id, self.alice.member.account.id)
            .await
            .expect("store");
        following || requested
    }

    async fn status(&self, uri: &str) -> Option<Status> {
        self.app.store.status_by_uri(uri).await.expect("store")
    }

    /// Alice posts `text` publicly through the client API; returns the post's id and
    /// its ActivityPub id.
    async fn alice_posts(&self, text: &str) -> (Id, String) {
        let token = self.app.token(&self.alice, "read write").await;
        let response = self
            .app
            .post("/api/v1/statuses")
            .bearer_auth(token)
            .json(&json!({ "status": text, "visibility": "public" }))
            .send()
            .await
            .expect("post a status");
        assert_eq!(response.status(), StatusCode::OK, "alice posts");
        let body: Value = response.json().await.expect("status JSON");
        let id: Id = body["id"]
            .as_str()
            .expect("status id")
            .parse()
            .expect("an id");
        let uri = self
            .app
            .federation
            .local
            .status_url("alice", &id.to_string())
            .to_string();
        (id, uri)
    }

    async fn local_status(&self, id: Id) -> Option<Status> {
        self.app.store.status_by_id(id).await.expect("store")
    }

    /// Alice's notifications of `kind`.
    async fn notifications_of_alice(&self, kind: NotificationKind) -> Vec<(Id, Option<Id>)> {
        self.app
            .store
            .notifications(
                self.alice.member.account.id,
                &NotificationFilter::default(),
                Page::newest(40),
                Timestamp::now(),
            )
            .await
            .expect("store")
            .into_iter()
            .filter(|n| n.kind == kind)
            .map(|n| (n.from_account_id, n.status_id))
            .collect()
    }

    /// `actor` posts a public note `id` through a signed `Create` to the shared inbox.
    async fn create_note(&self, actor: &FakeActor, id: &str, content: &str) -> Status {
        let create = actor.create(actor.note(id, content));
        let response = self
            .remote
            .sign_and_post(actor, &self.shared_inbox(), &create)
            .await;
        expect_status(response, 202, "an honest Create").await;
        self.status(id).await.expect("the created post is stored")
    }
}

/// Asserts the answer's status, showing the body when it is not.
async fn expect_status(response: reqwest::Response, expected: u16, what: &str) {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, expected, "{what}: answered {status} {body}");
}

/// Runs `call`, failing if it takes longer than `limit` (a refused fetch must not hang).
async fn quickly<T>(what: &str, limit: Duration, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, call)
        .await
        .unwrap_or_else(|_| panic!("{what}: still running after {limit:?}"))
}

/// The GET requests the fake received.
fn fetches(remote: &FakeRemote) -> Vec<String> {
    remote
        .requests()
        .into_iter()
        .filter(|r| r.method == reqwest::Method::GET)
        .map(|r| r.uri)
        .collect()
}

// ---------------------------------------------------------------------------------------
// The gate: signatures

#[tokio::test]
async fn unsigned_activity_is_refused_before_any_fetch() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let follow = w.follow_alice(&xavier);

    for inbox in [w.alice_inbox(), w.shared_inbox()] {
        let response = w.remote.post_unsigned(&inbox, &follow).await;
        expect_status(response, 401, "an unsigned Follow").await;
    }
    assert!(
        w.remote.requests().is_empty(),
        "Hamlet fetched {:?}",
        fetches(&w.remote)
    );
    assert!(
        w.remote_account(&xavier).await.is_none(),
        "no account created"
    );
    assert!(!w.follows_alice(&xavier).await);

    // Control: the same activity, signed, is accepted.
    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &follow)
        .await;
    expect_status(response, 202, "the same Follow, signed").await;
    assert!(w.follows_alice(&xavier).await);
}

#[tokio::test]
async fn body_changed_after_signing_is_refused() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let harmless = xavier.activity("Follow", json!(w.app.url("/users/nobody")));
    let follow = w.follow_alice(&xavier);

    // Signed over one body, delivered with another: the digest no longer matches.
    let tampered = xavier
        .signing()
        .post(&w.alice_inbox(), &harmless)
        .replace_json(&follow);
    expect_status(
        w.remote.send(tampered).await,
        401,
        "a body changed after signing",
    )
    .await;

    // The digest left out.
    let stripped = xavier
        .signing()
        .post(&w.alice_inbox(), &follow)
        .remove_header("digest");
    expect_status(w.remote.send(stripped).await, 401, "no Digest header").await;

    // The same with RFC 9421's Content-Digest.
    let tampered = xavier
        .signing()
        .scheme(SignatureScheme::Rfc9421)
        .post(&w.alice_inbox(), &harmless)
        .replace_json(&follow);
    expect_status(w.remote.send(tampered).await, 401, "RFC 9421, body changed").await;

    assert!(!w.follows_alice(&xavier).await, "nothing followed");
    assert!(
        w.remote_account(&xavier).await.is_none(),
        "no account created"
    );
    assert!(
        fetches(&w.remote).is_empty(),
        "the digest is checked before the key is fetched: {:?}",
        fetches(&w.remote)
    );

    // Body and Digest both replaced: the digest matches, so the key is fetched, but the
    // signature covers the digest.
    let digest = hamlet_federation::signature::digest_header(&serde_json::to_vec(&follow).unwrap());
    let tampered = xavier
        .signing()
        .post(&w.alice_inbox(), &harmless)
        .replace_json(&follow)
        .set_header("digest", &digest);
    expect_status(
        w.remote.send(tampered).await,
        401,
        "body and digest replaced",
    )
    .await;

    assert!(!w.follows_alice(&xavier).await, "nothing followed");

    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &follow)
        .await;
    expect_status(response, 202, "the same Follow, honestly signed").await;
    assert!(w.follows_alice(&xavier).await);
}

#[tokio::test]
async fn stale_or_future_signatures_are_refused() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let follow = w.follow_alice(&xavier);
    let hours = |n: u64| Duration::from_secs(n * 60 * 60);

    for scheme in [SignatureScheme::Cavage, SignatureScheme::Rfc9421] {
        let stale = xavier.signing().scheme(scheme).aged(hours(2));
        let response = w.remote.send(stale.post(&w.alice_inbox(), &follow)).await;
        expect_status(response, 401, &format!("{scheme:?} signed 2 hours ago")).await;

        let future = xavier.signing().scheme(scheme).ahead(hours(3));
        let response = w.remote.send(future.post(&w.alice_inbox(), &follow)).await;
        expect_status(response, 401, &format!("{scheme:?} signed 3 hours ahead")).await;
    }
    // A fresh signature with a stale Date header swapped in.
    let swapped = xavier.signing().post(&w.alice_inbox(), &follow).set_header(
        "date",
        &hamlet_federation::signature::http_date(std::time::SystemTime::now() - hours(2)),
    );
    expect_status(
        w.remote.send(swapped).await,
        401,
        "Date replaced after signing",
    )
    .await;

    assert!(!w.follows_alice(&xavier).await);
    assert!(w.remote_account(&xavier).await.is_none());
    assert!(fetches(&w.remote).is_empty(), "{:?}", fetches(&w.remote));

    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &follow)
        .await;
    expect_status(response, 202, "signed now").await;
    assert!(w.follows_alice(&xavier).await);
}

#[tokio::test]
async fn activity_of_one_actor_signed_by_another_is_refused() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let yvonne = w.remote.add_actor("yvonne").await;
    let follow_by_yvonne = w.follow_alice(&yvonne);

    // Xavier's valid signature on an activity whose actor is Yvonne.
    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &follow_by_yvonne)
        .await;
    expect_status(response, 401, "actor is not the signer").await;
    assert!(!w.follows_alice(&yvonne).await);
    assert!(!w.follows_alice(&xavier).await);
    assert!(
        w.remote_account(&yvonne).await.is_none(),
        "the named actor is not even fetched"
    );

    // Xavier's key, but naming Yvonne's key id.
    let forged = yvonne
        .signing()
        .with_key_of(&xavier)
        .post(&w.alice_inbox(), &follow_by_yvonne);
    expect_status(
        w.remote.send(forged).await,
        401,
        "signed with another actor's key",
    )
    .await;
    assert!(!w.follows_alice(&yvonne).await);

    // Control: Yvonne signs her own Follow.
    let response = w
        .remote
        .sign_and_post(&yvonne, &w.alice_inbox(), &follow_by_yvonne)
        .await;
    expect_status(response, 202, "Yvonne's own Follow").await;
    assert!(w.follows_alice(&yvonne).await);
    assert!(!w.follows_alice(&xavier).await);
}

#[tokio::test]
async fn signature_made_for_another_server_is_refused() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let follow = w.follow_alice(&xavier);
    let elsewhere = w.remote.url("/users/carol/inbox");

    // Signed for another server's inbox, replayed to ours with its Host header.
    let replay = xavier
        .signing()
        .post(&elsewhere, &follow)
        .retarget(&w.alice_inbox());
    assert_eq!(replay.header("host"), Some(w.remote.domain()));
    expect_status(w.remote.send(replay).await, 401, "Host of another server").await;

    // The same, with the Host header rewritten to ours: the signature covers Host.
    let rewritten = xavier
        .signing()
        .post(&elsewhere, &follow)
        .retarget(&w.alice_inbox())
        .set_header("host", &w.app.settings.domain());
    expect_status(w.remote.send(rewritten).await, 401, "Host rewritten").await;

    // Signed for our shared inbox, replayed to alice's: the path is signed too.
    let other_path = xavier
        .signing()
        .post(&w.shared_inbox(), &follow)
        .retarget(&w.alice_inbox());
    expect_status(w.remote.send(other_path).await, 401, "another path").await;

    // The same for RFC 9421 (`@target-uri`).
    let other_path = xavier
        .signing()
        .scheme(SignatureScheme::Rfc9421)
        .post(&w.shared_inbox(), &follow)
        .retarget(&w.alice_inbox());
    expect_status(
        w.remote.send(other_path).await,
        401,
        "RFC 9421, another path",
    )
    .await;

    assert!(!w.follows_alice(&xavier).await);

    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &follow)
        .await;
    expect_status(response, 202, "signed for us").await;
    assert!(w.follows_alice(&xavier).await);
}

#[tokio::test]
async fn key_id_on_our_own_instance_is_refused() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let follow = w.follow_alice(&xavier);

    for key_id in [
        w.app.url("/users/alice#main-key"),
        w.app.url("/actor#main-key"),
    ] {
        let forged = xavier
            .signing()
            .key_id(key_id.clone())
            .post(&w.alice_inbox(), &follow);
        expect_status(w.remote.send(forged).await, 401, &key_id).await;
    }
    // Impersonating alice herself, with her key id.
    let as_alice = json!({
        "id": w.app.url("/users/alice/follows/forged"),
        "type": "Follow",
        "actor": w.alice_uri(),
        "object": xavier.id,
    });
    let forged = xavier
        .signing()
        .key_id(w.app.url("/users/alice#main-key"))
        .post(&w.shared_inbox(), &as_alice);
    expect_status(w.remote.send(forged).await, 401, "alice's key id").await;

    assert!(w.remote.requests().is_empty(), "{:?}", fetches(&w.remote));
    assert!(w.remote_account(&xavier).await.is_none());
    assert!(!w.follows_alice(&xavier).await);

    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &follow)
        .await;
    expect_status(response, 202, "xavier's own key").await;
    assert!(w.follows_alice(&xavier).await);
}

#[tokio::test]
async fn key_document_must_belong_to_the_actor_it_names() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let yvonne = w.remote.add_actor("yvonne").await;
    let attacker = FakeRemote::start().await;
    let mallory = attacker.add_actor("mallory").await;
    let follow_by_xavier = w.follow_alice(&xavier);

    // Another server publishes a key document naming xavier as its owner.
    attacker.serve_json(
        "/keys/1",
        &json!({
            "id": attacker.url("/keys/1"),
            "owner": xavier.id,
            "publicKeyPem": mallory.public_key_pem,
        }),
    );
    let forged = mallory
        .signing()
        .key_id(attacker.url("/keys/1"))
        .post(&w.alice_inbox(), &follow_by_xavier);
    expect_status(
        w.remote.send(forged).await,
        401,
        "a key owned across origins",
    )
    .await;
    assert!(
        w.remote_account(&xavier).await.is_none(),
        "xavier not even fetched"
    );

    // On xavier's own server, a key document naming him that his actor does not name.
    w.remote.serve_json(
        "/keys/rogue",
        &json!({
            "id": w.remote.url("/keys/rogue"),
            "owner": xavier.id,
            "publicKeyPem": yvonne.public_key_pem,
        }),
    );
    let forged = yvonne
        .signing()
        .key_id(w.remote.url("/keys/rogue"))
        .post(&w.alice_inbox(), &follow_by_xavier);
    expect_status(
        w.remote.send(forged).await,
        401,
        "a key xavier does not publish",
    )
    .await;
    assert!(!w.follows_alice(&xavier).await);
    assert!(
        w.remote_account(&xavier).await.is_none(),
        "xavier not stored with a key he does not publish"
    );

    // Control: an actor whose document names a separate key document may sign with it.
    let kim = w.remote.add_actor("kim").await;
    let key_id = w.remote.url("/keys/kim");
    let mut document = kim.document();
    document["publicKey"]["id"] = json!(key_id);
    w.remote.serve_json("/users/kim", &document);
    w.remote.serve_json(
        "/keys/kim",
        &json!({ "id": key_id, "owner": kim.id, "publicKeyPem": kim.public_key_pem }),
    );
    let honest = kim
        .signing()
        .key_id(key_id.clone())
        .post(&w.alice_inbox(), &w.follow_alice(&kim));
    expect_status(w.remote.send(honest).await, 202, "kim's key document").await;
    assert!(w.follows_alice(&kim).await);
    assert_eq!(
        w.remote.requests_to("/keys/kim").len(),
        1,
        "the key was fetched"
    );
}

#[tokio::test]
async fn signature_covers_the_path_the_client_sent() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let follow = w.follow_alice(&xavier);
    let with_slash = format!("{}/", w.alice_inbox());

    // Signed for the path it is sent to: honest, and accepted.
    let honest = xavier.signing().post(&with_slash, &follow);
    expect_status(w.remote.send(honest).await, 202, "signed for .../inbox/").await;

    // Signed for one request target, sent to another.
    let other = xavier.activity("Follow", json!(w.alice_uri()));
    let moved = xavier
        .signing()
        .post(&w.alice_inbox(), &other)
        .retarget(&with_slash);
    expect_status(w.remote.send(moved).await, 401, "signed for .../inbox").await;
}

#[tokio::test]
async fn suspended_actor_can_no_longer_act() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let before = xavier.new_id("statuses");
    w.create_note(&xavier, &before, "<p>before</p>").await;

    let delete = xavier.activity("Delete", json!(xavier.id));
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &delete)
        .await;
    expect_status(response, 202, "xavier deletes himself").await;
    let account = w.remote_account(&xavier).await.expect("xavier");
    assert!(account.account.is_suspended());

    // His key is still stored and valid; nothing he signs may take effect any more.
    let after = xavier.new_id("statuses");
    let create = xavier.create(xavier.note(&after, "<p>after</p>"));
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &create)
        .await;
    let status = response.status().as_u16();
    assert!(w.status(&after).await.is_none(), "a post stored ({status})");
    let follow = w.follow_alice(&xavier);
    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &follow)
        .await;
    let status = response.status().as_u16();
    assert!(
        !w.follows_alice(&xavier).await,
        "a follow recorded ({status})"
    );
}

#[tokio::test]
async fn oversized_activity_is_refused() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let id = xavier.new_id("statuses");
    let huge = "a".repeat(1024 * 1024 + 1);
    let create = xavier.create(xavier.note(&id, &huge));
    assert!(serde_json::to_vec(&create).unwrap().len() > 1024 * 1024);

    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &create)
        .await;
    expect_status(response, 413, "a Create over 1 MiB").await;
    assert!(w.status(&id).await.is_none());
    assert!(w.remote.requests().is_empty(), "the size is checked first");

    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &create)
        .await;
    expect_status(response, 413, "the same to alice's inbox").await;

    let small = xavier.create(xavier.note(&id, "small"));
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &small)
        .await;
    expect_status(response, 202, "a small Create").await;
    assert!(w.status(&id).await.is_some());
}

#[tokio::test]
async fn unreadable_activity_is_refused_after_the_signature() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let mut bomb = String::new();
    for _ in 0..10_000 {
        bomb.push('[');
    }
    for body in [b"not json".to_vec(), bomb.into_bytes()] {
        let unsigned = xavier
            .signing()
            .post(&w.shared_inbox(), &json!({}))
            .replace_body(body.clone())
            .remove_header("signature");
        expect_status(w.remote.send(unsigned).await, 401, "unsigned garbage").await;
        let signed = hamlet_testkit::SignedPost::signed(&w.shared_inbox(), body, &xavier.signing());
        expect_status(w.remote.send(signed).await, 400, "signed garbage").await;
    }
}

// ---------------------------------------------------------------------------------------
// The handlers: who may change what

#[tokio::test]
async fn update_of_someone_elses_post_is_forbidden() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let yvonne = w.remote.add_actor("yvonne").await;
    let id = xavier.new_id("statuses");
    let original = w.create_note(&xavier, &id, "<p>original</p>").await;

    // Yvonne (same server) claims the post as hers.
    let mut hijacked = yvonne.note(&id, "<p>hijacked</p>");
    hijacked["updated"] = json!("2024-01-02T00:00:00Z");
    let update = yvonne.activity("Update", hijacked);
    let response = w
        .remote
        .sign_and_post(&yvonne, &w.shared_inbox(), &update)
        .await;
    expect_status(response, 403, "Update of xavier's post by yvonne").await;

    // Yvonne edits it leaving xavier as the author.
    let mut as_xavier = xavier.note(&id, "<p>hijacked</p>");
    as_xavier["updated"] = json!("2024-01-02T00:00:00Z");
    let update = yvonne.activity("Update", as_xavier);
    let response = w
        .remote
        .sign_and_post(&yvonne, &w.shared_inbox(), &update)
        .await;
    expect_status(response, 403, "Update attributed to xavier, by yvonne").await;

    let after = w.status(&id).await.expect("the post is still there");
    assert_eq!(after.content, original.content);
    assert_eq!(after.account_id, original.account_id);
    assert_eq!(after.edited_at, None);

    // Control: xavier edits his own post.
    let mut edited = xavier.note(&id, "<p>edited</p>");
    edited["updated"] = json!("2024-01-02T00:00:00Z");
    let update = xavier.activity("Update", edited);
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &update)
        .await;
    expect_status(response, 202, "xavier's own Update").await;
    let after = w.status(&id).await.expect("the post");
    assert!(after.content.contains("edited"), "{}", after.content);
    assert!(after.edited_at.is_some());
}

#[tokio::test]
async fn delete_of_someone_elses_post_is_forbidden() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let yvonne = w.remote.add_actor("yvonne").await;
    let id = xavier.new_id("statuses");
    let original = w.create_note(&xavier, &id, "<p>keep me</p>").await;
    let (local_id, local_uri) = w.alice_posts("alice keeps this").await;

    for object in [
        json!(id),
        json!({ "id": id, "type": "Tombstone" }),
        json!(local_uri),
        json!({ "id": local_uri, "type": "Tombstone" }),
    ] {
        let delete = yvonne.activity("Delete", object.clone());
        let response = w
            .remote
            .sign_and_post(&yvonne, &w.shared_inbox(), &delete)
            .await;
        expect_status(response, 403, &format!("yvonne deletes {object}")).await;
    }
    let after = w.status(&id).await.expect("xavier's post is still there");
    assert_eq!(after.content, original.content);
    let local = w
        .local_status(local_id)
        .await
        .expect("alice's post is still there");
    assert!(local.content.contains("alice keeps this"));

    // Control: xavier deletes his own post.
    let delete = xavier.activity("Delete", json!({ "id": id, "type": "Tombstone" }));
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &delete)
        .await;
    expect_status(response, 202, "xavier deletes his post").await;
    assert!(w.status(&id).await.is_none(), "deleted");
}

#[tokio::test]
async fn update_or_delete_of_an_object_on_another_origin_is_forbidden() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let other = FakeRemote::start().await;
    let zed = other.add_actor("zed").await;
    let id = xavier.new_id("statuses");
    let original = w
        .create_note(&xavier, &id, "<p>on the first server</p>")
        .await;

    // Zed, on another server, claims xavier's post.
    let update = zed.activity("Update", zed.note(&id, "<p>taken over</p>"));
    let response = other.sign_and_post(&zed, &w.shared_inbox(), &update).await;
    expect_status(response, 403, "Update of a post on another origin").await;

    let update = zed.activity("Update", xavier.note(&id, "<p>taken over</p>"));
    let response = other.sign_and_post(&zed, &w.shared_inbox(), &update).await;
    expect_status(
        response,
        403,
        "Update attributed to its author, by another origin",
    )
    .await;

    let delete = zed.activity("Delete", json!(id));
    let response = other.sign_and_post(&zed, &w.shared_inbox(), &delete).await;
    expect_status(response, 403, "Delete of a post on another origin").await;

    // Zed rewrites xavier's profile.
    let mut profile = xavier.document();
    profile["name"] = json!("pwned");
    let update = zed.activity("Update", profile);
    let response = other.sign_and_post(&zed, &w.shared_inbox(), &update).await;
    expect_status(response, 403, "Update of another actor").await;

    let after = w.status(&id).await.expect("still there");
    assert_eq!(after.content, original.content);
    assert_eq!(after.edited_at, None);
    let account = w.remote_account(&xavier).await.expect("xavier");
    assert_ne!(account.account.display_name, "pwned");

    // Control: zed may update his own posts.
    let zeds = zed.new_id("statuses");
    let create = zed.create(zed.note(&zeds, "<p>zed's</p>"));
    let response = other.sign_and_post(&zed, &w.shared_inbox(), &create).await;
    expect_status(response, 202, "zed's own post").await;
    let update = zed.activity("Update", zed.note(&zeds, "<p>zed's, edited</p>"));
    let response = other.sign_and_post(&zed, &w.shared_inbox(), &update).await;
    expect_status(response, 202, "zed's own Update").await;
    assert!(w.status(&zeds).await.unwrap().content.contains("edited"));
}

#[tokio::test]
async fn embedded_note_from_another_origin_is_refetched_not_trusted() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let other = FakeRemote::start().await;

    // A Note claiming an id on another server, which has nothing there.
    let missing = other.url("/notes/1");
    let create = xavier.create(xavier.note(&missing, "<p>forged</p>"));
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &create)
        .await;
    expect_status(
        response,
        400,
        "embedded Note of another origin, absent there",
    )
    .await;
    assert!(
        w.status(&missing).await.is_none(),
        "the embedded copy was stored"
    );
    assert_eq!(
        other.requests_to("/notes/1").len(),
        1,
        "Hamlet asks the id's origin instead of trusting the copy"
    );

    // An Announce embedding the same forged Note: the boost is of what its origin says.
    let mut boost = xavier.activity("Announce", xavier.note(&missing, "<p>forged</p>"));
    boost["to"] = json!([hamlet_testkit::remote::PUBLIC]);
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &boost)
        .await;
    expect_status(response, 400, "Announce of a forged Note").await;
    assert!(w.status(&missing).await.is_none());
    assert!(w.status(boost["id"].as_str().unwrap()).await.is_none());
    assert_eq!(other.requests_to("/notes/1").len(), 2);

    // The other server has that post, by someone else: xavier may not create it.
    let real = other.url("/notes/2");
    let mut note = xavier.note(&real, "<p>the real one</p>");
    note["attributedTo"] = json!(other.url("/users/zed"));
    other.serve_json("/notes/2", &note);
    let create = xavier.create(xavier.note(&real, "<p>forged</p>"));
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &create)
        .await;
    expect_status(response, 403, "Create of another origin's post").await;
    assert!(w.status(&real).await.is_none());
    assert!(
        w.remote_account(&xavier).await.is_some(),
        "the signer was known"
    );

    // Control: a Note on xavier's own origin is taken as embedded.
    let own = xavier.new_id("statuses");
    w.create_note(&xavier, &own, "<p>mine</p>").await;
    assert!(w.status(&own).await.unwrap().content.contains("mine"));
}

#[tokio::test]
async fn embedded_note_claiming_a_local_id_is_refused() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let (local_id, local_uri) = w.alice_posts("the real post").await;
    let unused = w.app.federation.local.status_url("alice", "1").to_string();

    for claimed in [&local_uri, &unused, &w.alice_uri()] {
        let create = xavier.create(xavier.note(claimed, "<p>forged</p>"));
        let response = w
            .remote
            .sign_and_post(&xavier, &w.shared_inbox(), &create)
            .await;
        let status = response.status().as_u16();
        assert!(
            matches!(status, 400 | 403),
            "a Create claiming the local id {claimed} answered {status}"
        );
        assert!(w.status(claimed).await.is_none(), "stored under {claimed}");
    }
    let local = w.local_status(local_id).await.expect("alice's post");
    assert!(local.content.contains("the real post"));
    assert_eq!(local.edited_at, None);

    // Control.
    let own = xavier.new_id("statuses");
    w.create_note(&xavier, &own, "<p>mine</p>").await;
}

// ---------------------------------------------------------------------------------------
// Bounded work, idempotency, SSRF

#[tokio::test]
async fn deep_reply_chain_fetches_a_bounded_number_of_ancestors() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    const DEPTH: usize = 12;
    let path = |n: usize| format!("/users/xavier/chain/{n}");
    let mut deepest = Value::Null;
    for n in 1..=DEPTH {
        let mut note = xavier.note(&w.remote.url(&path(n)), &format!("<p>{n}</p>"));
        if n > 1 {
            note["inReplyTo"] = json!(w.remote.url(&path(n - 1)));
        }
        if n == DEPTH {
            deepest = note;
        } else {
            w.remote.serve_json(&path(n), &note);
        }
    }
    let create = xavier.create(deepest);
    let response = quickly(
        "a deep reply chain",
        Duration::from_secs(10),
        w.remote.sign_and_post(&xavier, &w.shared_inbox(), &create),
    )
    .await;
    expect_status(response, 202, "the deepest reply").await;

    let fetched: Vec<String> = fetches(&w.remote)
        .into_iter()
        .filter(|uri| uri.starts_with("/users/xavier/chain/"))
        .collect();
    assert!(
        fetched.len() <= MAX_ANCESTORS_FETCHED,
        "fetched {} ancestors: {fetched:?}",
        fetched.len()
    );
    assert!(!fetched.is_empty(), "the parent is fetched");
    let post = w
        .status(&w.remote.url(&path(DEPTH)))
        .await
        .expect("the reply is stored");
    let parent = w
        .status(&w.remote.url(&path(DEPTH - 1)))
        .await
        .expect("its parent is stored");
    assert_eq!(post.in_reply_to_id, Some(parent.id));
    let oldest_fetched = DEPTH - MAX_ANCESTORS_FETCHED;
    for n in 1..oldest_fetched {
        assert!(
            w.status(&w.remote.url(&path(n))).await.is_none(),
            "ancestor {n} is beyond the bound"
        );
    }
}

#[tokio::test]
async fn redelivered_activity_is_processed_once() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let (post, post_uri) = w.alice_posts("like me").await;
    let favourites = || async {
        w.app
            .store
            .status_counts(&[post])
            .await
            .expect("store")
            .get(&post)
            .map_or(0, |c| c.favourites)
    };
    let like = xavier.activity("Like", json!(post_uri));

    for delivery in 1..=3 {
        let response = w
            .remote
            .sign_and_post(&xavier, &w.alice_inbox(), &like)
            .await;
        expect_status(response, 202, &format!("delivery {delivery} of the Like")).await;
    }
    assert_eq!(favourites().await, 1);
    let xavier_id = w.remote_account(&xavier).await.unwrap().account.id;
    assert_eq!(
        w.notifications_of_alice(NotificationKind::Favourite).await,
        vec![(xavier_id, Some(post))],
        "one notification"
    );

    // Undone, then the old Like redelivered: it was handled already, nothing changes.
    let undo = xavier.activity("Undo", like.clone());
    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &undo)
        .await;
    expect_status(response, 202, "Undo of the Like").await;
    assert_eq!(favourites().await, 0);
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &like)
        .await;
    expect_status(response, 202, "the old Like redelivered").await;
    assert_eq!(
        favourites().await,
        0,
        "a redelivered activity is not handled again"
    );
    assert!(
        w.notifications_of_alice(NotificationKind::Favourite)
            .await
            .is_empty()
    );

    // Control: a new Like (new id) counts.
    let again = xavier.activity("Like", json!(post_uri));
    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &again)
        .await;
    expect_status(response, 202, "a new Like").await;
    assert_eq!(favourites().await, 1);
}

#[tokio::test]
async fn activity_id_on_another_origin_is_refused_and_cannot_poison_deduplication() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let other = FakeRemote::start().await;
    let zed = other.add_actor("zed").await;
    let (post, post_uri) = w.alice_posts("like me").await;

    // Xavier sends a Like under an id of zed's server: had it been recorded, zed's real
    // Like with that id would later be dropped as a redelivery.
    let like = zed.activity("Like", json!(post_uri));
    let mut forged = like.clone();
    forged["actor"] = json!(xavier.id);
    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &forged)
        .await;
    expect_status(response, 403, "an activity id on another origin").await;
    let counts = w.app.store.status_counts(&[post]).await.unwrap();
    assert_eq!(counts.get(&post).map_or(0, |c| c.favourites), 0);

    // Zed's own Like with that id is handled.
    let response = other.sign_and_post(&zed, &w.alice_inbox(), &like).await;
    expect_status(response, 202, "zed's Like").await;
    let counts = w.app.store.status_counts(&[post]).await.unwrap();
    assert_eq!(counts.get(&post).map_or(0, |c| c.favourites), 1);
}

#[tokio::test]
async fn concurrent_redeliveries_are_processed_once() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    // Xavier is known before the race, so that only the activity itself races.
    let warmup = xavier.activity("Like", json!(w.app.url("/users/alice/statuses/1")));
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &warmup)
        .await;
    expect_status(response, 202, "a Like of nothing").await;

    let id = xavier.new_id("statuses");
    let mut note = xavier.note(&id, "<p>hello <a>@alice</a></p>");
    note["tag"] = json!([{ "type": "Mention", "href": w.alice_uri() }]);
    let create = xavier.create(note);
    let send = |inbox: String| {
        let create = &create;
        let remote = &w.remote;
        let xavier = &xavier;
        async move {
            remote
                .sign_and_post(xavier, &inbox, create)
                .await
                .status()
                .as_u16()
        }
    };
    let answers = tokio::join!(
        send(w.shared_inbox()),
        send(w.alice_inbox()),
        send(w.shared_inbox()),
        send(w.alice_inbox()),
    );
    let answers = [answers.0, answers.1, answers.2, answers.3];
    assert!(answers.contains(&202), "{answers:?}");
    let post = w.status(&id).await.expect("stored");
    assert_eq!(
        w.notifications_of_alice(NotificationKind::Mention)
            .await
            .len(),
        1,
        "one post, one notification ({answers:?})"
    );
    assert_eq!(post.content.matches("hello").count(), 1);
}

#[tokio::test]
async fn inbox_cannot_make_hamlet_fetch_private_addresses() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let limit = Duration::from_secs(3);

    // Creates by reference to private and link-local addresses.
    for target in [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://10.0.0.1/notes/1",
        "http://192.168.1.1/notes/1",
        "http://[fd00::1]/notes/1",
    ] {
        let create = xavier.activity("Create", json!(target));
        let response = quickly(
            target,
            limit,
            w.remote.sign_and_post(&xavier, &w.shared_inbox(), &create),
        )
        .await;
        expect_status(response, 400, &format!("Create of {target}")).await;
        assert!(w.status(target).await.is_none());
    }

    // By a redirect from a server that is allowed.
    let metadata = "http://169.254.169.254/latest/meta-data/";
    w.remote
        .serve_redirect("/users/xavier/statuses/moved", metadata);
    let moved = w.remote.url("/users/xavier/statuses/moved");
    let create = xavier.activity("Create", json!(moved));
    let response = quickly(
        "a redirect to the metadata address",
        limit,
        w.remote.sign_and_post(&xavier, &w.shared_inbox(), &create),
    )
    .await;
    expect_status(response, 400, "Create by reference through a redirect").await;
    assert_eq!(
        w.remote.requests_to("/users/xavier/statuses/moved").len(),
        1
    );
    assert!(w.status(&moved).await.is_none());
    assert!(w.status(metadata).await.is_none());

    // A key id on a private address: the gate does not fetch it.
    let forged = xavier
        .signing()
        .key_id("http://10.0.0.1/users/xavier#main-key")
        .post(&w.alice_inbox(), &w.follow_alice(&xavier));
    let response = quickly("a private key id", limit, w.remote.send(forged)).await;
    expect_status(response, 401, "key id on a private address").await;

    // A reply whose parent is on a private address: stored without its parent.
    let id = xavier.new_id("statuses");
    let mut reply = xavier.note(&id, "<p>reply</p>");
    reply["inReplyTo"] = json!("http://10.0.0.1/notes/parent");
    let response = quickly(
        "a reply to a private address",
        limit,
        w.remote
            .sign_and_post(&xavier, &w.shared_inbox(), &xavier.create(reply)),
    )
    .await;
    expect_status(response, 202, "a reply whose parent is unreachable").await;
    assert_eq!(w.status(&id).await.expect("stored").in_reply_to_id, None);

    // Control: a Create by reference to a note the (loopback) server has.
    let served = xavier.new_id("statuses");
    let path = served.trim_start_matches(&w.remote.address).to_owned();
    w.remote
        .serve_json(&path, &xavier.note(&served, "<p>by reference</p>"));
    let create = xavier.activity("Create", json!(served));
    let response = w
        .remote
        .sign_and_post(&xavier, &w.shared_inbox(), &create)
        .await;
    expect_status(response, 202, "Create by reference").await;
    assert!(w.status(&served).await.is_some());
}

// ---------------------------------------------------------------------------------------
// Positive controls

async fn follow_is_accepted_with_a_signed_accept(scheme: SignatureScheme) {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let follow = w.follow_alice(&xavier);
    let follow_id = follow["id"].as_str().unwrap().to_owned();

    let response = w
        .remote
        .sign_and_post_with(&xavier, scheme, &w.alice_inbox(), &follow)
        .await;
    expect_status(response, 202, &format!("a Follow signed with {scheme:?}")).await;
    assert!(w.follows_alice(&xavier).await);

    let accept = w
        .remote
        .wait_for_request(Duration::from_secs(10), |r| {
            r.method == reqwest::Method::POST
                && r.json().is_some_and(|body| body["type"] == "Accept")
        })
        .await
        .expect("an Accept is delivered");
    assert_eq!(accept.path(), "/users/xavier/inbox");
    let body = accept.json().unwrap();
    assert_eq!(body["actor"], json!(w.alice_uri()));
    let object_id = body["object"]["id"].as_str().or(body["object"].as_str());
    assert_eq!(object_id, Some(follow_id.as_str()), "{body}");

    // Alice's key, as Hamlet publishes it.
    let actor: Value = w
        .app
        .get("/users/alice")
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        actor["publicKey"]["id"],
        json!(w.app.url("/users/alice#main-key"))
    );
    let pem = actor["publicKey"]["publicKeyPem"].as_str().expect("a PEM");
    accept
        .verify_signature(pem)
        .expect("the Accept is signed with alice's key");
    let key_id = accept
        .headers
        .get("signature")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        key_id
            .unwrap_or_default()
            .contains(&w.app.url("/users/alice#main-key"))
            || accept.headers.contains_key("signature-input"),
        "signed as alice"
    );
    // The verification can fail: not with another key, nor over another body.
    assert!(accept.verify_signature(&xavier.public_key_pem).is_err());
    let mut altered = accept.clone();
    altered.body = serde_json::to_vec(&json!({ "type": "Reject" })).unwrap();
    assert!(altered.verify_signature(pem).is_err());
}

#[tokio::test]
async fn signed_follow_is_accepted_draft_cavage() {
    follow_is_accepted_with_a_signed_accept(SignatureScheme::Cavage).await;
}

#[tokio::test]
async fn signed_follow_is_accepted_rfc9421() {
    follow_is_accepted_with_a_signed_accept(SignatureScheme::Rfc9421).await;
}

#[tokio::test]
async fn signed_create_mentioning_a_member_is_stored_and_notifies() {
    let w = world().await;
    let xavier = w.remote.add_actor("xavier").await;
    let id = xavier.new_id("statuses");
    let mut note = xavier.note(&id, "<p>hello <a href=\"x\">@alice</a></p>");
    note["cc"] = json!([xavier.followers, w.alice_uri()]);
    note["tag"] = json!([{
        "type": "Mention",
        "href": w.alice_uri(),
        "name": format!("@alice@{}", w.app.settings.domain()),
    }]);
    let create = xavier.create(note);
    let response = w
        .remote
        .sign_and_post(&xavier, &w.alice_inbox(), &create)
        .await;
    expect_status(response, 202, "a public Note mentioning alice").await;

    let post = w.status(&id).await.expect("stored");
    assert_eq!(post.visibility, Visibility::Public);
    assert!(post.content.contains("hello"));
    assert!(!post.local);
    let xavier_id = w.remote_account(&xavier).await.unwrap().account.id;
    assert_eq!(post.account_id, xavier_id);
    assert_eq!(
        w.notifications_of_alice(NotificationKind::Mention).await,
        vec![(xavier_id, Some(post.id))]
    );
}
