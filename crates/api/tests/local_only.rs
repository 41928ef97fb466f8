//! Local-only posts: every way of asking for one, how locality is decided (inherited,
//! marker, asked, member default, community default) and kept through edits, what the
//! answers say about it, and the audience rule: anonymous visitors never see a
//! local-only post (it answers exactly like a missing one), members see it wherever its
//! visibility lets them.

mod common;

use common::assert_error;
use hamlet_core::role::Role;
use hamlet_core::scope::Scopes;
use hamlet_core::{Timestamp, secret};
use hamlet_store::{CommunitySettings, NewAccessToken, NewApplication, RemoteAccountUpsert};
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::{TestApp, TestMember, spawn_app_with};
use serde_json::{Value, json};

/// A valid id that names no post.
const MISSING: &str = "1";

/// Alice writes; Bob follows her; Carol does not.
struct Community {
    app: TestApp,
    alice: TestMember,
    a: String,
    bob: TestMember,
    b: String,
    carol: TestMember,
    c: String,
}

async fn community() -> Community {
    community_with(|_| {}).await
}

async fn community_with(configure: impl FnOnce(&mut hamlet_api::Settings)) -> Community {
    let app = spawn_app_with(configure).await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let carol = app.create_member("carol", Role::Member).await;
    let scopes = "read write follow";
    let a = app.token(&alice, scopes).await;
    let b = app.token(&bob, scopes).await;
    let c = app.token(&carol, scopes).await;
    app.store
        .insert_follow(
            bob.member.account.id,
            alice.member.account.id,
            Timestamp::now(),
        )
        .await
        .unwrap();
    Community {
        app,
        alice,
        a,
        bob,
        b,
        carol,
        c,
    }
}

async fn create(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.post("/api/v1/statuses")
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn create_form(app: &TestApp, token: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.post("/api/v1/statuses")
        .bearer_auth(token)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The `Status` a successful answer carries, checked against the spec.
async fn status_of(response: reqwest::Response, what: &str) -> Value {
    let code = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(code, 200, "{what}: {text}");
    let status: Value = serde_json::from_str(&text).unwrap();
    assert_conforms(&status, "Status");
    status
}

async fn created(app: &TestApp, token: &str, body: Value) -> Value {
    status_of(create(app, token, &body).await, &body.to_string()).await
}

async fn edited(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    let response = app
        .client
        .put(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    status_of(response, &format!("editing with {body}")).await
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let request = app.get(path);
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.unwrap()
}

/// The JSON of a successful GET.
async fn read(app: &TestApp, token: Option<&str>, path: &str) -> Value {
    let response = get(app, token, path).await;
    let code = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(code, 200, "GET {path} ({}): {text}", who(token));
    serde_json::from_str(&text).unwrap()
}

/// The ids of the posts a list answers, each checked against the spec.
async fn listed(app: &TestApp, token: Option<&str>, path: &str) -> Vec<String> {
    let body = read(app, token, path).await;
    for status in body.as_array().unwrap() {
        assert_conforms(status, "Status");
    }
    ids(&body)
}

/// A POST without a body that must succeed (favourite, reblog, pin...).
async fn act(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.post(path).bearer_auth(token).send().await.unwrap();
    let code = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(code, 200, "POST {path}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Status code and body, to compare an answer with another byte for byte.
async fn answer(app: &TestApp, token: Option<&str>, path: &str) -> (u16, String) {
    let response = get(app, token, path).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn search(app: &TestApp, token: Option<&str>, query: &str) -> Vec<String> {
    let body = read(app, token, &format!("/api/v2/search?{query}")).await;
    assert_conforms(&body, "Search");
    ids(&body["statuses"])
}

/// A token of an application acting for nobody (as the client-credentials grant gives):
/// whoever holds it is not signed in here.
async fn app_only_token(app: &TestApp) -> String {
    let now = Timestamp::now();
    let scopes = Scopes::parse("read").unwrap();
    let client = app
        .store
        .insert_application(NewApplication {
            client_id: secret::generate(),
            client_secret_digest: secret::digest(&secret::generate()),
            name: "reader".into(),
            website: None,
            redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
            scopes: scopes.clone(),
            created_at: now,
        })
        .await
        .unwrap();
    let token = secret::generate();
    app.store
        .insert_access_token(NewAccessToken {
            token_digest: secret::digest(&token),
            application_id: client.id,
            account_id: None,
            authorization_code_digest: None,
            scopes,
            created_at: now,
        })
        .await
        .unwrap();
    token
}

fn who(token: Option<&str>) -> &'static str {
    if token.is_some() {
        "a member"
    } else {
        "anonymous"
    }
}

fn id(status: &Value) -> String {
    status["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {status}"))
        .to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(id)
        .collect()
}

fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn set_community_default(app: &TestApp, local_only: bool) {
    app.store
        .set_community_settings(
            CommunitySettings {
                default_local_only: local_only,
                ..Default::default()
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
}

async fn update_credentials_json(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    credential_account(response, &body.to_string()).await
}

async fn update_credentials_form(app: &TestApp, token: &str, form: &[(&str, &str)]) -> Value {
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(token)
        .form(form)
        .send()
        .await
        .unwrap();
    credential_account(response, &format!("{form:?}")).await
}

async fn credential_account(response: reqwest::Response, what: &str) -> Value {
    let code = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(code, 200, "{what}: {text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_conforms(&body, "CredentialAccount");
    body
}

async fn verify_credentials(app: &TestApp, token: &str) -> Value {
    let body = read(app, Some(token), "/api/v1/accounts/verify_credentials").await;
    assert_conforms(&body, "CredentialAccount");
    body
}

async fn preferences(app: &TestApp, token: &str) -> Value {
    let body = read(app, Some(token), "/api/v1/preferences").await;
    assert_conforms(&body, "Preferences");
    body
}

/// `configuration.statuses` of instance v2 and v1, each checked against the spec.
async fn instance_statuses(app: &TestApp) -> [Value; 2] {
    let v2 = read(app, None, "/api/v2/instance").await;
    assert_conforms(&v2, "Instance");
    let v1 = read(app, None, "/api/v1/instance").await;
    assert_conforms(&v1, "V1Instance");
    [
        v2["configuration"]["statuses"].clone(),
        v1["configuration"]["statuses"].clone(),
    ]
}

/// Whether a plain post by the holder of `token`, asking nothing, comes out local-only.
async fn plain_post_is_local_only(app: &TestApp, token: &str) -> bool {
    let status = created(app, token, json!({"status": "nothing asked"})).await;
    status["local_only"].as_bool().unwrap()
}

#[tokio::test]
async fn every_way_of_asking_makes_a_post_local_only_in_json_and_in_forms() {
    let c = community().await;
    let app = &c.app;
    let json_ways = [
        json!({"status": "asked", "local_only": true}),
        json!({"status": "asked as a string", "local_only": "true"}),
        json!({"status": "not federated", "federated": false}),
        json!({"status": "local visibility", "visibility": "local"}),
        json!({"status": "marked :local_only:"}),
        json!({"status": "warned", "spoiler_text": "a warning :local_only:"}),
        json!({"status": "all agree", "local_only": true, "federated": false, "visibility": "local"}),
    ];
    for body in json_ways {
        let status = created(app, &c.a, body.clone()).await;
        assert_eq!(status["local_only"], true, "{body}");
        assert_eq!(status["visibility"], "public", "{body}");
        assert!(
            !status["content"].as_str().unwrap().contains(":local_only:")
                && !status["spoiler_text"]
                    .as_str()
                    .unwrap()
                    .contains(":local_only:"),
            "{body} -> {status}"
        );
        let shown = read(
            app,
            Some(&c.c),
            &format!("/api/v1/statuses/{}", id(&status)),
        )
        .await;
        assert_conforms(&shown, "Status");
        assert_eq!(shown["local_only"], true, "{body}");
    }
    let form_ways: [&[(&str, &str)]; 7] = [
        &[("status", "asked"), ("local_only", "true")],
        &[("status", "asked with a one"), ("local_only", "1")],
        &[("status", "not federated"), ("federated", "false")],
        &[("status", "local visibility"), ("visibility", "local")],
        &[("status", "marked :local_only:")],
        &[("status", "warned"), ("spoiler_text", ":local_only: cw")],
        &[
            ("status", "all agree"),
            ("local_only", "true"),
            ("federated", "false"),
            ("visibility", "local"),
        ],
    ];
    for form in form_ways {
        let what = format!("form {form:?}");
        let status = status_of(create_form(app, &c.a, form).await, &what).await;
        assert_eq!(status["local_only"], true, "{what}");
        assert_eq!(status["visibility"], "public", "{what}");
        assert!(
            !status["content"].as_str().unwrap().contains(":local_only:")
                && !status["spoiler_text"]
                    .as_str()
                    .unwrap()
                    .contains(":local_only:"),
            "{what} -> {status}"
        );
    }
    // Locality and visibility are separate: asking for local-only keeps the visibility.
    for visibility in ["unlisted", "private", "direct"] {
        let status = created(
            app,
            &c.a,
            json!({"status": "@bob for us", "visibility": visibility, "local_only": true}),
        )
        .await;
        assert_eq!(status["visibility"], visibility);
        assert_eq!(status["local_only"], true, "{visibility}");
        let marked = created(
            app,
            &c.a,
            json!({"status": "@bob marked :local_only:", "visibility": visibility}),
        )
        .await;
        assert_eq!(marked["visibility"], visibility);
        assert_eq!(marked["local_only"], true, "{visibility}");
    }
}

#[tokio::test]
async fn the_marker_is_removed_from_the_text_the_warning_and_the_source() {
    let c = community().await;
    let app = &c.app;
    let status = created(
        app,
        &c.a,
        json!({"status": "hello :local_only: world", "spoiler_text": "careful :local_only:"}),
    )
    .await;
    assert_eq!(status["local_only"], true);
    assert_eq!(status["content"], "<p>hello world</p>");
    assert_eq!(status["spoiler_text"], "careful");
    let source = read(
        app,
        Some(&c.a),
        &format!("/api/v1/statuses/{}/source", id(&status)),
    )
    .await;
    assert_conforms(&source, "StatusSource");
    assert_eq!(source["text"], "hello world");
    assert_eq!(source["spoiler_text"], "careful");
    let history = read(
        app,
        Some(&c.a),
        &format!("/api/v1/statuses/{}/history", id(&status)),
    )
    .await;
    for version in history.as_array().unwrap() {
        assert_conforms(version, "StatusEdit");
        assert!(!version.to_string().contains(":local_only:"), "{version}");
    }

    // On a line of its own, the marker leaves no trace.
    let status = created(
        app,
        &c.a,
        json!({"status": ":local_only:\nfirst line\nsecond line"}),
    )
    .await;
    assert_eq!(status["local_only"], true);
    let source = read(
        app,
        Some(&c.a),
        &format!("/api/v1/statuses/{}/source", id(&status)),
    )
    .await;
    assert_eq!(source["text"], "first line\nsecond line");

    // A warning that was only the marker is no warning: nothing sensitive about it.
    let status = created(
        app,
        &c.a,
        json!({"status": "quiet", "spoiler_text": ":local_only:"}),
    )
    .await;
    assert_eq!(status["local_only"], true);
    assert_eq!(status["spoiler_text"], "");
    assert_eq!(status["sensitive"], false);

    // Text that is only the marker leaves nothing to post.
    assert_error(
        create(app, &c.a, &json!({"status": ":local_only:"})).await,
        422,
        "blank",
    )
    .await;

    // Something like the marker is just text.
    let status = created(
        app,
        &c.a,
        json!({"status": "not :local_only or local_only:"}),
    )
    .await;
    assert_eq!(status["local_only"], false);
    assert_eq!(status["content"], "<p>not :local_only or local_only:</p>");
}

#[tokio::test]
async fn contradictions_and_unknown_visibilities_are_refused_and_store_nothing() {
    let c = community().await;
    let app = &c.app;
    let contradictions = [
        json!({"status": "x", "local_only": true, "federated": true}),
        json!({"status": "x", "local_only": false, "federated": false}),
        json!({"status": "x", "local_only": false, "visibility": "local"}),
        json!({"status": "x", "federated": true, "visibility": "local"}),
        json!({"status": "x", "local_only": "1", "federated": "1"}),
        json!({"status": "x", "local_only": true, "federated": true, "visibility": "local"}),
    ];
    for body in contradictions {
        assert_error(create(app, &c.a, &body).await, 422, "disagree").await;
    }
    let forms: [&[(&str, &str)]; 3] = [
        &[
            ("status", "x"),
            ("local_only", "true"),
            ("federated", "true"),
        ],
        &[
            ("status", "x"),
            ("local_only", "false"),
            ("visibility", "local"),
        ],
        &[
            ("status", "x"),
            ("federated", "true"),
            ("visibility", "local"),
        ],
    ];
    for form in forms {
        assert_error(create_form(app, &c.a, form).await, 422, "disagree").await;
    }
    // The marker is no parameter: it makes a post local-only whatever was asked.
    for body in [
        json!({"status": "x :local_only:", "local_only": false}),
        json!({"status": "x :local_only:", "federated": true}),
        json!({"status": "x", "spoiler_text": ":local_only:", "local_only": false}),
    ] {
        let status = created(app, &c.b, body.clone()).await;
        assert_eq!(status["local_only"], true, "{body}");
    }

    for visibility in ["everyone", "locally", "federated"] {
        assert_error(
            create(app, &c.a, &json!({"status": "x", "visibility": visibility})).await,
            422,
            "visibility",
        )
        .await;
        assert_error(
            create_form(app, &c.a, &[("status", "x"), ("visibility", visibility)]).await,
            422,
            "visibility",
        )
        .await;
    }
    assert_eq!(
        create(app, &c.a, &json!({"status": "x", "local_only": "maybe"}))
            .await
            .status(),
        422
    );
    assert_eq!(
        create(app, &c.a, &json!({"status": "x", "federated": "perhaps"}))
            .await
            .status(),
        422
    );
    let stored = listed(
        app,
        Some(&c.a),
        &format!("/api/v1/accounts/{}/statuses", c.alice.id()),
    )
    .await;
    assert!(stored.is_empty(), "refused posts were stored: {stored:?}");
}

#[tokio::test]
async fn posts_federate_unless_asked_and_say_so() {
    let c = community().await;
    let app = &c.app;
    for body in [
        json!({"status": "plain"}),
        json!({"status": "plain", "local_only": false}),
        json!({"status": "plain", "federated": true}),
        json!({"status": "plain", "visibility": "public"}),
        json!({"status": "plain", "visibility": ""}),
        json!({"status": "plain", "local_only": "", "federated": ""}),
        json!({"status": "quiet", "visibility": "unlisted", "local_only": false, "federated": true}),
        json!({"status": "@bob psst", "visibility": "direct"}),
    ] {
        let status = created(app, &c.a, body.clone()).await;
        assert_eq!(status["local_only"], false, "{body}");
        assert!(
            status.get("unreached_mentions").is_none(),
            "only answers about local-only posts list unreached mentions: {status}"
        );
    }
    let form = status_of(
        create_form(app, &c.a, &[("status", "from a form")]).await,
        "a plain form",
    )
    .await;
    assert_eq!(form["local_only"], false);
    let shown = read(app, None, &format!("/api/v1/statuses/{}", id(&form))).await;
    assert_conforms(&shown, "Status");
    assert_eq!(shown["local_only"], false);
}

#[tokio::test]
async fn replies_to_and_boosts_of_local_only_posts_are_local_only() {
    let c = community().await;
    let app = &c.app;
    let root = created(app, &c.a, json!({"status": "for us", "local_only": true})).await;
    let reply = created(
        app,
        &c.b,
        json!({"status": "@alice sure", "in_reply_to_id": id(&root), "local_only": false}),
    )
    .await;
    assert_eq!(reply["in_reply_to_id"], root["id"]);
    assert_eq!(
        reply["local_only"], true,
        "a reply to a local-only post is local-only, whatever was asked"
    );
    let deeper = created(
        app,
        &c.c,
        json!({"status": "@bob me too", "in_reply_to_id": id(&reply), "federated": true}),
    )
    .await;
    assert_eq!(deeper["local_only"], true, "the whole thread below stays");
    let plain_reply = created(
        app,
        &c.c,
        json!({"status": "@alice nothing asked", "in_reply_to_id": id(&root)}),
    )
    .await;
    assert_eq!(plain_reply["local_only"], true);

    let boost = act(app, &c.b, &format!("/api/v1/statuses/{}/reblog", id(&root))).await;
    assert_conforms(&boost, "Status");
    assert_eq!(boost["reblog"]["id"], root["id"]);
    assert_eq!(boost["local_only"], true, "the boost of a local-only post");
    assert_eq!(boost["reblog"]["local_only"], true);
    let shown = read(app, Some(&c.c), &format!("/api/v1/statuses/{}", id(&boost))).await;
    assert_eq!(shown["local_only"], true);

    // Below a federated post, locality is each reply's own.
    let open = created(app, &c.a, json!({"status": "for everyone"})).await;
    let open_reply = created(
        app,
        &c.b,
        json!({"status": "@alice yes", "in_reply_to_id": id(&open)}),
    )
    .await;
    assert_eq!(open_reply["local_only"], false);
    let local_reply = created(
        app,
        &c.c,
        json!({"status": "@alice between us", "in_reply_to_id": id(&open), "local_only": true}),
    )
    .await;
    assert_eq!(local_reply["local_only"], true);
    let open_boost = act(app, &c.c, &format!("/api/v1/statuses/{}/reblog", id(&open))).await;
    assert_eq!(open_boost["local_only"], false);
    assert_eq!(open_boost["reblog"]["local_only"], false);
}

#[tokio::test]
async fn edits_keep_locality_and_strip_the_marker() {
    let c = community().await;
    let app = &c.app;
    let local = created(
        app,
        &c.a,
        json!({"status": "ours @bob", "local_only": true}),
    )
    .await;
    let edited_local = edited(app, &c.a, &id(&local), json!({"status": "ours, edited"})).await;
    assert_eq!(edited_local["local_only"], true);
    assert!(edited_local["edited_at"].is_string());
    assert!(
        edited_local["content"]
            .as_str()
            .unwrap()
            .contains("ours, edited")
    );
    assert_eq!(edited_local["unreached_mentions"], json!([]));
    let edited_local = edited(
        app,
        &c.a,
        &id(&local),
        json!({"status": "still ours", "local_only": false, "federated": true}),
    )
    .await;
    assert_eq!(edited_local["local_only"], true, "an edit never federates");
    assert_eq!(
        read(app, Some(&c.c), &format!("/api/v1/statuses/{}", id(&local))).await["local_only"],
        true
    );
    assert_eq!(
        get(app, None, &format!("/api/v1/statuses/{}", id(&local)))
            .await
            .status(),
        404
    );

    let open = created(app, &c.a, json!({"status": "everyone's"})).await;
    let edited_open = edited(
        app,
        &c.a,
        &id(&open),
        json!({
            "status": "now :local_only: perhaps",
            "spoiler_text": ":local_only: cw",
            "local_only": true,
            "federated": false,
            "visibility": "local",
        }),
    )
    .await;
    assert_eq!(edited_open["local_only"], false, "an edit never localizes");
    assert_eq!(edited_open["visibility"], "public");
    assert_eq!(edited_open["content"], "<p>now perhaps</p>");
    assert_eq!(edited_open["spoiler_text"], "cw");
    assert!(edited_open.get("unreached_mentions").is_none());
    let source = read(
        app,
        Some(&c.a),
        &format!("/api/v1/statuses/{}/source", id(&open)),
    )
    .await;
    assert_eq!(source["text"], "now perhaps");
    assert_eq!(source["spoiler_text"], "cw");
    let history = read(
        app,
        None,
        &format!("/api/v1/statuses/{}/history", id(&open)),
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 2);
    for version in history.as_array().unwrap() {
        assert_conforms(version, "StatusEdit");
        assert!(!version.to_string().contains(":local_only:"), "{version}");
    }
    let shown = read(app, None, &format!("/api/v1/statuses/{}", id(&open))).await;
    assert_eq!(shown["local_only"], false);
    assert_eq!(shown["content"], "<p>now perhaps</p>");
}

#[tokio::test]
async fn the_members_default_is_set_shown_and_reset() {
    let c = community().await;
    let app = &c.app;
    let body = verify_credentials(app, &c.a).await;
    assert_eq!(body["source"]["local_only"], false);
    assert_eq!(body["source"]["community_local_only"], false);
    assert_eq!(
        preferences(app, &c.a).await["posting:default:local_only"],
        false
    );
    assert!(!plain_post_is_local_only(app, &c.a).await);

    let body = update_credentials_json(app, &c.a, json!({"source": {"local_only": true}})).await;
    assert_eq!(body["source"]["local_only"], true);
    assert_eq!(body["source"]["community_local_only"], false);
    assert_eq!(
        verify_credentials(app, &c.a).await["source"]["local_only"],
        true
    );
    assert_eq!(
        preferences(app, &c.a).await["posting:default:local_only"],
        true
    );
    assert!(plain_post_is_local_only(app, &c.a).await);
    // What is asked for a post beats the default; others' defaults are their own.
    let asked = created(app, &c.a, json!({"status": "x", "local_only": false})).await;
    assert_eq!(asked["local_only"], false);
    let asked = created(app, &c.a, json!({"status": "x", "federated": true})).await;
    assert_eq!(asked["local_only"], false);
    assert!(!plain_post_is_local_only(app, &c.b).await);
    assert_eq!(
        verify_credentials(app, &c.b).await["source"]["local_only"],
        false
    );

    // Changing something else leaves the default alone.
    let body = update_credentials_json(app, &c.a, json!({"display_name": "Alice"})).await;
    assert_eq!(body["source"]["local_only"], true);
    let body = update_credentials_json(app, &c.a, json!({"source": {"privacy": "unlisted"}})).await;
    assert_eq!(body["source"]["local_only"], true);
    assert_eq!(body["source"]["privacy"], "unlisted");

    // A form sets it false, against a community that says true.
    set_community_default(app, true).await;
    let body = update_credentials_form(app, &c.a, &[("source[local_only]", "false")]).await;
    assert_eq!(body["source"]["local_only"], false);
    assert_eq!(body["source"]["community_local_only"], true);
    assert_eq!(
        preferences(app, &c.a).await["posting:default:local_only"],
        false
    );
    assert!(!plain_post_is_local_only(app, &c.a).await);

    // Empty goes back to the community's default, in a form and as JSON null.
    let body = update_credentials_form(app, &c.a, &[("source[local_only]", "")]).await;
    assert_eq!(body["source"]["local_only"], true);
    assert_eq!(
        preferences(app, &c.a).await["posting:default:local_only"],
        true
    );
    assert!(plain_post_is_local_only(app, &c.a).await);
    set_community_default(app, false).await;
    assert_eq!(
        verify_credentials(app, &c.a).await["source"]["local_only"],
        false,
        "after a reset the member follows the community"
    );
    assert!(!plain_post_is_local_only(app, &c.a).await);

    update_credentials_json(app, &c.a, json!({"source": {"local_only": true}})).await;
    let body = update_credentials_json(app, &c.a, json!({"source": {"local_only": null}})).await;
    assert_eq!(body["source"]["local_only"], false);
    set_community_default(app, true).await;
    assert_eq!(
        verify_credentials(app, &c.a).await["source"]["local_only"],
        true
    );
    let body = update_credentials_json(app, &c.a, json!({"source": {"local_only": ""}})).await;
    assert_eq!(body["source"]["local_only"], true);

    let refused = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&c.a)
        .json(&json!({"source": {"local_only": "sometimes"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    assert_eq!(
        verify_credentials(app, &c.a).await["source"]["local_only"],
        true
    );
}

#[tokio::test]
async fn the_community_default_applies_below_everything_else() {
    let c = community().await;
    let app = &c.app;
    for statuses in instance_statuses(app).await {
        assert_eq!(statuses["local_only"], true, "{statuses}");
        assert_eq!(statuses["default_local_only"], false, "{statuses}");
    }

    set_community_default(app, true).await;
    assert_eq!(
        app.store.community_settings().await.unwrap(),
        CommunitySettings {
            default_local_only: true,
            ..Default::default()
        }
    );
    for statuses in instance_statuses(app).await {
        assert_eq!(statuses["local_only"], true, "{statuses}");
        assert_eq!(statuses["default_local_only"], true, "{statuses}");
    }
    let body = verify_credentials(app, &c.b).await;
    assert_eq!(body["source"]["local_only"], true);
    assert_eq!(body["source"]["community_local_only"], true);
    assert_eq!(
        preferences(app, &c.b).await["posting:default:local_only"],
        true
    );
    assert!(plain_post_is_local_only(app, &c.b).await);
    let asked = created(app, &c.b, json!({"status": "x", "local_only": false})).await;
    assert_eq!(asked["local_only"], false, "asked beats the community");
    let asked = created(app, &c.b, json!({"status": "x", "federated": true})).await;
    assert_eq!(asked["local_only"], false, "asked beats the community");
    let form = status_of(
        create_form(app, &c.b, &[("status", "x"), ("local_only", "false")]).await,
        "form local_only=false",
    )
    .await;
    assert_eq!(form["local_only"], false);

    // A member's own default beats the community's; the marker and a choice beat both.
    update_credentials_json(app, &c.a, json!({"source": {"local_only": false}})).await;
    let body = verify_credentials(app, &c.a).await;
    assert_eq!(body["source"]["local_only"], false);
    assert_eq!(body["source"]["community_local_only"], true);
    assert!(!plain_post_is_local_only(app, &c.a).await);
    let marked = created(app, &c.a, json!({"status": "x :local_only:"})).await;
    assert_eq!(marked["local_only"], true);
    let asked = created(app, &c.a, json!({"status": "x", "local_only": true})).await;
    assert_eq!(asked["local_only"], true);
    let federated = created(app, &c.a, json!({"status": "open to all"})).await;
    // Inheritance beats them all: Carol (community default: local-only) replying to a
    // federated post without asking gets local-only; replying to a local-only one while
    // asking to federate still gets local-only.
    let reply = created(
        app,
        &c.c,
        json!({"status": "@alice hi", "in_reply_to_id": id(&federated)}),
    )
    .await;
    assert_eq!(reply["local_only"], true);
    let reply = created(
        app,
        &c.a,
        json!({"status": "@carol hi", "in_reply_to_id": id(&reply), "local_only": false}),
    )
    .await;
    assert_eq!(reply["local_only"], true);

    set_community_default(app, false).await;
    for statuses in instance_statuses(app).await {
        assert_eq!(statuses["default_local_only"], false, "{statuses}");
    }
    assert!(!plain_post_is_local_only(app, &c.b).await);
    assert_eq!(
        verify_credentials(app, &c.b).await["source"]["local_only"],
        false
    );
    assert_eq!(
        preferences(app, &c.b).await["posting:default:local_only"],
        false
    );
    update_credentials_json(app, &c.b, json!({"source": {"local_only": true}})).await;
    assert!(plain_post_is_local_only(app, &c.b).await);
}

fn remote_actor(username: &str, domain: &str) -> RemoteAccountUpsert {
    let uri = format!("https://{domain}/users/{username}");
    RemoteAccountUpsert {
        uri: uri.clone(),
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

async fn delivery_domains(app: &TestApp) -> Vec<String> {
    app.store
        .pending_deliveries(100)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.domain)
        .collect()
}

#[tokio::test]
async fn unreached_mentions_name_the_remote_accounts_a_local_only_post_never_reaches() {
    let c = community().await;
    let app = &c.app;
    app.store
        .upsert_remote_account(&remote_actor("dave", "remote.example"))
        .await
        .unwrap();
    app.store
        .upsert_remote_account(&remote_actor("erin", "elsewhere.example"))
        .await
        .unwrap();

    let local = created(
        app,
        &c.a,
        json!({"status": "hi @bob, @dave@remote.example and @erin@elsewhere.example", "local_only": true}),
    )
    .await;
    let mut mentioned: Vec<&str> = local["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["acct"].as_str().unwrap())
        .collect();
    mentioned.sort_unstable();
    assert_eq!(
        mentioned,
        ["bob", "dave@remote.example", "erin@elsewhere.example"]
    );
    let mut unreached: Vec<String> =
        serde_json::from_value(local["unreached_mentions"].clone()).unwrap();
    unreached.sort_unstable();
    assert_eq!(unreached, ["dave@remote.example", "erin@elsewhere.example"]);
    assert!(
        delivery_domains(app).await.is_empty(),
        "a local-only post is sent nowhere"
    );

    let only_members = created(
        app,
        &c.a,
        json!({"status": "hi @bob and @carol", "local_only": true}),
    )
    .await;
    assert_eq!(only_members["unreached_mentions"], json!([]));
    let nobody = created(app, &c.a, json!({"status": ":local_only: hi all"})).await;
    assert_eq!(nobody["unreached_mentions"], json!([]));
    let direct = created(
        app,
        &c.a,
        json!({"status": "@dave@remote.example psst", "visibility": "direct", "local_only": true}),
    )
    .await;
    assert_eq!(direct["unreached_mentions"], json!(["dave@remote.example"]));

    // Only the answer to writing says so; reading the post does not.
    let shown = read(app, Some(&c.a), &format!("/api/v1/statuses/{}", id(&local))).await;
    assert_conforms(&shown, "Status");
    assert!(shown.get("unreached_mentions").is_none(), "{shown}");
    assert_eq!(shown["mentions"].as_array().unwrap().len(), 3);

    // An edit that adds a remote mention to a local-only post reports it too.
    let edit = edited(
        app,
        &c.a,
        &id(&only_members),
        json!({"status": "hi @bob and @dave@remote.example"}),
    )
    .await;
    assert_eq!(edit["unreached_mentions"], json!(["dave@remote.example"]));
    assert!(delivery_domains(app).await.is_empty());

    // A reply that inherits locality (whatever it asked) says so too.
    let reply = created(
        app,
        &c.b,
        json!({
            "status": "@alice @erin@elsewhere.example indeed",
            "in_reply_to_id": id(&local),
            "local_only": false,
        }),
    )
    .await;
    assert_eq!(reply["local_only"], true);
    assert_eq!(
        reply["unreached_mentions"],
        json!(["erin@elsewhere.example"])
    );
    assert!(delivery_domains(app).await.is_empty());

    // A federated post reaches them: nothing unreached, a delivery on its way.
    let federated = created(app, &c.a, json!({"status": "hi @dave@remote.example"})).await;
    assert_eq!(federated["local_only"], false);
    assert!(federated.get("unreached_mentions").is_none(), "{federated}");
    assert_eq!(delivery_domains(app).await, ["remote.example"]);
}

#[tokio::test]
async fn anonymous_visitors_get_the_same_404_as_for_a_missing_post() {
    let c = community().await;
    let app = &c.app;
    let local = created(
        app,
        &c.a,
        json!({"status": "for us #garden", "local_only": true}),
    )
    .await;
    act(
        app,
        &c.b,
        &format!("/api/v1/statuses/{}/favourite", id(&local)),
    )
    .await;
    let boost = act(
        app,
        &c.b,
        &format!("/api/v1/statuses/{}/reblog", id(&local)),
    )
    .await;
    let reply = created(
        app,
        &c.c,
        json!({"status": "@alice agreed", "in_reply_to_id": id(&local)}),
    )
    .await;
    // An application's own token signs nobody in.
    let app_only = app_only_token(app).await;
    for suffix in [
        "",
        "/context",
        "/favourited_by",
        "/reblogged_by",
        "/history",
    ] {
        let missing = answer(app, None, &format!("/api/v1/statuses/{MISSING}{suffix}")).await;
        assert_eq!(missing.0, 404, "{suffix}: {}", missing.1);
        let missing_for_app = answer(
            app,
            Some(&app_only),
            &format!("/api/v1/statuses/{MISSING}{suffix}"),
        )
        .await;
        assert_eq!(missing_for_app.0, 404, "{suffix}: {}", missing_for_app.1);
        for (what, post) in [("post", &local), ("reply", &reply), ("boost", &boost)] {
            let path = format!("/api/v1/statuses/{}{suffix}", id(post));
            assert_eq!(
                answer(app, None, &path).await,
                missing,
                "anonymous GET {path} (the local-only {what})"
            );
            assert_eq!(
                answer(app, Some(&app_only), &path).await,
                missing_for_app,
                "GET {path} with an app-only token (the local-only {what})"
            );
            // A member who neither wrote nor follows sees it.
            assert_eq!(
                get(app, Some(&c.c), &path).await.status(),
                200,
                "member GET {path} (the local-only {what})"
            );
        }
    }
    let favouriters: Vec<String> = read(
        app,
        Some(&c.c),
        &format!("/api/v1/statuses/{}/favourited_by", id(&local)),
    )
    .await
    .as_array()
    .unwrap()
    .iter()
    .map(|a| a["acct"].as_str().unwrap().to_owned())
    .collect();
    assert_eq!(favouriters, ["bob"]);
    let boosters = read(
        app,
        Some(&c.c),
        &format!("/api/v1/statuses/{}/reblogged_by", id(&local)),
    )
    .await;
    assert_eq!(boosters[0]["acct"], "bob");
}

#[tokio::test]
async fn anonymous_timelines_profiles_and_search_leave_local_only_posts_out() {
    let c = community_with(|s| s.timelines.local_public = true).await;
    let app = &c.app;
    let open = created(app, &c.a, json!({"status": "open #garden"})).await;
    let local = created(
        app,
        &c.a,
        json!({"status": "ours #garden", "local_only": true}),
    )
    .await;
    let boost_of_open = act(app, &c.b, &format!("/api/v1/statuses/{}/reblog", id(&open))).await;
    let boost_of_local = act(
        app,
        &c.b,
        &format!("/api/v1/statuses/{}/reblog", id(&local)),
    )
    .await;
    for post in [&open, &local] {
        act(app, &c.a, &format!("/api/v1/statuses/{}/pin", id(post))).await;
    }
    let (open, local) = (id(&open), id(&local));
    let (boost_of_open, boost_of_local) = (id(&boost_of_open), id(&boost_of_local));
    let alice = format!("/api/v1/accounts/{}/statuses", c.alice.id());
    let bob = format!("/api/v1/accounts/{}/statuses", c.bob.id());

    let lists: [(String, Vec<&String>, Vec<&String>); 9] = [
        (
            "/api/v1/timelines/public".into(),
            vec![&open],
            vec![&local, &open],
        ),
        (
            "/api/v1/timelines/public?local=true".into(),
            vec![&open],
            vec![&local, &open],
        ),
        (
            "/api/v1/timelines/tag/garden".into(),
            vec![&open],
            vec![&local, &open],
        ),
        (
            "/api/v1/timelines/tag/garden?local=true".into(),
            vec![&open],
            vec![&local, &open],
        ),
        (alice.clone(), vec![&open], vec![&local, &open]),
        (
            format!("{alice}?tagged=garden"),
            vec![&open],
            vec![&local, &open],
        ),
        (
            format!("{alice}?pinned=true"),
            vec![&open],
            vec![&local, &open],
        ),
        (
            format!("{alice}?exclude_replies=true"),
            vec![&open],
            vec![&local, &open],
        ),
        (
            bob.clone(),
            vec![&boost_of_open],
            vec![&boost_of_local, &boost_of_open],
        ),
    ];
    for (path, anonymous, member) in lists {
        let mut seen = listed(app, None, &path).await;
        let mut expected: Vec<String> = anonymous.into_iter().cloned().collect();
        if path.contains("pinned") {
            seen.sort_unstable();
            expected.sort_unstable();
        }
        assert_eq!(seen, expected, "anonymous GET {path}");
        let mut seen = listed(app, Some(&c.c), &path).await;
        let mut expected: Vec<String> = member.into_iter().cloned().collect();
        if path.contains("pinned") {
            seen.sort_unstable();
            expected.sort_unstable();
        }
        assert_eq!(seen, expected, "member GET {path}");
    }

    // Search: a pasted URL of a local-only post finds nothing for a visitor; the same
    // query finds it for a member, and a federated post's URL works for both.
    let shown = read(app, Some(&c.c), &format!("/api/v1/statuses/{local}")).await;
    let open_shown = read(app, None, &format!("/api/v1/statuses/{open}")).await;
    for field in ["url", "uri"] {
        let address = shown[field].as_str().unwrap();
        let query = format!("q={}", query_escape(address));
        assert!(
            search(app, None, &query).await.is_empty(),
            "anonymous search for the {field} of a local-only post"
        );
        assert!(
            search(app, None, &format!("{query}&type=statuses"))
                .await
                .is_empty()
        );
        assert_eq!(search(app, Some(&c.c), &query).await, [local.as_str()]);
        let address = open_shown[field].as_str().unwrap();
        let query = format!("q={}", query_escape(address));
        assert_eq!(search(app, None, &query).await, [open.as_str()], "{field}");
    }
    assert!(search(app, None, "q=ours").await.is_empty());
    assert_eq!(
        search(app, Some(&c.c), "q=ours&type=statuses").await,
        [local.as_str()]
    );
}

#[tokio::test]
async fn a_federated_threads_local_only_replies_are_for_members_only() {
    let c = community().await;
    let app = &c.app;
    let root = created(app, &c.a, json!({"status": "open question"})).await;
    let open_reply = created(
        app,
        &c.b,
        json!({"status": "@alice open answer", "in_reply_to_id": id(&root)}),
    )
    .await;
    let local_reply = created(
        app,
        &c.c,
        json!({"status": "@alice between us", "in_reply_to_id": id(&root), "local_only": true}),
    )
    .await;
    let under_local = created(
        app,
        &c.a,
        json!({"status": "@carol thanks", "in_reply_to_id": id(&local_reply)}),
    )
    .await;
    assert_eq!(under_local["local_only"], true);

    let anonymous = read(
        app,
        None,
        &format!("/api/v1/statuses/{}/context", id(&root)),
    )
    .await;
    assert_conforms(&anonymous, "Context");
    assert_eq!(ids(&anonymous["ancestors"]), Vec::<String>::new());
    assert_eq!(ids(&anonymous["descendants"]), [id(&open_reply)]);
    for token in [&c.a, &c.b, &c.c] {
        let member = read(
            app,
            Some(token),
            &format!("/api/v1/statuses/{}/context", id(&root)),
        )
        .await;
        assert_conforms(&member, "Context");
        assert_eq!(
            ids(&member["descendants"]),
            [id(&open_reply), id(&local_reply), id(&under_local)]
        );
    }
    let member = read(
        app,
        Some(&c.b),
        &format!("/api/v1/statuses/{}/context", id(&under_local)),
    )
    .await;
    assert_eq!(ids(&member["ancestors"]), [id(&root), id(&local_reply)]);
    let anonymous = read(
        app,
        None,
        &format!("/api/v1/statuses/{}/context", id(&open_reply)),
    )
    .await;
    assert_eq!(ids(&anonymous["ancestors"]), [id(&root)]);
    assert_eq!(ids(&anonymous["descendants"]), Vec::<String>::new());
    assert_eq!(
        answer(
            app,
            None,
            &format!("/api/v1/statuses/{}/context", id(&under_local))
        )
        .await,
        answer(app, None, &format!("/api/v1/statuses/{MISSING}/context")).await
    );
}

#[tokio::test]
async fn members_see_local_only_posts_everywhere_they_would_see_a_federated_one() {
    let c = community().await;
    let app = &c.app;
    let local = created(
        app,
        &c.a,
        json!({"status": "tea at five #garden @carol", "local_only": true}),
    )
    .await;
    let local = id(&local);
    for (token, path) in [
        (&c.a, "/api/v1/timelines/home".to_owned()),
        (&c.b, "/api/v1/timelines/home".to_owned()),
        (&c.b, "/api/v1/timelines/public".to_owned()),
        (&c.c, "/api/v1/timelines/public?local=true".to_owned()),
        (&c.c, "/api/v1/timelines/tag/garden".to_owned()),
        (&c.b, "/api/v1/timelines/tag/garden?local=true".to_owned()),
        (&c.c, format!("/api/v1/accounts/{}/statuses", c.alice.id())),
    ] {
        assert_eq!(
            listed(app, Some(token), &path).await,
            [local.as_str()],
            "{path}"
        );
    }
    assert_eq!(
        search(app, Some(&c.b), "q=tea&type=statuses").await,
        [local.as_str()]
    );
    let context = read(
        app,
        Some(&c.c),
        &format!("/api/v1/statuses/{local}/context"),
    )
    .await;
    assert_conforms(&context, "Context");

    // The mention notifies Carol, with the post marked local-only.
    let notifications = read(app, Some(&c.c), "/api/v1/notifications?types[]=mention").await;
    let notifications = notifications.as_array().unwrap();
    assert_eq!(notifications.len(), 1, "{notifications:?}");
    assert_conforms(&notifications[0], "Notification");
    assert_eq!(notifications[0]["status"]["id"], local.as_str());
    assert_eq!(notifications[0]["status"]["local_only"], true);

    // Favourites, bookmarks and boosts by members, and the notifications they cause.
    act(app, &c.b, &format!("/api/v1/statuses/{local}/favourite")).await;
    act(app, &c.b, &format!("/api/v1/statuses/{local}/bookmark")).await;
    let boost = act(app, &c.c, &format!("/api/v1/statuses/{local}/reblog")).await;
    assert_eq!(
        listed(app, Some(&c.b), "/api/v1/favourites").await,
        [local.as_str()]
    );
    assert_eq!(
        listed(app, Some(&c.b), "/api/v1/bookmarks").await,
        [local.as_str()]
    );
    let notified = read(app, Some(&c.a), "/api/v1/notifications").await;
    let mut kinds: Vec<&str> = notified
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            assert_conforms(n, "Notification");
            assert_eq!(n["status"]["local_only"], true, "{n}");
            n["type"].as_str().unwrap()
        })
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["favourite", "reblog"]);
    // Bob follows Alice, not Carol: her boost is not in his home; Alice's is.
    let home = listed(app, Some(&c.b), "/api/v1/timelines/home").await;
    assert!(!home.contains(&id(&boost)));
    assert!(home.contains(&local));
    let carol_profile = listed(
        app,
        Some(&c.b),
        &format!("/api/v1/accounts/{}/statuses", c.carol.id()),
    )
    .await;
    assert_eq!(carol_profile, [id(&boost)]);
}

#[tokio::test]
async fn local_only_posts_stay_within_their_visibility() {
    let c = community_with(|s| s.timelines.local_public = true).await;
    let app = &c.app;
    let private = created(
        app,
        &c.a,
        json!({"status": "followers, here", "visibility": "private", "local_only": true}),
    )
    .await;
    let unlisted = created(
        app,
        &c.a,
        json!({"status": "quietly, here", "visibility": "unlisted", "local_only": true}),
    )
    .await;
    let direct = created(
        app,
        &c.a,
        json!({"status": "@bob only you", "visibility": "direct", "local_only": true}),
    )
    .await;
    let read_as = |token: Option<&str>, post: &Value| {
        let path = format!("/api/v1/statuses/{}", id(post));
        let token = token.map(str::to_owned);
        async move { answer(app, token.as_deref(), &path).await }
    };
    let missing_for_carol = answer(app, Some(&c.c), &format!("/api/v1/statuses/{MISSING}")).await;
    let missing_for_anyone = answer(app, None, &format!("/api/v1/statuses/{MISSING}")).await;
    // The follower sees the private and direct posts; the stranger sees neither.
    assert_eq!(read_as(Some(&c.b), &private).await.0, 200);
    assert_eq!(read_as(Some(&c.b), &direct).await.0, 200);
    assert_eq!(read_as(Some(&c.c), &private).await, missing_for_carol);
    assert_eq!(read_as(Some(&c.c), &direct).await, missing_for_carol);
    assert_eq!(read_as(Some(&c.c), &unlisted).await.0, 200);
    for post in [&private, &unlisted, &direct] {
        assert_eq!(read_as(None, post).await, missing_for_anyone);
    }
    // Unlisted stays off the public timelines even for members.
    for path in [
        "/api/v1/timelines/public",
        "/api/v1/timelines/public?local=true",
    ] {
        assert!(listed(app, Some(&c.c), path).await.is_empty(), "{path}");
        assert!(listed(app, None, path).await.is_empty(), "{path}");
    }
    let profile = format!("/api/v1/accounts/{}/statuses", c.alice.id());
    assert_eq!(listed(app, Some(&c.c), &profile).await, [id(&unlisted)]);
    // As on Mastodon, a profile shows the reader the direct posts that mention them.
    assert_eq!(
        listed(app, Some(&c.b), &profile).await,
        [id(&direct), id(&unlisted), id(&private)]
    );
    assert!(listed(app, None, &profile).await.is_empty());
    assert_eq!(
        listed(app, Some(&c.b), "/api/v1/timelines/home").await,
        [id(&direct), id(&unlisted), id(&private)]
    );
    assert!(
        listed(app, Some(&c.c), "/api/v1/timelines/home")
            .await
            .is_empty()
    );
}

/// Nothing a member does with a local-only post is sent to their followers on other
/// servers: writing, editing, boosting, unboosting, replying or deleting. The same acts
/// on a federated post are.
#[tokio::test]
async fn nothing_done_with_a_local_only_post_is_sent_to_other_servers() {
    let c = community().await;
    let app = &c.app;
    let dave = app
        .store
        .upsert_remote_account(&remote_actor("dave", "remote.example"))
        .await
        .unwrap();
    for member in [&c.alice, &c.bob] {
        app.store
            .insert_follow(dave.account.id, member.member.account.id, Timestamp::now())
            .await
            .unwrap();
    }
    let local = created(app, &c.a, json!({"status": "for us", "local_only": true})).await;
    let local = id(&local);
    assert!(delivery_domains(app).await.is_empty(), "the Create");
    edited(app, &c.a, &local, json!({"status": "for us, edited"})).await;
    assert!(delivery_domains(app).await.is_empty(), "the Update");
    act(app, &c.b, &format!("/api/v1/statuses/{local}/favourite")).await;
    act(app, &c.b, &format!("/api/v1/statuses/{local}/reblog")).await;
    assert!(delivery_domains(app).await.is_empty(), "the Announce");
    act(app, &c.b, &format!("/api/v1/statuses/{local}/unreblog")).await;
    assert!(delivery_domains(app).await.is_empty(), "the Undo");
    let reply = created(
        app,
        &c.b,
        json!({"status": "@alice agreed", "in_reply_to_id": local}),
    )
    .await;
    assert_eq!(reply["local_only"], true);
    assert!(delivery_domains(app).await.is_empty(), "the reply");
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{local}")))
        .bearer_auth(&c.a)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let deleted: Value = deleted.json().await.unwrap();
    assert_eq!(deleted["local_only"], true);
    assert!(delivery_domains(app).await.is_empty(), "the Delete");

    let open = created(app, &c.a, json!({"status": "for everyone"})).await;
    assert_eq!(delivery_domains(app).await, ["remote.example"]);
    act(app, &c.b, &format!("/api/v1/statuses/{}/reblog", id(&open))).await;
    assert_eq!(
        delivery_domains(app).await,
        ["remote.example", "remote.example"]
    );
}

const AP: &str = "application/activity+json";

async fn fetch(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.get(path).header("accept", AP).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// What other servers may read of members follows the same rule: a local-only post is
/// missing, and collections leave it out.
#[tokio::test]
async fn other_servers_cannot_read_a_local_only_post() {
    let c = community().await;
    let app = &c.app;
    let open = created(app, &c.a, json!({"status": "for everyone"})).await;
    let local = created(app, &c.a, json!({"status": "for us", "local_only": true})).await;
    let local_reply = created(
        app,
        &c.b,
        json!({"status": "@alice between us", "in_reply_to_id": id(&open), "local_only": true}),
    )
    .await;
    for post in [&open, &local] {
        act(app, &c.a, &format!("/api/v1/statuses/{}/pin", id(post))).await;
    }
    let missing = fetch(app, &format!("/users/alice/statuses/{MISSING}")).await;
    assert_eq!(missing.0, 404);
    assert_eq!(
        fetch(app, &format!("/users/alice/statuses/{}", id(&local))).await,
        missing
    );
    // Browsers are sent on to a post's page only when it exists for them.
    let browse = |path: String| {
        let request = app.get(&path).header("accept", "text/html");
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    assert_eq!(
        browse(format!("/users/alice/statuses/{}", id(&local))).await,
        browse(format!("/users/alice/statuses/{MISSING}")).await
    );
    assert_eq!(
        browse(format!("/users/alice/statuses/{}", id(&open)))
            .await
            .0,
        302
    );
    assert_eq!(
        fetch(app, &format!("/users/bob/statuses/{}", id(&local_reply)))
            .await
            .0,
        404
    );
    assert_eq!(
        fetch(
            app,
            &format!("/users/alice/statuses/{}/replies", id(&local))
        )
        .await
        .0,
        404
    );
    let (code, note) = fetch(app, &format!("/users/alice/statuses/{}", id(&open))).await;
    assert_eq!(code, 200);
    let note: Value = serde_json::from_str(&note).unwrap();
    let replies = note["replies"]
        .as_str()
        .unwrap()
        .trim_start_matches(&app.address)
        .to_owned();
    let (code, replies) = fetch(app, &replies).await;
    assert_eq!(code, 200);
    assert!(!replies.contains(&id(&local_reply)), "{replies}");

    let (code, outbox) = fetch(app, "/users/alice/outbox").await;
    assert_eq!(code, 200);
    let outbox: Value = serde_json::from_str(&outbox).unwrap();
    let first = outbox["first"].as_str().unwrap().to_owned();
    let (code, page) = fetch(app, first.trim_start_matches(&app.address)).await;
    assert_eq!(code, 200);
    let page: Value = serde_json::from_str(&page).unwrap();
    let items = page["orderedItems"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["object"]["id"], open["uri"]);

    let (code, featured) = fetch(app, "/users/alice/collections/featured").await;
    assert_eq!(code, 200);
    assert!(
        !featured.contains(&id(&local)),
        "a pinned local-only post is not featured: {featured}"
    );
    assert!(featured.contains(&id(&open)), "{featured}");
}
