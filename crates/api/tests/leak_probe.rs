//! The leak probe: local-only posts never reach another server, by any path.
//!
//! Instance A has members who post local-only in every shape (each visibility, the three
//! ways of asking and the marker, replies to local-only and to remote posts, boosts,
//! pins, remote mentions, hashtags, edits, favourites, deletions). Instance B (another
//! Hamlet, in process) and a fake remote server follow A's members, and A's members
//! follow them back. Every byte A sends to B and to the fake, and every byte A answers to
//! anyone who is not a signed-in member, is recorded; none of it may contain a
//! local-only post's text, id or address. Every path that could show a post is then
//! requested anonymously, signed as B and signed as the fake: local-only posts answer
//! exactly as posts that do not exist. Federated control posts go through the same
//! motions and must arrive, so that a broken delivery cannot pass for safety.

use std::time::Duration;

use hamlet_core::Timestamp;
use hamlet_core::role::Role;
use hamlet_testkit::{
    FakeActor, FakeRemote, TestApp, eventually, spawn_app_with, spawn_federating_app,
};
use serde_json::{Value, json};
use url::Url;

fn domain(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// A member's app on an instance.
struct Client<'a> {
    app: &'a TestApp,
    token: String,
}

impl Client<'_> {
    async fn new<'a>(app: &'a TestApp, name: &str) -> Client<'a> {
        let member = app.create_member(name, Role::Member).await;
        let token = app.token(&member, "read write follow").await;
        Client { app, token }
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .app
            .get(path)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .app
            .client
            .request(method.clone(), self.app.url(path))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let value: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{method} {path}: {value}");
        value
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, body).await
    }

    /// Writes a post and returns its entity.
    async fn write(&self, body: Value) -> Value {
        self.post("/api/v1/statuses", body).await
    }

    /// The local id of the account `handle` (`user@domain`), looked up on its server.
    async fn resolve(&self, handle: &str) -> String {
        let found = self
            .get(&format!(
                "/api/v2/search?q=@{handle}&resolve=true&type=accounts"
            ))
            .await;
        found["accounts"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{handle} not found: {found}"))
            .to_owned()
    }

    async fn follows(&self, account: &str) -> bool {
        let r = self
            .get(&format!("/api/v1/accounts/relationships?id[]={account}"))
            .await;
        r[0]["following"] == true
    }
}

fn id(entity: &Value) -> String {
    entity["id"].as_str().unwrap().to_owned()
}

/// A string that appears nowhere unless this test wrote it.
fn canary(label: &str) -> String {
    format!(
        "{label}{}",
        &hamlet_core::secret::generate()[..16].replace(['-', '_'], "x")
    )
}

/// What must never leave A: the texts of local-only posts, their ids and addresses.
#[derive(Default)]
struct Secrets {
    needles: Vec<String>,
    ids: Vec<String>,
}

impl Secrets {
    fn text(&mut self, text: &str) {
        self.needles.push(text.to_owned());
    }

    /// Records a local-only post (or boost) from its entity.
    fn post(&mut self, entity: &Value) {
        assert_eq!(entity["local_only"], true, "not local-only: {entity}");
        let id = id(entity);
        self.needles.push(id.clone());
        self.needles.push(format!("/statuses/{id}"));
        self.ids.push(id);
        for field in ["uri", "url"] {
            if let Some(address) = entity[field].as_str() {
                self.needles.push(address.to_owned());
            }
        }
    }

    /// The needles found in `haystack`.
    fn found_in(&self, haystack: &str) -> Vec<String> {
        self.needles
            .iter()
            .filter(|needle| haystack.contains(needle.as_str()))
            .cloned()
            .collect()
    }
}

/// A signed GET as the fake server's actor; the status and body.
async fn signed_get(actor: &FakeActor, url: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .execute(actor.signing().get(url))
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn anonymous_get(app: &TestApp, path: &str, accept: &str) -> (u16, String) {
    let response = app.get(path).header("accept", accept).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

const ACTIVITY_JSON: &str = "application/activity+json";

#[tokio::test]
async fn local_only_posts_never_leave_by_any_path() {
    let a = spawn_app_with(|settings| {
        settings.insecure_local_federation = true;
        // Anonymous visitors may read the community timeline here, to probe it.
        settings.timelines.local_public = true;
    })
    .await;
    let b = spawn_federating_app().await;
    let remote = FakeRemote::start().await;
    let dave = remote.add_actor("dave").await;
    let alice = Client::new(&a, "alice").await;
    let bob = Client::new(&a, "bob").await;
    let carol = Client::new(&b, "carol").await;
    let (a_domain, b_domain) = (domain(&a), domain(&b));

    // Carol (on B) follows alice and bob; alice follows carol; dave (the fake) follows
    // alice.
    for name in ["alice", "bob"] {
        let on_b = carol.resolve(&format!("{name}@{a_domain}")).await;
        carol
            .post(&format!("/api/v1/accounts/{on_b}/follow"), json!({}))
            .await;
        eventually(&format!("carol follows {name}"), || carol.follows(&on_b)).await;
    }
    let carol_on_a = alice.resolve(&format!("carol@{b_domain}")).await;
    alice
        .post(&format!("/api/v1/accounts/{carol_on_a}/follow"), json!({}))
        .await;
    eventually("alice follows carol", || alice.follows(&carol_on_a)).await;
    let followed = remote
        .sign_and_post(
            &dave,
            &a.url("/users/alice/inbox"),
            &dave.activity("Follow", json!(a.url("/users/alice"))),
        )
        .await;
    assert!(followed.status().is_success(), "{}", followed.status());
    remote
        .wait_for_request(Duration::from_secs(20), |r| {
            r.path() == "/users/dave/inbox"
                && r.json()
                    .is_some_and(|activity| activity["type"] == "Accept")
        })
        .await
        .expect("dave's follow is accepted");

    // Carol posts; alice will reply to it.
    let carols = carol.write(json!({"status": canary("carols post ")})).await;
    let carols_uri = carols["uri"].as_str().unwrap().to_owned();
    eventually("carol's post reaches A", || async {
        a.store.status_by_uri(&carols_uri).await.unwrap().is_some()
    })
    .await;
    let carols_on_a = a
        .store
        .status_by_uri(&carols_uri)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();

    // Federated controls, put through the same motions as the local-only posts.
    let control_text = canary("control ");
    let control = alice
        .write(json!({
            "status": format!("{control_text} #leakprobe @carol@{b_domain}"),
        }))
        .await;
    assert_eq!(control["local_only"], false);
    let control_id = id(&control);
    let edited_control_text = canary("edited control ");
    let short_lived_control = alice.write(json!({"status": canary("gone ")})).await;

    let mut secrets = Secrets::default();
    let mut local_only = Vec::new();
    // Every way of asking, and every visibility.
    let asks = [
        json!({"local_only": true}),
        json!({"local_only": "true", "visibility": "unlisted"}),
        json!({"local_only": true, "visibility": "private"}),
        json!({"federated": false}),
        json!({"visibility": "local"}),
    ];
    for ask in asks {
        let text = canary("secret ");
        secrets.text(&text);
        let mut body = ask.clone();
        body["status"] = json!(format!("{text} #leakprobe"));
        let post = alice.write(body).await;
        secrets.post(&post);
        local_only.push(post);
    }
    let marked_text = canary("marked ");
    secrets.text(&marked_text);
    let marked = alice
        .write(json!({"status": format!("{marked_text} :local_only:")}))
        .await;
    secrets.post(&marked);
    let in_spoiler = canary("spoiler ");
    secrets.text(&in_spoiler);
    let spoilered = alice
        .write(json!({"status": "behind a warning", "spoiler_text": format!("{in_spoiler} :local_only:")}))
        .await;
    secrets.post(&spoilered);
    // A direct message and a public post that mention carol (remote) and bob.
    let dm_text = canary("direct ");
    secrets.text(&dm_text);
    let dm = alice
        .write(json!({
            "status": format!("@bob @carol@{b_domain} {dm_text}"),
            "visibility": "direct",
            "local_only": true,
        }))
        .await;
    secrets.post(&dm);
    assert_eq!(
        dm["unreached_mentions"],
        json!([format!("carol@{b_domain}")])
    );
    let mention_text = canary("mention ");
    secrets.text(&mention_text);
    let mention = alice
        .write(json!({
            "status": format!("@carol@{b_domain} {mention_text}"),
            "local_only": true,
        }))
        .await;
    secrets.post(&mention);
    let first = &local_only[0];
    let first_id = id(first);

    // Replies: to a local-only post (asking to federate: inherited anyway), to carol's
    // remote post, and to the federated control.
    let reply_text = canary("reply ");
    secrets.text(&reply_text);
    let reply = bob
        .write(json!({
            "status": format!("@alice {reply_text}"),
            "in_reply_to_id": first_id,
            "local_only": false,
        }))
        .await;
    secrets.post(&reply);
    let reply_to_remote_text = canary("to carol ");
    secrets.text(&reply_to_remote_text);
    let reply_to_remote = alice
        .write(json!({
            "status": format!("@carol@{b_domain} {reply_to_remote_text}"),
            "in_reply_to_id": carols_on_a,
            "local_only": true,
        }))
        .await;
    secrets.post(&reply_to_remote);
    let under_control_text = canary("under control ");
    secrets.text(&under_control_text);
    let under_control = bob
        .write(json!({
            "status": under_control_text,
            "in_reply_to_id": control_id,
            "local_only": true,
        }))
        .await;
    secrets.post(&under_control);

    // Boosts (one undone and done again), favourites, a pin, an edit, a deletion.
    let boost = bob
        .post(&format!("/api/v1/statuses/{first_id}/reblog"), json!({}))
        .await;
    secrets.post(&boost);
    bob.post(&format!("/api/v1/statuses/{first_id}/unreblog"), json!({}))
        .await;
    let boost = bob
        .post(&format!("/api/v1/statuses/{first_id}/reblog"), json!({}))
        .await;
    secrets.post(&boost);
    let own_boost = alice
        .post(
            &format!("/api/v1/statuses/{}/reblog", id(&mention)),
            json!({}),
        )
        .await;
    secrets.post(&own_boost);
    for path in ["favourite", "unfavourite", "favourite", "bookmark"] {
        bob.post(&format!("/api/v1/statuses/{first_id}/{path}"), json!({}))
            .await;
    }
    alice
        .post(&format!("/api/v1/statuses/{first_id}/pin"), json!({}))
        .await;
    let edit_text = canary("edited ");
    secrets.text(&edit_text);
    let edited = alice
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{first_id}"),
            json!({"status": format!("{edit_text} :local_only:"), "local_only": false}),
        )
        .await;
    assert_eq!(edited["local_only"], true, "an edit cannot federate a post");
    let deleted = alice
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{}", id(&local_only[1])),
            json!({}),
        )
        .await;
    assert_eq!(deleted["local_only"], true);

    // The controls: boosted, favourited, pinned, edited, one deleted.
    bob.post(&format!("/api/v1/statuses/{control_id}/reblog"), json!({}))
        .await;
    bob.post(
        &format!("/api/v1/statuses/{control_id}/favourite"),
        json!({}),
    )
    .await;
    alice
        .post(&format!("/api/v1/statuses/{control_id}/pin"), json!({}))
        .await;
    alice
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{control_id}"),
            json!({"status": format!("{edited_control_text} #leakprobe")}),
        )
        .await;
    alice
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{}", id(&short_lived_control)),
            json!({}),
        )
        .await;

    // The controls arrive (so deliveries flow), then the queue drains.
    let control_uri = control["uri"].as_str().unwrap().to_owned();
    eventually("the edited control reaches B", || async {
        b.store
            .status_by_uri(&control_uri)
            .await
            .unwrap()
            .is_some_and(|s| s.content.contains(&edited_control_text))
    })
    .await;
    eventually("bob's boost of the control reaches B", || async {
        b.traffic
            .exchanges()
            .iter()
            .any(|x| x.request_body.contains("\"Announce\""))
    })
    .await;
    eventually("the deleted control is deleted on B", || async {
        b.traffic
            .exchanges()
            .iter()
            .any(|x| x.request_body.contains("\"Delete\""))
    })
    .await;
    remote
        .wait_for_request(Duration::from_secs(20), |r| {
            r.path() == "/users/dave/inbox"
                && String::from_utf8_lossy(&r.body).contains(&edited_control_text)
        })
        .await
        .expect("the control's Update reaches dave");
    eventually("A's deliveries drain", || async {
        a.store
            .delivery_queue_stats(Timestamp::now())
            .await
            .unwrap()
            .deliveries
            == 0
    })
    .await;

    // Probes: every path that shows a post, anonymously, signed as B's instance actor,
    // signed as dave. A local-only post answers as a post that does not exist.
    let missing = "1234567890123456789";
    for secret in &secrets.ids {
        for (path, accept) in [
            (format!("/users/alice/statuses/{secret}"), ACTIVITY_JSON),
            (format!("/users/bob/statuses/{secret}"), ACTIVITY_JSON),
            (
                format!("/users/alice/statuses/{secret}/replies"),
                ACTIVITY_JSON,
            ),
            (
                format!("/users/alice/statuses/{secret}/activity"),
                ACTIVITY_JSON,
            ),
            (format!("/@alice/{secret}"), "text/html"),
            (format!("/api/v1/statuses/{secret}"), "application/json"),
            (
                format!("/api/v1/statuses/{secret}/context"),
                "application/json",
            ),
            (
                format!("/api/v1/statuses/{secret}/favourited_by"),
                "application/json",
            ),
            (
                format!("/api/v1/statuses/{secret}/reblogged_by"),
                "application/json",
            ),
        ] {
            let nothing = anonymous_get(&a, &path.replace(secret.as_str(), missing), accept).await;
            assert_eq!(
                anonymous_get(&a, &path, accept).await,
                nothing,
                "anonymous GET {path}"
            );
            if accept == ACTIVITY_JSON {
                let (status, _) = signed_get(&dave, &a.url(&path)).await;
                assert_eq!(status, 404, "GET {path} signed by dave");
                let fetched = b
                    .federation
                    .fetch_signed(&Url::parse(&a.url(&path)).unwrap())
                    .await;
                assert!(fetched.is_err(), "GET {path} signed by B: {fetched:?}");
            }
        }
    }
    // Collections and lists: readable, without any local-only post (the global check
    // below reads their bodies), with the controls where they belong.
    let alice_id = alice.get("/api/v1/accounts/verify_credentials").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        "/users/alice/outbox",
        "/users/alice/outbox?page=true",
        "/users/bob/outbox?page=true",
        "/users/alice/collections/featured",
        "/users/bob/collections/featured",
        "/users/alice/followers",
        &format!("/users/alice/statuses/{control_id}/replies"),
    ] {
        let (status, body) = signed_get(&dave, &a.url(path)).await;
        assert_eq!(status, 200, "GET {path} signed by dave: {body}");
        let fetched = b
            .federation
            .fetch_signed(&Url::parse(&a.url(path)).unwrap())
            .await
            .unwrap_or_else(|e| panic!("GET {path} signed by B: {e}"));
        assert!(fetched.json.is_object());
        assert_eq!(
            anonymous_get(&a, path, ACTIVITY_JSON).await.0,
            200,
            "{path}"
        );
    }
    let outbox = anonymous_get(&a, "/users/alice/outbox?page=true", ACTIVITY_JSON)
        .await
        .1;
    assert!(outbox.contains(&edited_control_text), "{outbox}");
    let featured = anonymous_get(&a, "/users/alice/collections/featured", ACTIVITY_JSON)
        .await
        .1;
    assert!(featured.contains(&control_uri), "{featured}");
    for path in [
        "/api/v1/timelines/public".to_owned(),
        "/api/v1/timelines/public?local=true".to_owned(),
        "/api/v1/timelines/tag/leakprobe".to_owned(),
        format!("/api/v1/accounts/{alice_id}/statuses"),
        format!("/api/v1/accounts/{alice_id}/statuses?pinned=true"),
        format!("/api/v1/statuses/{control_id}/context"),
        format!("/api/v2/search?q={}", &secrets.needles[0]),
        "/api/v2/search?q=leakprobe&type=statuses".to_owned(),
    ] {
        let (status, _) = anonymous_get(&a, &path, "application/json").await;
        assert_eq!(status, 200, "anonymous GET {path}");
    }
    let local = anonymous_get(
        &a,
        "/api/v1/timelines/public?local=true",
        "application/json",
    )
    .await
    .1;
    assert!(local.contains(&edited_control_text), "{local}");
    // Searching for a local-only post's address, as a visitor: nothing.
    let address = local_only[0]["uri"].as_str().unwrap();
    let (_, found) = anonymous_get(
        &a,
        &format!("/api/v2/search?q={address}&resolve=true"),
        "application/json",
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&found).unwrap()["statuses"],
        json!([])
    );

    // Members of A still see everything, marked local-only.
    let home = carol.get("/api/v1/timelines/home").await;
    assert!(!home.to_string().contains("secret "), "{home}");
    let bobs_home = bob.get("/api/v1/timelines/home?limit=40").await;
    assert!(
        bobs_home
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["local_only"] == true),
        "{bobs_home}"
    );

    // Give any stray delivery time to go out before reading what was sent.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // What B received, whole (requests from A and B's own answers).
    let mut leaks = Vec::new();
    for exchange in b.traffic.exchanges() {
        for found in secrets.found_in(&exchange.all_text()) {
            leaks.push(format!(
                "to B: {} {}: {found}",
                exchange.method, exchange.uri
            ));
        }
    }
    // What the fake received.
    for request in remote.requests() {
        let text = format!(
            "{} {}\n{:?}\n{}",
            request.method,
            request.uri,
            request.headers,
            String::from_utf8_lossy(&request.body)
        );
        for found in secrets.found_in(&text) {
            leaks.push(format!(
                "to dave's server: {} {}: {found}",
                request.method, request.uri
            ));
        }
    }
    // What A answered to anyone but its members' apps (visitors, B, dave).
    let mut answered = 0;
    for exchange in a.traffic.exchanges() {
        if exchange.has_bearer_token() {
            continue;
        }
        answered += 1;
        let headers: String = exchange
            .response_headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\n"))
            .collect();
        let text = format!("{headers}\n{}", exchange.response_body);
        for found in secrets.found_in(&text) {
            leaks.push(format!(
                "answered by A to {} {}: {found}",
                exchange.method, exchange.uri
            ));
        }
    }
    assert!(
        leaks.is_empty(),
        "local-only content left A:\n{}",
        leaks.join("\n")
    );

    // The probe could have failed: the controls did travel the same paths.
    let to_b: String = b
        .traffic
        .exchanges()
        .iter()
        .map(|x| x.request_body.clone())
        .collect();
    assert!(to_b.contains(&control_text) && to_b.contains(&edited_control_text));
    assert!(
        answered > 100,
        "only {answered} exchanges with A were probed"
    );
}
