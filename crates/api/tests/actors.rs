//! What other servers read of members: actor documents, single posts, the outbox,
//! featured posts and follower counts, with content negotiation for browsers.

use hamlet_core::role::Role;
use hamlet_testkit::{TestApp, TestMember, spawn_app};
use serde_json::{Value, json};

const AP: &str = "application/activity+json";

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app
        .post("/api/v1/statuses")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn fetch(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.get(path).header("accept", AP).send().await.unwrap();
    let status = response.status().as_u16();
    if status == 200 {
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with(AP), "{content_type}");
    }
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn member(app: &TestApp, name: &str) -> (TestMember, String) {
    let member = app.create_member(name, Role::Member).await;
    let token = app.token(&member, "read write").await;
    (member, token)
}

#[tokio::test]
async fn the_actor_document_describes_the_member() {
    let app = spawn_app().await;
    let (_alice, token) = member(&app, "alice").await;
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .json(&json!({
            "display_name": "Alice <3",
            "note": "Hello & welcome",
            "locked": true,
            "fields_attributes": { "0": { "name": "Site", "value": "https://alice.example" } },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let (status, actor) = fetch(&app, "/users/alice").await;
    assert_eq!(status, 200);
    let base = &app.address;
    assert_eq!(actor["id"], format!("{base}/users/alice"));
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["preferredUsername"], "alice");
    assert_eq!(actor["name"], "Alice <3");
    assert_eq!(actor["summary"], "<p>Hello &amp; welcome</p>");
    assert_eq!(actor["manuallyApprovesFollowers"], true);
    assert_eq!(actor["inbox"], format!("{base}/users/alice/inbox"));
    assert_eq!(actor["endpoints"]["sharedInbox"], format!("{base}/inbox"));
    assert_eq!(
        actor["publicKey"]["id"],
        format!("{base}/users/alice#main-key")
    );
    assert_eq!(actor["publicKey"]["owner"], format!("{base}/users/alice"));
    assert!(
        actor["publicKey"]["publicKeyPem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    assert_eq!(actor["attachment"][0]["type"], "PropertyValue");
    assert_eq!(actor["attachment"][0]["name"], "Site");
    assert!(actor["@context"].is_array());

    // Browsers are sent to the profile page; unknown members are 404.
    let response = app
        .get("/users/alice")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], format!("{base}/@alice"));
    assert_eq!(fetch(&app, "/users/nobody").await.0, 404);
}

#[tokio::test]
async fn the_instance_actor_has_a_stable_key() {
    let app = spawn_app().await;
    let (status, first) = fetch(&app, "/actor").await;
    assert_eq!(status, 200);
    assert_eq!(first["type"], "Application");
    assert_eq!(first["id"], format!("{}/actor", app.address));
    let (_, second) = fetch(&app, "/actor").await;
    assert_eq!(first["publicKey"], second["publicKey"]);
}

#[tokio::test]
async fn posts_are_served_to_servers_only_when_anyone_may_read_them() {
    let app = spawn_app().await;
    let (_alice, token) = member(&app, "alice").await;
    let public = post(
        &app,
        &token,
        json!({ "status": "Hello #world", "language": "en" }),
    )
    .await;
    let private = post(
        &app,
        &token,
        json!({ "status": "followers only", "visibility": "private" }),
    )
    .await;
    let direct = post(
        &app,
        &token,
        json!({ "status": "just me", "visibility": "direct" }),
    )
    .await;

    let path = |status: &Value| format!("/users/alice/statuses/{}", status["id"].as_str().unwrap());
    let (code, note) = fetch(&app, &path(&public)).await;
    assert_eq!(code, 200);
    assert_eq!(note["type"], "Note");
    assert_eq!(note["id"], public["uri"]);
    assert_eq!(note["url"], public["url"]);
    assert_eq!(note["attributedTo"], format!("{}/users/alice", app.address));
    assert_eq!(
        note["to"],
        json!(["https://www.w3.org/ns/activitystreams#Public"])
    );
    assert_eq!(
        note["cc"],
        json!([format!("{}/users/alice/followers", app.address)])
    );
    assert_eq!(note["contentMap"]["en"], note["content"]);
    assert_eq!(note["tag"][0]["type"], "Hashtag");
    assert_eq!(note["tag"][0]["name"], "#world");

    // Not for anonymous eyes: indistinguishable from a post that does not exist.
    assert_eq!(fetch(&app, &path(&private)).await.0, 404);
    assert_eq!(fetch(&app, &path(&direct)).await.0, 404);
    assert_eq!(fetch(&app, "/users/alice/statuses/123456789").await.0, 404);
    assert_eq!(fetch(&app, "/users/alice/statuses/not-an-id").await.0, 404);

    // The outbox lists the public post only.
    let (code, outbox) = fetch(&app, "/users/alice/outbox").await;
    assert_eq!(code, 200);
    assert_eq!(outbox["type"], "OrderedCollection");
    let first = outbox["first"].as_str().unwrap();
    let first = first.trim_start_matches(&app.address);
    let (code, page) = fetch(&app, first).await;
    assert_eq!(code, 200);
    assert_eq!(page["type"], "OrderedCollectionPage");
    let items = page["orderedItems"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["type"], "Create");
    assert_eq!(items[0]["object"]["id"], public["uri"]);
}

#[tokio::test]
async fn featured_lists_pinned_public_posts_and_collections_give_counts() {
    let app = spawn_app().await;
    let (_alice, token) = member(&app, "alice").await;
    let (_bob, bob_token) = member(&app, "bob").await;
    let pinned = post(&app, &token, json!({ "status": "pinned" })).await;
    let pin = app
        .post(&format!(
            "/api/v1/statuses/{}/pin",
            pinned["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(pin.status(), 200);
    let alice_id = {
        let response = app
            .get("/api/v1/accounts/lookup?acct=alice")
            .send()
            .await
            .unwrap();
        response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let follow = app
        .post(&format!("/api/v1/accounts/{alice_id}/follow"))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap();
    assert_eq!(follow.status(), 200);

    let (code, featured) = fetch(&app, "/users/alice/collections/featured").await;
    assert_eq!(code, 200);
    assert_eq!(featured["totalItems"], 1);
    assert_eq!(featured["orderedItems"][0]["id"], pinned["uri"]);

    let (code, followers) = fetch(&app, "/users/alice/followers").await;
    assert_eq!(code, 200);
    assert_eq!(followers["totalItems"], 1);
    assert!(
        followers.get("orderedItems").is_none(),
        "lists stay private"
    );
    let (_, following) = fetch(&app, "/users/bob/following").await;
    assert_eq!(following["totalItems"], 1);
}

#[tokio::test]
async fn replies_collection_lists_public_replies_only() {
    let app = spawn_app().await;
    let (_alice, token) = member(&app, "alice").await;
    let (_bob, bob_token) = member(&app, "bob").await;
    let original = post(&app, &token, json!({ "status": "thread start" })).await;
    let id = original["id"].as_str().unwrap();
    let public_reply = post(
        &app,
        &bob_token,
        json!({ "status": "@alice public reply", "in_reply_to_id": id }),
    )
    .await;
    post(
        &app,
        &bob_token,
        json!({ "status": "@alice private reply", "in_reply_to_id": id, "visibility": "private" }),
    )
    .await;

    let (code, note) = fetch(&app, &format!("/users/alice/statuses/{id}")).await;
    assert_eq!(code, 200);
    let replies_url = note["replies"]
        .as_str()
        .unwrap()
        .trim_start_matches(&app.address)
        .to_owned();
    let (code, replies) = fetch(&app, &replies_url).await;
    assert_eq!(code, 200);
    assert_eq!(replies["type"], "OrderedCollection");
    assert_eq!(replies["orderedItems"], json!([public_reply["uri"]]));

    let private = post(
        &app,
        &token,
        json!({ "status": "secret", "visibility": "private" }),
    )
    .await;
    let path = format!(
        "/users/alice/statuses/{}/replies",
        private["id"].as_str().unwrap()
    );
    assert_eq!(fetch(&app, &path).await.0, 404);
}
