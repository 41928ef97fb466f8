//! Favourites, bookmarks, pins and boosts: who may do them, what they change, and the
//! lists they make.

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

async fn act(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.post(path).bearer_auth(token).send().await.unwrap()
}

async fn ok(app: &TestApp, token: &str, path: &str) -> Value {
    let response = act(app, token, path).await;
    assert_eq!(response.status(), 200, "{path}");
    let body: Value = response.json().await.unwrap();
    assert_conforms(&body, "Status");
    body
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> Value {
    let request = app.get(path);
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
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
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    Cast { alice, a, bob, b }
}

#[tokio::test]
async fn favourites_and_bookmarks_count_and_list() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = post(&app, &c.a, json!({"status": "like me"})).await;
    let body = ok(&app, &c.b, &format!("/api/v1/statuses/{id}/favourite")).await;
    assert_eq!(body["favourited"], true);
    assert_eq!(body["favourites_count"], 1);
    let body = ok(&app, &c.b, &format!("/api/v1/statuses/{id}/favourite")).await;
    assert_eq!(body["favourites_count"], 1, "favouriting twice counts once");
    let body = ok(&app, &c.b, &format!("/api/v1/statuses/{id}/bookmark")).await;
    assert_eq!(body["bookmarked"], true);
    let seen_by_alice = get(&app, Some(&c.a), &format!("/api/v1/statuses/{id}")).await;
    assert_eq!(seen_by_alice["favourited"], false);
    assert_eq!(seen_by_alice["bookmarked"], false);
    assert_eq!(seen_by_alice["favourites_count"], 1);

    let who = get(&app, None, &format!("/api/v1/statuses/{id}/favourited_by")).await;
    assert_eq!(who.as_array().unwrap().len(), 1);
    assert_eq!(who[0]["username"], "bob");
    let favourites = get(&app, Some(&c.b), "/api/v1/favourites").await;
    assert_eq!(favourites[0]["id"], id.as_str());
    let bookmarks = get(&app, Some(&c.b), "/api/v1/bookmarks").await;
    assert_eq!(bookmarks[0]["id"], id.as_str());
    assert!(
        get(&app, Some(&c.a), "/api/v1/bookmarks")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );

    let body = ok(&app, &c.b, &format!("/api/v1/statuses/{id}/unfavourite")).await;
    assert_eq!(body["favourited"], false);
    assert_eq!(body["favourites_count"], 0);
    ok(&app, &c.b, &format!("/api/v1/statuses/{id}/unbookmark")).await;
    assert!(
        get(&app, Some(&c.b), "/api/v1/bookmarks")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );

    let read_only = app.token(&c.bob, "read").await;
    assert_error(
        act(
            &app,
            &read_only,
            &format!("/api/v1/statuses/{id}/favourite"),
        )
        .await,
        403,
        "scopes",
    )
    .await;
    let bookmarks_only = app.token(&c.bob, "read:favourites").await;
    assert_error(
        app.get("/api/v1/bookmarks")
            .bearer_auth(&bookmarks_only)
            .send()
            .await
            .unwrap(),
        403,
        "scopes",
    )
    .await;
}

#[tokio::test]
async fn posts_one_may_not_see_cannot_be_touched() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let private = post(
        &app,
        &c.a,
        json!({"status": "followers only", "visibility": "private"}),
    )
    .await;
    for action in ["favourite", "bookmark", "reblog", "pin"] {
        assert_error(
            act(&app, &c.b, &format!("/api/v1/statuses/{private}/{action}")).await,
            404,
            "Record not found",
        )
        .await;
    }
    let response = app
        .get(&format!("/api/v1/statuses/{private}/favourited_by"))
        .send()
        .await
        .unwrap();
    assert_error(response, 404, "Record not found").await;
}

#[tokio::test]
async fn boosts_follow_mastodons_rules() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = post(&app, &c.a, json!({"status": "boost me"})).await;
    let boost = ok(&app, &c.b, &format!("/api/v1/statuses/{id}/reblog")).await;
    assert_eq!(boost["reblog"]["id"], id.as_str());
    assert_eq!(boost["reblog"]["reblogged"], true);
    assert_eq!(boost["reblog"]["reblogs_count"], 1);
    assert_eq!(boost["account"]["username"], "bob");
    let again = ok(&app, &c.b, &format!("/api/v1/statuses/{id}/reblog")).await;
    assert_eq!(
        again["id"], boost["id"],
        "boosting twice returns the first boost"
    );
    let boost_id = boost["id"].as_str().unwrap();
    // Acting on the boost acts on the original.
    let favourited = ok(
        &app,
        &c.a,
        &format!("/api/v1/statuses/{boost_id}/favourite"),
    )
    .await;
    assert_eq!(favourited["id"], id.as_str());
    let who = get(&app, None, &format!("/api/v1/statuses/{id}/reblogged_by")).await;
    assert_eq!(who[0]["username"], "bob");
    // Followers see the boost on their home timeline; the public timeline shows posts only.
    let carol = app.create_member("carol", Role::Member).await;
    let c3 = app.token(&carol, "read write follow").await;
    act(
        &app,
        &c3,
        &format!("/api/v1/accounts/{}/follow", c.bob.id()),
    )
    .await;
    let home = get(&app, Some(&c3), "/api/v1/timelines/home").await;
    assert_eq!(home[0]["id"], boost_id);
    assert_conforms(&home[0], "Status");
    let public = get(&app, Some(&c3), "/api/v1/timelines/public").await;
    assert_eq!(public.as_array().unwrap().len(), 1);
    assert_eq!(public[0]["id"], id.as_str());

    let original = ok(&app, &c.b, &format!("/api/v1/statuses/{id}/unreblog")).await;
    assert_eq!(original["id"], id.as_str());
    assert_eq!(original["reblogged"], false);
    assert_eq!(original["reblogs_count"], 0);
    assert!(
        get(&app, Some(&c3), "/api/v1/timelines/home")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Followers-only posts may be boosted by their author only, and stay followers-only.
    act(
        &app,
        &c.b,
        &format!("/api/v1/accounts/{}/follow", c.alice.id()),
    )
    .await;
    let private = post(
        &app,
        &c.a,
        json!({"status": "ours", "visibility": "private"}),
    )
    .await;
    assert_error(
        act(&app, &c.b, &format!("/api/v1/statuses/{private}/reblog")).await,
        403,
        "not allowed",
    )
    .await;
    let own = ok(&app, &c.a, &format!("/api/v1/statuses/{private}/reblog")).await;
    assert_eq!(own["visibility"], "private");
    let direct = post(
        &app,
        &c.a,
        json!({"status": "@bob psst", "visibility": "direct"}),
    )
    .await;
    assert_error(
        act(&app, &c.b, &format!("/api/v1/statuses/{direct}/reblog")).await,
        403,
        "not allowed",
    )
    .await;
    let unlisted = ok(
        &app,
        &c.b,
        &format!("/api/v1/statuses/{id}/reblog?visibility=unlisted"),
    )
    .await;
    assert_eq!(unlisted["visibility"], "unlisted");
}

#[tokio::test]
async fn pins_are_for_own_posts_and_limited() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let mine = post(&app, &c.a, json!({"status": "pin me"})).await;
    let body = ok(&app, &c.a, &format!("/api/v1/statuses/{mine}/pin")).await;
    assert_eq!(body["pinned"], true);
    let pinned = get(
        &app,
        None,
        &format!("/api/v1/accounts/{}/statuses?pinned=true", c.alice.id()),
    )
    .await;
    assert_eq!(pinned[0]["id"], mine.as_str());
    let theirs = post(&app, &c.b, json!({"status": "not yours"})).await;
    assert_error(
        act(&app, &c.a, &format!("/api/v1/statuses/{theirs}/pin")).await,
        422,
        "your own",
    )
    .await;
    let direct = post(&app, &c.a, json!({"status": "dm", "visibility": "direct"})).await;
    assert_error(
        act(&app, &c.a, &format!("/api/v1/statuses/{direct}/pin")).await,
        422,
        "Direct",
    )
    .await;
    for i in 0..4 {
        let id = post(&app, &c.a, json!({"status": format!("pin {i}")})).await;
        ok(&app, &c.a, &format!("/api/v1/statuses/{id}/pin")).await;
    }
    let extra = post(&app, &c.a, json!({"status": "one too many"})).await;
    assert_error(
        act(&app, &c.a, &format!("/api/v1/statuses/{extra}/pin")).await,
        422,
        "maximum",
    )
    .await;
    ok(&app, &c.a, &format!("/api/v1/statuses/{mine}/pin")).await;
    let body = ok(&app, &c.a, &format!("/api/v1/statuses/{mine}/unpin")).await;
    assert_eq!(body["pinned"], false);
    ok(&app, &c.a, &format!("/api/v1/statuses/{extra}/pin")).await;
}
