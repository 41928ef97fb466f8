//! Direct-message conversations: who sees them, unread state, removal.

mod common;

use common::assert_error;
use hamlet_core::role::Role;
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::{TestApp, spawn_app};
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

async fn conversations(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app
        .get("/api/v1/conversations")
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let list: Vec<Value> = response.json().await.unwrap();
    for c in &list {
        assert_conforms(c, "Conversation");
    }
    list
}

#[tokio::test]
async fn direct_messages_make_conversations_for_their_participants() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let carol = app.create_member("carol", Role::Member).await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let c = app.token(&carol, "read write").await;
    let first = post(
        &app,
        &a,
        json!({"status": "@bob secret", "visibility": "direct"}),
    )
    .await;
    post(&app, &a, json!({"status": "public, not a conversation"})).await;

    let mine = conversations(&app, &a).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(
        mine[0]["unread"], false,
        "the sender has read what they wrote"
    );
    assert_eq!(mine[0]["accounts"][0]["username"], "bob");
    let theirs = conversations(&app, &b).await;
    assert_eq!(theirs[0]["unread"], true);
    assert_eq!(theirs[0]["last_status"]["id"], first.as_str());
    assert_eq!(theirs[0]["accounts"][0]["username"], "alice");
    assert!(conversations(&app, &c).await.is_empty());

    let reply = post(
        &app,
        &b,
        json!({"status": "@alice got it", "visibility": "direct", "in_reply_to_id": first}),
    )
    .await;
    let mine = conversations(&app, &a).await;
    assert_eq!(mine.len(), 1, "a reply continues the conversation");
    assert_eq!(mine[0]["last_status"]["id"], reply.as_str());
    assert_eq!(mine[0]["unread"], true);
    let id = mine[0]["id"].as_str().unwrap().to_owned();

    let read = app
        .post(&format!("/api/v1/conversations/{id}/read"))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let read: Value = read.json().await.unwrap();
    assert_eq!(read["unread"], false);
    assert_error(
        app.post(&format!("/api/v1/conversations/{id}/read"))
            .bearer_auth(&c)
            .send()
            .await
            .unwrap(),
        404,
        "Record not found",
    )
    .await;
    let removed = app
        .client
        .delete(app.url(&format!("/api/v1/conversations/{id}")))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    assert!(conversations(&app, &a).await.is_empty());
    assert_eq!(
        conversations(&app, &b).await.len(),
        1,
        "removing is for oneself"
    );
    post(
        &app,
        &b,
        json!({"status": "@alice still there?", "visibility": "direct", "in_reply_to_id": reply}),
    )
    .await;
    assert_eq!(
        conversations(&app, &a).await.len(),
        1,
        "a new message brings it back"
    );
    let read_only = app.token(&alice, "read").await;
    assert_error(
        app.post(&format!("/api/v1/conversations/{id}/read"))
            .bearer_auth(&read_only)
            .send()
            .await
            .unwrap(),
        403,
        "scopes",
    )
    .await;
}
