//! Filters v2: managing them, and what they do to timelines, threads and notifications.

mod common;

use common::assert_error;
use hamlet_core::role::Role;
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn post(app: &TestApp, token: &str, text: &str) -> String {
    let body: Value = app
        .post("/api/v1/statuses")
        .bearer_auth(token)
        .json(&json!({"status": text}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["id"].as_str().unwrap().to_owned()
}

async fn home(app: &TestApp, token: &str) -> Vec<Value> {
    app.get("/api/v1/timelines/home")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app
        .post("/api/v2/filters")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let filter: Value = response.json().await.unwrap();
    assert_conforms(&filter, "Filter");
    filter
}

#[tokio::test]
async fn warn_and_hide_filters_apply_where_they_are_meant_to() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let a = app.token(&alice, "read write follow").await;
    let b = app.token(&bob, "read write follow").await;
    app.post(&format!("/api/v1/accounts/{}/follow", alice.id()))
        .bearer_auth(&b)
        .send()
        .await
        .unwrap();
    let spoiler = post(&app, &a, "Big SPOILER ahead").await;
    let plain = post(&app, &a, "spoilers are words too").await;
    let _other = post(&app, &a, "nothing to see").await;

    let warn = create(
        &app,
        &b,
        json!({"title": "No spoilers", "context": ["home"], "keywords_attributes": [{"keyword": "spoiler", "whole_word": true}]}),
    )
    .await;
    let timeline = home(&app, &b).await;
    assert_eq!(timeline.len(), 3);
    let flagged: Vec<&Value> = timeline
        .iter()
        .filter(|s| !s["filtered"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(
        flagged.len(),
        1,
        "whole-word matching leaves 'spoilers' alone"
    );
    assert_eq!(flagged[0]["id"], spoiler.as_str());
    assert_conforms(&flagged[0]["filtered"][0], "FilterResult");
    assert_eq!(
        flagged[0]["filtered"][0]["keyword_matches"],
        json!(["spoiler"])
    );
    assert_eq!(flagged[0]["filtered"][0]["filter"]["id"], warn["id"]);
    let public: Vec<Value> = app
        .get("/api/v1/timelines/public")
        .bearer_auth(&b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        public
            .iter()
            .all(|s| s["filtered"].as_array().unwrap().is_empty()),
        "the filter is for home only"
    );

    let hide = create(
        &app,
        &b,
        json!({"title": "Quiet", "context": ["home", "public", "notifications"], "filter_action": "hide",
               "keywords_attributes": [{"keyword": "words", "whole_word": false}]}),
    )
    .await;
    assert_eq!(hide["filter_action"], "hide");
    let ids: Vec<String> = home(&app, &b)
        .await
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!ids.contains(&plain), "a hide filter leaves the post out");
    assert_eq!(ids.len(), 2);
    // Alice's own view is untouched: filters are Bob's.
    assert_eq!(home(&app, &a).await.len(), 3);

    // A filtered post, chosen by id.
    let other = post(&app, &a, "a perfectly ordinary post").await;
    let response = app
        .post(&format!(
            "/api/v2/filters/{}/statuses",
            warn["id"].as_str().unwrap()
        ))
        .bearer_auth(&b)
        .json(&json!({"status_id": other}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let entry: Value = response.json().await.unwrap();
    assert_conforms(&entry, "FilterStatus");
    let timeline = home(&app, &b).await;
    let matched = timeline.iter().find(|s| s["id"] == other.as_str()).unwrap();
    assert_eq!(matched["filtered"][0]["status_matches"], json!([other]));
    let removed = app
        .client
        .delete(app.url(&format!(
            "/api/v2/filters/statuses/{}",
            entry["id"].as_str().unwrap()
        )))
        .bearer_auth(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
}

#[tokio::test]
async fn hide_filters_drop_notifications() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    post(&app, &a, "@bob about the election").await;
    post(&app, &a, "@bob about the weather").await;
    create(&app, &b, json!({"title": "x", "context": ["notifications"], "filter_action": "hide", "keywords_attributes": [{"keyword": "election"}]})).await;
    let list: Vec<Value> = app
        .get("/api/v1/notifications")
        .bearer_auth(&b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert!(
        list[0]["status"]["content"]
            .as_str()
            .unwrap()
            .contains("weather")
    );
}

#[tokio::test]
async fn filters_are_managed_by_their_owner_only() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let response = app
        .post("/api/v2/filters")
        .bearer_auth(&a)
        .form(&[
            ("title", "Form filter"),
            ("context[]", "home"),
            ("context[]", "thread"),
            ("expires_in", "3600"),
            ("keywords_attributes[0][keyword]", "one"),
            ("keywords_attributes[1][keyword]", "two"),
            ("keywords_attributes[1][whole_word]", "false"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let filter: Value = response.json().await.unwrap();
    assert_conforms(&filter, "Filter");
    assert_eq!(filter["context"], json!(["home", "thread"]));
    assert!(filter["expires_at"].is_string());
    assert_eq!(filter["keywords"][1]["whole_word"], false);
    let id = filter["id"].as_str().unwrap().to_owned();
    let one = filter["keywords"][0]["id"].as_str().unwrap().to_owned();
    let two = filter["keywords"][1]["id"].as_str().unwrap().to_owned();

    let list: Vec<Value> = app
        .get("/api/v2/filters")
        .bearer_auth(&a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    let theirs: Vec<Value> = app
        .get("/api/v2/filters")
        .bearer_auth(&b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(theirs.is_empty());
    for path in [
        format!("/api/v2/filters/{id}"),
        format!("/api/v2/filters/keywords/{one}"),
    ] {
        assert_error(
            app.get(&path).bearer_auth(&b).send().await.unwrap(),
            404,
            "Record not found",
        )
        .await;
    }
    let response = app
        .client
        .delete(app.url(&format!("/api/v2/filters/{id}")))
        .bearer_auth(&b)
        .send()
        .await
        .unwrap();
    assert_error(response, 404, "Record not found").await;

    let response = app
        .client
        .put(app.url(&format!("/api/v2/filters/{id}")))
        .bearer_auth(&a)
        .json(&json!({
            "title": "Renamed",
            "filter_action": "hide",
            "expires_in": "",
            "keywords_attributes": [
                {"id": one, "keyword": "uno"},
                {"id": two, "_destroy": true},
                {"keyword": "three"}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["title"], "Renamed");
    assert_eq!(updated["filter_action"], "hide");
    assert_eq!(updated["expires_at"], Value::Null);
    let words: Vec<&str> = updated["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["keyword"].as_str().unwrap())
        .collect();
    assert_eq!(words, ["uno", "three"]);

    let added: Value = app
        .post(&format!("/api/v2/filters/{id}/keywords"))
        .bearer_auth(&a)
        .json(&json!({"keyword": "four", "whole_word": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_conforms(&added, "FilterKeyword");
    let added_id = added["id"].as_str().unwrap();
    let changed: Value = app
        .client
        .put(app.url(&format!("/api/v2/filters/keywords/{added_id}")))
        .bearer_auth(&a)
        .json(&json!({"whole_word": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["whole_word"], true);
    assert_eq!(changed["keyword"], "four");
    let keywords: Vec<Value> = app
        .get(&format!("/api/v2/filters/{id}/keywords"))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keywords.len(), 3);
    let gone = app
        .client
        .delete(app.url(&format!("/api/v2/filters/keywords/{added_id}")))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 200);
    let gone = app
        .client
        .delete(app.url(&format!("/api/v2/filters/{id}")))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 200);
    assert_error(
        app.get(&format!("/api/v2/filters/{id}"))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap(),
        404,
        "Record not found",
    )
    .await;
}

#[tokio::test]
async fn invalid_filters_are_refused_and_store_nothing() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let a = app.token(&alice, "read write").await;
    let cases = [
        (json!({"context": ["home"]}), "title"),
        (json!({"title": "t"}), "context"),
        (json!({"title": "t", "context": ["everywhere"]}), "context"),
        (
            json!({"title": "t", "context": ["home"], "filter_action": "explode"}),
            "filter_action",
        ),
        (
            json!({"title": "t", "context": ["home"], "expires_in": "-1"}),
            "expires_in",
        ),
        (
            json!({"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": "  "}]}),
            "keyword",
        ),
        (
            json!({"title": "x".repeat(201), "context": ["home"]}),
            "title",
        ),
    ];
    for (body, needle) in cases {
        let response = app
            .post("/api/v2/filters")
            .bearer_auth(&a)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_error(response, 422, needle).await;
    }
    let list: Vec<Value> = app
        .get("/api/v2/filters")
        .bearer_auth(&a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list.is_empty());
    let read_only = app.token(&alice, "read").await;
    let response = app
        .post("/api/v2/filters")
        .bearer_auth(&read_only)
        .json(&json!({"title": "t", "context": ["home"]}))
        .send()
        .await
        .unwrap();
    assert_error(response, 403, "scopes").await;
}

/// Mastodon serves one keyword at `/api/v2/filters/keywords/:id` and one filtered post at
/// `/api/v2/filters/statuses/:id`; nothing answers at the paths Hamlet once used.
#[tokio::test]
async fn one_keyword_and_one_filtered_post_live_under_filters() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let a = app.token(&alice, "read write").await;
    let status = post(&app, &a, "a post to filter").await;
    let filter = create(
        &app,
        &a,
        json!({"title": "Paths", "context": ["home"], "keywords_attributes": [{"keyword": "turnip"}]}),
    )
    .await;
    let filter_id = filter["id"].as_str().unwrap();
    let keyword_id = filter["keywords"][0]["id"].as_str().unwrap();
    let entry: Value = app
        .post(&format!("/api/v2/filters/{filter_id}/statuses"))
        .bearer_auth(&a)
        .json(&json!({"status_id": status}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry_id = entry["id"].as_str().unwrap();

    for old in [
        format!("/api/v2/filter_keywords/{keyword_id}"),
        format!("/api/v2/filter_statuses/{entry_id}"),
    ] {
        assert_error(
            app.get(&old).bearer_auth(&a).send().await.unwrap(),
            404,
            "Record not found",
        )
        .await;
    }

    let keyword: Value = app
        .get(&format!("/api/v2/filters/keywords/{keyword_id}"))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_conforms(&keyword, "FilterKeyword");
    assert_eq!(keyword["keyword"], "turnip");
    let response = app
        .client
        .put(app.url(&format!("/api/v2/filters/keywords/{keyword_id}")))
        .bearer_auth(&a)
        .json(&json!({"keyword": "parsnip", "whole_word": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["keyword"], "parsnip");
    assert_eq!(changed["whole_word"], false);
    let response = app
        .client
        .delete(app.url(&format!("/api/v2/filters/keywords/{keyword_id}")))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_error(
        app.get(&format!("/api/v2/filters/keywords/{keyword_id}"))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap(),
        404,
        "Record not found",
    )
    .await;

    let shown: Value = app
        .get(&format!("/api/v2/filters/statuses/{entry_id}"))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_conforms(&shown, "FilterStatus");
    assert_eq!(shown["status_id"], status.as_str());
    let response = app
        .client
        .delete(app.url(&format!("/api/v2/filters/statuses/{entry_id}")))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_error(
        app.get(&format!("/api/v2/filters/statuses/{entry_id}"))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap(),
        404,
        "Record not found",
    )
    .await;
    // The filter itself is still there, now empty.
    let left: Value = app
        .get(&format!("/api/v2/filters/{filter_id}"))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(left["keywords"], json!([]));
    assert_eq!(left["statuses"], json!([]));
}
