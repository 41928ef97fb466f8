//! Posting, reading, deleting and threads, with every read going through the audience
//! rule: a post the viewer may not see answers exactly like one that does not exist.

mod common;

use common::{assert_error, stable_json};
use hamlet_core::Timestamp;
use hamlet_core::role::Role;
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::{TestApp, TestMember, spawn_app};
use serde_json::{Value, json};

async fn post(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post("/api/v1/statuses")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn post_ok(app: &TestApp, token: &str, body: Value) -> Value {
    let response = post(app, token, body).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let request = app.get(path);
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.unwrap()
}

struct Cast {
    alice: TestMember,
    alice_token: String,
    bob_token: String,
    carol_token: String,
}

async fn cast(app: &TestApp) -> Cast {
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let carol = app.create_member("carol", Role::Member).await;
    let alice_token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read write").await;
    let carol_token = app.token(&carol, "read write").await;
    // Bob follows Alice; Carol does not.
    app.store
        .insert_follow(
            bob.member.account.id,
            alice.member.account.id,
            Timestamp::now(),
        )
        .await
        .unwrap();
    Cast {
        alice,
        alice_token,
        bob_token,
        carol_token,
    }
}

#[tokio::test]
async fn a_post_is_rendered_with_mentions_tags_and_links_and_matches_the_spec() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let response = post(
        &app,
        &c.alice_token,
        json!({
            "status": "Hello @bob and @nobody! #Hamlet https://example.com <script>",
            "spoiler_text": "greeting",
            "language": "en",
        }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = stable_json(&app, response).await;
    assert_conforms(&body, "Status");
    assert_eq!(body["visibility"], "public");
    assert_eq!(body["account"]["statuses_count"], 1);
    assert_eq!(
        body["sensitive"], true,
        "a content warning makes a post sensitive"
    );
    assert_eq!(body["mentions"][0]["acct"], "bob");
    assert_eq!(body["mentions"].as_array().unwrap().len(), 1);
    assert_eq!(
        body["tags"],
        json!([{"name": "hamlet", "url": "http://hamlet.test/tags/hamlet"}])
    );
    let content = body["content"].as_str().unwrap();
    assert!(
        content.contains("class=\"u-url mention\">@<span>bob</span>"),
        "{content}"
    );
    assert!(content.contains("@nobody"), "{content}");
    assert!(content.contains("&lt;script&gt;"), "{content}");
    assert!(!content.contains("<script>"), "{content}");
    insta::assert_json_snapshot!("status", body, {
        ".id" => "[id]",
        ".uri" => "[uri]",
        ".url" => "[url]",
        ".created_at" => "[date]",
        ".account.id" => "[id]",
        ".account.created_at" => "[date]",
        ".account.last_status_at" => "[day]",
        ".mentions[].id" => "[id]",
    });
}

#[tokio::test]
async fn form_encoded_posts_and_member_defaults() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    app.patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&c.alice_token)
        .json(&json!({"source": {"privacy": "unlisted", "sensitive": true, "language": "de"}}))
        .send()
        .await
        .unwrap();
    let response = app
        .post("/api/v1/statuses")
        .bearer_auth(&c.alice_token)
        .form(&[("status", "from a form")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["visibility"], "unlisted");
    assert_eq!(body["sensitive"], true);
    assert_eq!(body["language"], "de");
    let body = post_ok(
        &app,
        &c.alice_token,
        json!({"status": "x", "visibility": "private", "sensitive": false}),
    )
    .await;
    assert_eq!(body["visibility"], "private");
    assert_eq!(body["sensitive"], false);
}

#[tokio::test]
async fn invalid_posts_are_refused_and_store_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let long = "x".repeat(5001);
    let cases = [
        (json!({"status": ""}), 422, "blank"),
        (json!({"status": "   "}), 422, "blank"),
        (json!({}), 422, "blank"),
        (json!({"status": long}), 422, "character limit"),
        (
            json!({"status": "x", "visibility": "everyone"}),
            422,
            "visibility",
        ),
        (
            json!({"status": "x", "language": "english"}),
            422,
            "language",
        ),
        (json!({"status": "x", "media_ids": ["1"]}), 422, "media"),
        (
            json!({"status": "x", "poll": {"options": ["a", "b"], "expires_in": 600}}),
            422,
            "polls",
        ),
        (
            json!({"status": "x", "in_reply_to_id": "12345"}),
            404,
            "Record not found",
        ),
        (json!({"status": ["x"]}), 422, "string"),
    ];
    for (body, status, needle) in cases {
        assert_error(post(&app, &c.alice_token, body).await, status, needle).await;
    }
    let read_only = app.token(&c.alice, "read").await;
    assert_error(
        post(&app, &read_only, json!({"status": "x"})).await,
        403,
        "outside the authorized scopes",
    )
    .await;
    assert_error(
        app.post("/api/v1/statuses")
            .json(&json!({"status": "x"}))
            .send()
            .await
            .unwrap(),
        401,
        "invalid",
    )
    .await;
    let listed: Value = get(
        &app,
        Some(&c.alice_token),
        &format!("/api/v1/accounts/{}/statuses", c.alice.id()),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn an_idempotency_key_creates_one_post() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let send = || {
        app.post("/api/v1/statuses")
            .bearer_auth(&c.alice_token)
            .header("Idempotency-Key", "abc-123")
            .json(&json!({"status": "only once"}))
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let second: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    let listed: Value = get(
        &app,
        None,
        &format!("/api/v1/accounts/{}/statuses", c.alice.id()),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_reader_sees_exactly_what_mastodon_shows_them() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let mut posts = Vec::new();
    for visibility in ["public", "unlisted", "private", "direct"] {
        let body = post_ok(
            &app,
            &c.alice_token,
            json!({"status": format!("{visibility} post"), "visibility": visibility}),
        )
        .await;
        posts.push((visibility, body["id"].as_str().unwrap().to_owned()));
    }
    let mention = post_ok(
        &app,
        &c.alice_token,
        json!({"status": "psst @carol", "visibility": "direct"}),
    )
    .await;
    let mention_id = mention["id"].as_str().unwrap().to_owned();
    let dave = app.create_member("dave", Role::Member).await;
    let dave_token = app.token(&dave, "read").await;
    app.store
        .insert_block(
            c.alice.member.account.id,
            dave.member.account.id,
            Timestamp::now(),
            None,
        )
        .await
        .unwrap();

    let readers: [(&str, Option<&str>, [bool; 4]); 5] = [
        ("author", Some(&c.alice_token), [true, true, true, true]),
        ("follower", Some(&c.bob_token), [true, true, true, false]),
        ("stranger", Some(&c.carol_token), [true, true, false, false]),
        ("blocked", Some(&dave_token), [false, false, false, false]),
        ("anonymous", None, [true, true, false, false]),
    ];
    let missing = get(&app, None, "/api/v1/statuses/1").await;
    let missing_body = missing.text().await.unwrap();
    for (who, token, expected) in readers {
        for ((visibility, id), visible) in posts.iter().zip(expected) {
            let response = get(&app, token, &format!("/api/v1/statuses/{id}")).await;
            if visible {
                assert_eq!(response.status(), 200, "{who} reading a {visibility} post");
            } else {
                assert_eq!(response.status(), 404, "{who} reading a {visibility} post");
                assert_eq!(
                    response.text().await.unwrap(),
                    missing_body,
                    "a hidden post must look missing"
                );
            }
        }
    }
    assert_eq!(
        get(
            &app,
            Some(&c.carol_token),
            &format!("/api/v1/statuses/{mention_id}")
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        get(
            &app,
            Some(&c.bob_token),
            &format!("/api/v1/statuses/{mention_id}")
        )
        .await
        .status(),
        404
    );
    for bad in ["abc", "-1", "99999999999999999999999"] {
        assert_eq!(
            get(&app, None, &format!("/api/v1/statuses/{bad}"))
                .await
                .status(),
            404
        );
    }
}

#[tokio::test]
async fn deleting_returns_the_source_and_only_works_for_the_author() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let body = post_ok(&app, &c.alice_token, json!({"status": "to delete #tag"})).await;
    let id = body["id"].as_str().unwrap();
    let path = format!("/api/v1/statuses/{id}");
    let response = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&c.bob_token)
        .send()
        .await
        .unwrap();
    assert_error(response, 404, "Record not found").await;
    let response = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&c.alice_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let deleted: Value = response.json().await.unwrap();
    assert_eq!(deleted["text"], "to delete #tag");
    assert_conforms(&deleted, "Status");
    assert_eq!(get(&app, Some(&c.alice_token), &path).await.status(), 404);
    let again = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&c.alice_token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn context_shows_the_thread_each_reader_may_see() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let root = post_ok(&app, &c.alice_token, json!({"status": "root"})).await;
    let root_id = root["id"].as_str().unwrap();
    let reply = post_ok(
        &app,
        &c.bob_token,
        json!({"status": "@alice reply", "in_reply_to_id": root_id}),
    )
    .await;
    let reply_id = reply["id"].as_str().unwrap();
    assert_eq!(reply["in_reply_to_id"], root_id);
    assert_eq!(reply["in_reply_to_account_id"], c.alice.id());
    let hidden = post_ok(
        &app,
        &c.alice_token,
        json!({"status": "followers only", "in_reply_to_id": reply_id, "visibility": "private"}),
    )
    .await;
    let hidden_id = hidden["id"].as_str().unwrap();

    let context: Value = get(
        &app,
        Some(&c.bob_token),
        &format!("/api/v1/statuses/{root_id}/context"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_conforms(&context, "Context");
    let ids = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&context["ancestors"]), Vec::<String>::new());
    assert_eq!(
        ids(&context["descendants"]),
        vec![reply_id.to_owned(), hidden_id.to_owned()]
    );
    let context: Value = get(&app, None, &format!("/api/v1/statuses/{root_id}/context"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&context["descendants"]), vec![reply_id.to_owned()]);
    let context: Value = get(
        &app,
        Some(&c.bob_token),
        &format!("/api/v1/statuses/{hidden_id}/context"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        ids(&context["ancestors"]),
        vec![root_id.to_owned(), reply_id.to_owned()]
    );
    assert_eq!(
        get(&app, None, &format!("/api/v1/statuses/{hidden_id}/context"))
            .await
            .status(),
        404
    );
    let counted: Value = get(&app, None, &format!("/api/v1/statuses/{root_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counted["replies_count"], 1);
}

#[tokio::test]
async fn edits_keep_history_and_tell_those_who_boosted() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let body = post_ok(
        &app,
        &c.alice_token,
        json!({"status": "first #draft", "visibility": "public"}),
    )
    .await;
    let id = body["id"].as_str().unwrap().to_owned();
    let history: Value = get(&app, None, &format!("/api/v1/statuses/{id}/history"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        history.as_array().unwrap().len(),
        1,
        "an unedited post has one version"
    );
    assert_eq!(
        app.post(&format!("/api/v1/statuses/{id}/reblog"))
            .bearer_auth(&c.bob_token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let edit = |token: &str, body: Value| {
        app.client
            .put(app.url(&format!("/api/v1/statuses/{id}")))
            .bearer_auth(token.to_owned())
            .json(&body)
            .send()
    };
    let response = edit(
        &c.alice_token,
        json!({"status": "second #final @carol", "spoiler_text": "cw"}),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let edited: Value = response.json().await.unwrap();
    assert_conforms(&edited, "Status");
    assert!(edited["edited_at"].is_string());
    assert!(edited["content"].as_str().unwrap().contains("second"));
    assert_eq!(edited["tags"][0]["name"], "final");
    assert_eq!(edited["sensitive"], true);
    assert_eq!(edited["visibility"], "public");

    let history: Value = get(&app, None, &format!("/api/v1/statuses/{id}/history"))
        .await
        .json()
        .await
        .unwrap();
    let versions = history.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    for version in versions {
        assert_conforms(version, "StatusEdit");
    }
    assert!(versions[0]["content"].as_str().unwrap().contains("first"));
    assert!(versions[1]["content"].as_str().unwrap().contains("second"));
    let source: Value = get(
        &app,
        Some(&c.alice_token),
        &format!("/api/v1/statuses/{id}/source"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_conforms(&source, "StatusSource");
    assert_eq!(source["text"], "second #final @carol");
    assert_eq!(source["spoiler_text"], "cw");
    assert_eq!(
        get(
            &app,
            Some(&c.bob_token),
            &format!("/api/v1/statuses/{id}/source")
        )
        .await
        .status(),
        404
    );

    let booster: Vec<Value> = get(
        &app,
        Some(&c.bob_token),
        "/api/v1/notifications?types[]=update",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(booster.len(), 1);
    assert_eq!(booster[0]["status"]["id"], id.as_str());
    let mentioned: Vec<Value> = get(
        &app,
        Some(&c.carol_token),
        "/api/v1/notifications?types[]=mention",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(mentioned.len(), 1, "a mention added by an edit notifies");

    assert_error(
        edit(&c.bob_token, json!({"status": "hijack"}))
            .await
            .unwrap(),
        404,
        "Record not found",
    )
    .await;
    assert_error(
        edit(&c.alice_token, json!({"status": ""})).await.unwrap(),
        422,
        "blank",
    )
    .await;
    let unchanged: Value = get(&app, None, &format!("/api/v1/statuses/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(unchanged["content"].as_str().unwrap().contains("second"));
}

/// `GET /api/v1/statuses/:id` is the thread view: the reader's `thread` filters show in
/// `filtered` (a `hide` one too: the client hides the post, as on Mastodon). Signed-in
/// readers always get the list, empty when nothing matched; anonymous readers never.
#[tokio::test]
async fn a_single_post_carries_the_readers_thread_filters() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let warned = post_ok(
        &app,
        &c.alice_token,
        json!({"status": "talking about turnips"}),
    )
    .await;
    let hidden = post_ok(
        &app,
        &c.alice_token,
        json!({"status": "talking about parsnips"}),
    )
    .await;
    let plain = post_ok(&app, &c.alice_token, json!({"status": "nothing to filter"})).await;
    let filter = |title: &str, keyword: &str, context: &str, action: &str| {
        let body = json!({
            "title": title,
            "context": [context],
            "filter_action": action,
            "keywords_attributes": [{"keyword": keyword}],
        });
        let request = app
            .post("/api/v2/filters")
            .bearer_auth(&c.bob_token)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let warn = filter("Roots", "turnips", "thread", "warn").await;
    let hide = filter("More roots", "parsnips", "thread", "hide").await;
    let _home_only = filter("Home only", "filter", "home", "warn").await;
    let show = |token: Option<&str>, id: &Value| {
        let path = format!("/api/v1/statuses/{}", id["id"].as_str().unwrap());
        let token = token.map(str::to_owned);
        let app = &app;
        async move {
            let response = get(app, token.as_deref(), &path).await;
            assert_eq!(response.status(), 200, "{path}");
            let body: Value = response.json().await.unwrap();
            assert_conforms(&body, "Status");
            body
        }
    };

    let body = show(Some(&c.bob_token), &warned).await;
    let filtered = body["filtered"].as_array().unwrap();
    assert_eq!(filtered.len(), 1, "{body}");
    assert_eq!(filtered[0]["filter"]["id"], warn["id"]);
    assert_eq!(filtered[0]["keyword_matches"], json!(["turnips"]));

    let body = show(Some(&c.bob_token), &hidden).await;
    assert_eq!(body["filtered"][0]["filter"]["id"], hide["id"]);
    assert_eq!(body["filtered"][0]["filter"]["filter_action"], "hide");

    // Nothing matched in this context (the home filter does not apply here): `[]`.
    let body = show(Some(&c.bob_token), &plain).await;
    assert_eq!(body["filtered"], json!([]));
    // The author has no filters: `[]` too; anonymous readers get no `filtered` at all.
    let body = show(Some(&c.alice_token), &warned).await;
    assert_eq!(body["filtered"], json!([]));
    let body = show(None, &warned).await;
    assert!(body.get("filtered").is_none(), "{body}");

    // Other answers that render a post carry the empty list for signed-in readers.
    let favourited: Value = app
        .post(&format!(
            "/api/v1/statuses/{}/favourite",
            plain["id"].as_str().unwrap()
        ))
        .bearer_auth(&c.bob_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(favourited["filtered"], json!([]));
}

/// Mastodon's `Status.application`: the app the post was written with, `{name, website}`,
/// shown to everyone (Mastodon's "show application" preference is on unless the author
/// turns it off; Hamlet has no such preference). Boosts have none.
#[tokio::test]
async fn a_post_names_the_application_it_was_written_with() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let now = Timestamp::now();
    let client = app
        .store
        .insert_application(hamlet_store::NewApplication {
            client_id: hamlet_core::secret::generate(),
            client_secret_digest: hamlet_core::secret::digest("secret"),
            name: "Quill".into(),
            website: Some("https://quill.example".into()),
            redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
            scopes: hamlet_core::scope::Scopes::parse("read write").unwrap(),
            created_at: now,
        })
        .await
        .unwrap();
    let token = hamlet_core::secret::generate();
    app.store
        .insert_access_token(hamlet_store::NewAccessToken {
            token_digest: hamlet_core::secret::digest(&token),
            application_id: client.id,
            account_id: Some(c.alice.member.account.id),
            authorization_code_digest: None,
            scopes: hamlet_core::scope::Scopes::parse("read write").unwrap(),
            created_at: now,
        })
        .await
        .unwrap();
    let created = post_ok(&app, &token, json!({"status": "written with Quill"})).await;
    assert_conforms(&created, "Status");
    let expected = json!({"name": "Quill", "website": "https://quill.example"});
    assert_eq!(created["application"], expected);
    let path = format!("/api/v1/statuses/{}", created["id"].as_str().unwrap());
    for reader in [Some(c.alice_token.as_str()), Some(&c.carol_token), None] {
        let body: Value = get(&app, reader, &path).await.json().await.unwrap();
        assert_eq!(body["application"], expected, "{reader:?}");
    }
    // An app without a website, through the usual test token.
    let other = post_ok(&app, &c.alice_token, json!({"status": "from testkit"})).await;
    assert_eq!(
        other["application"],
        json!({"name": "testkit", "website": null})
    );
    // A boost is no post of its own: no application (the boosted post keeps its own).
    let boost: Value = app
        .post(&format!(
            "/api/v1/statuses/{}/reblog",
            created["id"].as_str().unwrap()
        ))
        .bearer_auth(&c.bob_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_conforms(&boost, "Status");
    assert_eq!(boost["application"], Value::Null);
    assert_eq!(boost["reblog"]["application"], expected);
}
