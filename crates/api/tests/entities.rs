//! Snapshots of the entities the social endpoints return, with ids, dates and the test
//! server's address made stable. Each is also checked against the Mastodon spec where it
//! is produced; these pin down the exact shape Hamlet sends.

mod common;

use common::stable_json;
use hamlet_core::role::Role;
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn social_entities_keep_their_shape() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let a = app.token(&alice, "read write follow").await;
    let b = app.token(&bob, "read write follow").await;

    let relationship = stable_json(
        &app,
        app.post(&format!("/api/v1/accounts/{}/follow", alice.id()))
            .bearer_auth(&b)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_conforms(&relationship, "Relationship");
    insta::assert_json_snapshot!("relationship", relationship, { ".id" => "[id]" });

    let status: Value = app
        .post("/api/v1/statuses")
        .bearer_auth(&a)
        .json(&json!({"status": "@bob hello #there", "visibility": "direct"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = status["id"].as_str().unwrap().to_owned();

    let notifications = stable_json(
        &app,
        app.get("/api/v1/notifications")
            .bearer_auth(&b)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_conforms(&notifications[0], "Notification");
    insta::assert_json_snapshot!("notification", notifications[0], {
        ".id" => "[id]",
        ".group_key" => "[group]",
        ".created_at" => "[date]",
        ".account.id" => "[id]",
        ".account.created_at" => "[date]",
        ".account.last_status_at" => "[day]",
        ".status" => "[status]",
    });

    let conversations = stable_json(
        &app,
        app.get("/api/v1/conversations")
            .bearer_auth(&b)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_conforms(&conversations[0], "Conversation");
    insta::assert_json_snapshot!("conversation", conversations[0], {
        ".id" => "[id]",
        ".accounts[].id" => "[id]",
        ".accounts[].created_at" => "[date]",
        ".accounts[].last_status_at" => "[day]",
        ".last_status" => "[status]",
    });

    app.client
        .put(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&a)
        .json(&json!({"status": "@bob hello again #there"}))
        .send()
        .await
        .unwrap();
    let history = stable_json(
        &app,
        app.get(&format!("/api/v1/statuses/{id}/history"))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_conforms(&history[1], "StatusEdit");
    insta::assert_json_snapshot!("status_edit", history[1], {
        ".created_at" => "[date]",
        ".account.id" => "[id]",
        ".account.created_at" => "[date]",
        ".account.last_status_at" => "[day]",
    });
    let source = stable_json(
        &app,
        app.get(&format!("/api/v1/statuses/{id}/source"))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap(),
    )
    .await;
    insta::assert_json_snapshot!("status_source", source, { ".id" => "[id]" });

    let markers = stable_json(
        &app,
        app.post("/api/v1/markers")
            .bearer_auth(&a)
            .json(&json!({"home": {"last_read_id": "42"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    insta::assert_json_snapshot!("markers", markers, { ".home.updated_at" => "[date]" });

    let preferences = stable_json(
        &app,
        app.get("/api/v1/preferences")
            .bearer_auth(&a)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_conforms(&preferences, "Preferences");
    insta::assert_json_snapshot!("preferences", preferences);

    let search = stable_json(
        &app,
        app.get("/api/v2/search?q=there&type=hashtags")
            .bearer_auth(&a)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_conforms(&search, "Search");
    insta::assert_json_snapshot!("search", search, { ".hashtags[].id" => "[id]" });
}
