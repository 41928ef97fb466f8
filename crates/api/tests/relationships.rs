//! Following (open and locked accounts), follow requests, blocks and mutes, and how they
//! shape what members see.

mod common;

use common::assert_error;
use hamlet_core::role::Role;
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::{TestApp, TestMember, spawn_app};
use serde_json::{Value, json};

async fn call(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.post(path).bearer_auth(token).send().await.unwrap()
}

async fn relation(app: &TestApp, token: &str, path: &str) -> Value {
    let response = call(app, token, path).await;
    assert_eq!(response.status(), 200, "{path}");
    let body: Value = response.json().await.unwrap();
    assert_conforms(&body, "Relationship");
    body
}

async fn list(app: &TestApp, token: Option<&str>, path: &str) -> Vec<Value> {
    let request = app.get(path);
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

fn usernames(accounts: &[Value]) -> Vec<&str> {
    accounts
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect()
}

struct Pair {
    alice: TestMember,
    a: String,
    bob: TestMember,
    b: String,
}

async fn pair(app: &TestApp) -> Pair {
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let a = app.token(&alice, "read write follow").await;
    let b = app.token(&bob, "read write follow").await;
    Pair { alice, a, bob, b }
}

#[tokio::test]
async fn following_an_open_account_is_immediate() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    let body = relation(
        &app,
        &p.a,
        &format!("/api/v1/accounts/{}/follow", p.bob.id()),
    )
    .await;
    assert_eq!(body["id"], p.bob.id());
    assert_eq!(body["following"], true);
    assert_eq!(body["showing_reblogs"], true);
    assert_eq!(body["requested"], false);
    let seen: Vec<Value> = list(
        &app,
        Some(&p.b),
        &format!(
            "/api/v1/accounts/relationships?id[]={}&id[]=999",
            p.alice.id()
        ),
    )
    .await;
    assert_eq!(seen.len(), 1, "unknown ids are left out");
    assert_eq!(seen[0]["followed_by"], true);
    assert_eq!(seen[0]["following"], false);
    assert_eq!(
        usernames(
            &list(
                &app,
                None,
                &format!("/api/v1/accounts/{}/followers", p.bob.id())
            )
            .await
        ),
        ["alice"]
    );
    let following = list(
        &app,
        None,
        &format!("/api/v1/accounts/{}/following", p.alice.id()),
    )
    .await;
    assert_eq!(usernames(&following), ["bob"]);
    assert_conforms(&following[0], "Account");
    let bob: Value = app
        .get(&format!("/api/v1/accounts/{}", p.bob.id()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bob["followers_count"], 1);

    let body = relation(
        &app,
        &p.a,
        &format!("/api/v1/accounts/{}/follow", p.bob.id()),
    )
    .await;
    assert_eq!(body["following"], true, "following again changes nothing");
    let body = relation(
        &app,
        &p.a,
        &format!("/api/v1/accounts/{}/unfollow", p.bob.id()),
    )
    .await;
    assert_eq!(body["following"], false);
    assert!(
        list(
            &app,
            None,
            &format!("/api/v1/accounts/{}/followers", p.bob.id())
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn a_locked_account_approves_requests() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    app.patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&p.b)
        .json(&json!({"locked": true}))
        .send()
        .await
        .unwrap();
    let body = relation(
        &app,
        &p.a,
        &format!("/api/v1/accounts/{}/follow", p.bob.id()),
    )
    .await;
    assert_eq!(body["following"], false);
    assert_eq!(body["requested"], true);
    let requests = list(&app, Some(&p.b), "/api/v1/follow_requests").await;
    assert_eq!(usernames(&requests), ["alice"]);
    let body = relation(
        &app,
        &p.b,
        &format!("/api/v1/follow_requests/{}/authorize", p.alice.id()),
    )
    .await;
    assert_eq!(body["followed_by"], true);
    assert_eq!(body["requested_by"], false);
    assert!(
        list(&app, Some(&p.b), "/api/v1/follow_requests")
            .await
            .is_empty()
    );
    assert_error(
        call(
            &app,
            &p.b,
            &format!("/api/v1/follow_requests/{}/authorize", p.alice.id()),
        )
        .await,
        404,
        "Record not found",
    )
    .await;

    let carol = app.create_member("carol", Role::Member).await;
    let c = app.token(&carol, "read write follow").await;
    relation(&app, &c, &format!("/api/v1/accounts/{}/follow", p.bob.id())).await;
    let body = relation(
        &app,
        &p.b,
        &format!("/api/v1/follow_requests/{}/reject", carol.id()),
    )
    .await;
    assert_eq!(body["followed_by"], false);
    let seen = list(
        &app,
        Some(&c),
        &format!("/api/v1/accounts/relationships?id={}", p.bob.id()),
    )
    .await;
    assert_eq!(seen[0]["requested"], false);
    assert_eq!(seen[0]["following"], false);
}

#[tokio::test]
async fn blocking_ends_follows_and_stops_new_ones() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    relation(
        &app,
        &p.a,
        &format!("/api/v1/accounts/{}/follow", p.bob.id()),
    )
    .await;
    relation(
        &app,
        &p.b,
        &format!("/api/v1/accounts/{}/follow", p.alice.id()),
    )
    .await;
    let body = relation(
        &app,
        &p.b,
        &format!("/api/v1/accounts/{}/block", p.alice.id()),
    )
    .await;
    assert_eq!(body["blocking"], true);
    assert_eq!(body["following"], false);
    assert_eq!(body["followed_by"], false);
    assert_error(
        call(
            &app,
            &p.a,
            &format!("/api/v1/accounts/{}/follow", p.bob.id()),
        )
        .await,
        403,
        "not allowed",
    )
    .await;
    let seen = list(
        &app,
        Some(&p.a),
        &format!("/api/v1/accounts/relationships?id[]={}", p.bob.id()),
    )
    .await;
    assert_eq!(seen[0]["blocked_by"], true);
    assert_eq!(
        usernames(&list(&app, Some(&p.b), "/api/v1/blocks").await),
        ["alice"]
    );
    relation(
        &app,
        &p.b,
        &format!("/api/v1/accounts/{}/unblock", p.alice.id()),
    )
    .await;
    assert!(list(&app, Some(&p.b), "/api/v1/blocks").await.is_empty());
    relation(
        &app,
        &p.a,
        &format!("/api/v1/accounts/{}/follow", p.bob.id()),
    )
    .await;
}

#[tokio::test]
async fn muting_hides_posts_and_can_expire() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    relation(
        &app,
        &p.a,
        &format!("/api/v1/accounts/{}/follow", p.bob.id()),
    )
    .await;
    let post: Value = app
        .post("/api/v1/statuses")
        .bearer_auth(&p.b)
        .json(&json!({"status": "hello"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list(&app, Some(&p.a), "/api/v1/timelines/home").await.len(),
        1
    );
    let response = app
        .post(&format!("/api/v1/accounts/{}/mute", p.bob.id()))
        .bearer_auth(&p.a)
        .json(&json!({"notifications": false, "duration": 3600}))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_conforms(&body, "Relationship");
    assert_eq!(body["muting"], true);
    assert_eq!(body["muting_notifications"], false);
    assert!(body["muting_expires_at"].is_string());
    assert!(
        list(&app, Some(&p.a), "/api/v1/timelines/home")
            .await
            .is_empty()
    );
    assert!(
        list(&app, Some(&p.a), "/api/v1/timelines/public")
            .await
            .is_empty()
    );
    // A muted account's post is still reachable directly, as on Mastodon.
    let direct = app
        .get(&format!(
            "/api/v1/statuses/{}",
            post["id"].as_str().unwrap()
        ))
        .bearer_auth(&p.a)
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 200);
    let mutes = list(&app, Some(&p.a), "/api/v1/mutes").await;
    assert_eq!(usernames(&mutes), ["bob"]);
    assert_conforms(&mutes[0], "MutedAccount");
    assert!(mutes[0]["mute_expires_at"].is_string());
    relation(
        &app,
        &p.a,
        &format!("/api/v1/accounts/{}/unmute", p.bob.id()),
    )
    .await;
    assert_eq!(
        list(&app, Some(&p.a), "/api/v1/timelines/home").await.len(),
        1
    );
    let response = app
        .post(&format!("/api/v1/accounts/{}/mute", p.bob.id()))
        .bearer_auth(&p.a)
        .json(&json!({"duration": -5}))
        .send()
        .await
        .unwrap();
    assert_error(response, 422, "duration").await;
}

#[tokio::test]
async fn relationship_actions_check_target_and_scope() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    assert_error(
        call(
            &app,
            &p.a,
            &format!("/api/v1/accounts/{}/follow", p.alice.id()),
        )
        .await,
        404,
        "Record not found",
    )
    .await;
    assert_error(
        call(&app, &p.a, "/api/v1/accounts/12345/follow").await,
        404,
        "Record not found",
    )
    .await;
    assert_error(
        call(&app, &p.a, "/api/v1/accounts/abc/block").await,
        404,
        "Record not found",
    )
    .await;
    let read_only = app.token(&p.alice, "read").await;
    assert_error(
        call(
            &app,
            &read_only,
            &format!("/api/v1/accounts/{}/follow", p.bob.id()),
        )
        .await,
        403,
        "scopes",
    )
    .await;
    let follows_only = app.token(&p.alice, "read:follows").await;
    assert_error(
        app.get("/api/v1/blocks")
            .bearer_auth(&follows_only)
            .send()
            .await
            .unwrap(),
        403,
        "scopes",
    )
    .await;
    assert_error(
        app.get("/api/v1/follow_requests").send().await.unwrap(),
        401,
        "invalid",
    )
    .await;
    let too_many: String = (1..=101).map(|i| format!("id[]={i}&")).collect();
    assert_error(
        app.get(&format!("/api/v1/accounts/relationships?{too_many}"))
            .bearer_auth(&p.a)
            .send()
            .await
            .unwrap(),
        422,
        "at most",
    )
    .await;
}

#[tokio::test]
async fn credentials_count_pending_follow_requests() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    app.patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&p.b)
        .json(&json!({"locked": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(pending_requests(&app, &p.b).await, 0);
    relation(
        &app,
        &p.a,
        &format!("/api/v1/accounts/{}/follow", p.bob.id()),
    )
    .await;
    assert_eq!(pending_requests(&app, &p.b).await, 1);
    relation(
        &app,
        &p.b,
        &format!("/api/v1/follow_requests/{}/authorize", p.alice.id()),
    )
    .await;
    assert_eq!(pending_requests(&app, &p.b).await, 0);
}

async fn pending_requests(app: &TestApp, token: &str) -> Value {
    let me: Value = app
        .get("/api/v1/accounts/verify_credentials")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["source"]["follow_requests_count"].clone()
}

/// As on Mastodon: following oneself is 404 (FollowService's "Record not found"), while
/// blocking, muting and unfollowing oneself (and undoing them) change nothing and answer
/// with the relationship (BlockService, MuteService and UnfollowService return early).
#[tokio::test]
async fn actions_on_ones_own_account_do_what_mastodon_does() {
    let app = spawn_app().await;
    let p = pair(&app).await;
    let me = p.alice.id();
    assert_error(
        call(&app, &p.a, &format!("/api/v1/accounts/{me}/follow")).await,
        404,
        "Record not found",
    )
    .await;
    for action in ["block", "mute", "unfollow", "unblock", "unmute"] {
        let body = relation(&app, &p.a, &format!("/api/v1/accounts/{me}/{action}")).await;
        assert_eq!(body["id"], me.as_str(), "{action}");
        for flag in [
            "following",
            "followed_by",
            "blocking",
            "muting",
            "requested",
        ] {
            assert_eq!(body[flag], false, "{action}: {flag}");
        }
    }
    assert!(list(&app, Some(&p.a), "/api/v1/blocks").await.is_empty());
    assert!(list(&app, Some(&p.a), "/api/v1/mutes").await.is_empty());
    // The own-account check did not change what others can do.
    let body = relation(
        &app,
        &p.a,
        &format!("/api/v1/accounts/{}/block", p.bob.id()),
    )
    .await;
    assert_eq!(body["blocking"], true);
    // Authorizing or rejecting a follow request from oneself: there is none.
    assert_error(
        call(
            &app,
            &p.a,
            &format!("/api/v1/follow_requests/{me}/authorize"),
        )
        .await,
        404,
        "Record not found",
    )
    .await;
}
