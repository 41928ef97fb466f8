//! Notifications are written with what causes them, withdrawn when it is undone, and
//! listed with Mastodon's filters; markers remember where a member stopped reading.

mod common;

use common::assert_error;
use hamlet_core::role::Role;
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::{TestApp, TestMember, spawn_app};
use serde_json::{Value, json};

async fn post(app: &TestApp, token: &str, body: Value) -> String {
    let response = app
        .post("/api/v1/statuses")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

async fn act(app: &TestApp, token: &str, path: &str) -> u16 {
    app.post(path)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn notifications(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let response = app
        .get(&format!("/api/v1/notifications{query}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Vec<Value> = response.json().await.unwrap();
    for n in &body {
        assert_conforms(n, "Notification");
    }
    body
}

fn types(list: &[Value]) -> Vec<&str> {
    list.iter().map(|n| n["type"].as_str().unwrap()).collect()
}

struct Cast {
    alice: TestMember,
    a: String,
    bob: TestMember,
    b: String,
}

async fn cast(app: &TestApp) -> Cast {
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let a = app.token(&alice, "read write follow").await;
    let b = app.token(&bob, "read write follow").await;
    Cast { alice, a, bob, b }
}

#[tokio::test]
async fn every_kind_of_notification_arrives_and_is_withdrawn_with_its_cause() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = post(&app, &c.a, json!({"status": "hello"})).await;
    post(
        &app,
        &c.b,
        json!({"status": "hi @alice, and @bob talks to himself"}),
    )
    .await;
    assert_eq!(
        act(&app, &c.b, &format!("/api/v1/statuses/{id}/favourite")).await,
        200
    );
    assert_eq!(
        act(&app, &c.b, &format!("/api/v1/statuses/{id}/reblog")).await,
        200
    );
    assert_eq!(
        act(
            &app,
            &c.b,
            &format!("/api/v1/accounts/{}/follow", c.alice.id())
        )
        .await,
        200
    );
    let list = notifications(&app, &c.a, "").await;
    assert_eq!(types(&list), ["follow", "reblog", "favourite", "mention"]);
    assert!(list.iter().all(|n| n["account"]["username"] == "bob"));
    assert_eq!(list[1]["status"]["id"], id.as_str());
    assert!(list[0]["status"].is_null());
    assert!(
        notifications(&app, &c.b, "").await.is_empty(),
        "nobody is notified of their own doing"
    );

    assert_eq!(
        act(&app, &c.b, &format!("/api/v1/statuses/{id}/unfavourite")).await,
        200
    );
    assert_eq!(
        act(&app, &c.b, &format!("/api/v1/statuses/{id}/unreblog")).await,
        200
    );
    assert_eq!(
        act(
            &app,
            &c.b,
            &format!("/api/v1/accounts/{}/unfollow", c.alice.id())
        )
        .await,
        200
    );
    assert_eq!(types(&notifications(&app, &c.a, "").await), ["mention"]);
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&c.a)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
}

#[tokio::test]
async fn follow_requests_notify_until_answered() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    app.patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&c.a)
        .json(&json!({"locked": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        act(
            &app,
            &c.b,
            &format!("/api/v1/accounts/{}/follow", c.alice.id())
        )
        .await,
        200
    );
    assert_eq!(
        act(
            &app,
            &c.b,
            &format!("/api/v1/accounts/{}/follow", c.alice.id())
        )
        .await,
        200
    );
    assert_eq!(
        types(&notifications(&app, &c.a, "").await),
        ["follow_request"]
    );
    assert_eq!(
        act(
            &app,
            &c.a,
            &format!("/api/v1/follow_requests/{}/authorize", c.bob.id())
        )
        .await,
        200
    );
    assert!(notifications(&app, &c.a, "").await.is_empty());
}

#[tokio::test]
async fn filters_paging_dismissal_and_clearing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let carol = app.create_member("carol", Role::Member).await;
    let k = app.token(&carol, "read write follow").await;
    let id = post(&app, &c.a, json!({"status": "hello"})).await;
    act(&app, &c.b, &format!("/api/v1/statuses/{id}/favourite")).await;
    act(&app, &k, &format!("/api/v1/statuses/{id}/favourite")).await;
    act(
        &app,
        &c.b,
        &format!("/api/v1/accounts/{}/follow", c.alice.id()),
    )
    .await;
    assert_eq!(
        types(&notifications(&app, &c.a, "?types[]=follow").await),
        ["follow"]
    );
    assert_eq!(
        types(&notifications(&app, &c.a, "?exclude_types[]=follow").await),
        ["favourite", "favourite"]
    );
    assert!(notifications(&app, &c.a, "?types[]=poll").await.is_empty());
    let from_carol = notifications(&app, &c.a, &format!("?account_id={}", carol.id())).await;
    assert_eq!(from_carol.len(), 1);
    let response = app
        .get("/api/v1/notifications?limit=1")
        .bearer_auth(&c.a)
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["link"]
            .to_str()
            .unwrap()
            .contains("max_id=")
    );
    let first: Vec<Value> = response.json().await.unwrap();
    let one = first[0]["id"].as_str().unwrap();
    let shown: Value = app
        .get(&format!("/api/v1/notifications/{one}"))
        .bearer_auth(&c.a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["id"], one);
    assert_error(
        app.get(&format!("/api/v1/notifications/{one}"))
            .bearer_auth(&c.b)
            .send()
            .await
            .unwrap(),
        404,
        "Record not found",
    )
    .await;
    assert_eq!(
        act(&app, &c.b, &format!("/api/v1/notifications/{one}/dismiss")).await,
        404
    );
    assert_eq!(
        act(&app, &c.a, &format!("/api/v1/notifications/{one}/dismiss")).await,
        200
    );
    assert_eq!(notifications(&app, &c.a, "").await.len(), 2);
    assert_eq!(act(&app, &c.a, "/api/v1/notifications/clear").await, 200);
    assert!(notifications(&app, &c.a, "").await.is_empty());
    let read_only = app.token(&c.alice, "read:notifications").await;
    assert_error(
        app.post("/api/v1/notifications/clear")
            .bearer_auth(&read_only)
            .send()
            .await
            .unwrap(),
        403,
        "scopes",
    )
    .await;
}

#[tokio::test]
async fn blocked_and_muted_accounts_do_not_notify() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = post(&app, &c.a, json!({"status": "hello"})).await;
    act(&app, &c.b, &format!("/api/v1/statuses/{id}/favourite")).await;
    assert_eq!(notifications(&app, &c.a, "").await.len(), 1);
    let muted = app
        .post(&format!("/api/v1/accounts/{}/mute", c.bob.id()))
        .bearer_auth(&c.a)
        .json(&json!({"notifications": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(muted.status(), 200);
    assert!(notifications(&app, &c.a, "").await.is_empty());
    act(
        &app,
        &c.a,
        &format!("/api/v1/accounts/{}/unmute", c.bob.id()),
    )
    .await;
    assert_eq!(notifications(&app, &c.a, "").await.len(), 1);
    act(
        &app,
        &c.a,
        &format!("/api/v1/accounts/{}/block", c.bob.id()),
    )
    .await;
    assert!(notifications(&app, &c.a, "").await.is_empty());
}

#[tokio::test]
async fn markers_remember_where_reading_stopped() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let empty: Value = app
        .get("/api/v1/markers?timeline[]=home")
        .bearer_auth(&c.a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(empty, json!({}));
    let set = |body: Value| {
        app.post("/api/v1/markers")
            .bearer_auth(&c.a)
            .json(&body)
            .send()
    };
    let response = set(json!({"home": {"last_read_id": "103"}})).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_conforms(&body["home"], "Marker");
    assert_eq!(body["home"]["last_read_id"], "103");
    assert_eq!(body["home"]["version"], 1);
    let response = app
        .post("/api/v1/markers")
        .bearer_auth(&c.a)
        .form(&[
            ("home[last_read_id]", "104"),
            ("notifications[last_read_id]", "7"),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["home"]["version"], 2);
    assert_eq!(body["notifications"]["last_read_id"], "7");
    let both: Value = app
        .get("/api/v1/markers?timeline[]=home&timeline[]=notifications")
        .bearer_auth(&c.a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(both["home"]["last_read_id"], "104");
    let other: Value = app
        .get("/api/v1/markers")
        .bearer_auth(&c.b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other, json!({}));
    assert_error(set(json!({})).await.unwrap(), 400, "timeline").await;
    assert_error(
        set(json!({"home": {"last_read_id": "abc"}})).await.unwrap(),
        422,
        "last_read_id",
    )
    .await;
}
