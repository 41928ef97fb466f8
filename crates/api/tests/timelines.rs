//! Home, public and profile timelines: the audience rule, blocks, paging and Link headers.

mod common;

use common::assert_error;
use hamlet_core::Timestamp;
use hamlet_core::role::Role;
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::{TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};

async fn post(app: &TestApp, token: &str, text: &str, visibility: &str) -> String {
    let body: Value = app
        .post("/api/v1/statuses")
        .bearer_auth(token)
        .json(&json!({"status": text, "visibility": visibility}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["id"].as_str().unwrap().to_owned()
}

async fn timeline(app: &TestApp, token: Option<&str>, path: &str) -> (Vec<String>, Option<String>) {
    let request = app.get(path);
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let link = response
        .headers()
        .get("link")
        .map(|l| l.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap();
    for status in body.as_array().unwrap() {
        assert_conforms(status, "Status");
    }
    let ids = body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    (ids, link)
}

#[tokio::test]
async fn home_shows_own_and_followed_posts_that_the_reader_may_see() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let carol = app.create_member("carol", Role::Member).await;
    let (a, b, c) = (
        app.token(&alice, "read write").await,
        app.token(&bob, "read write").await,
        app.token(&carol, "read write").await,
    );
    app.store
        .insert_follow(
            bob.member.account.id,
            alice.member.account.id,
            Timestamp::now(),
        )
        .await
        .unwrap();
    let public = post(&app, &a, "public", "public").await;
    let private = post(&app, &a, "private", "private").await;
    let _direct = post(&app, &a, "direct to nobody", "direct").await;
    let own = post(&app, &b, "bob's own", "public").await;
    let _stranger = post(&app, &c, "carol is not followed", "public").await;
    let (ids, _) = timeline(&app, Some(&b), "/api/v1/timelines/home").await;
    assert_eq!(ids, vec![own.clone(), private.clone(), public.clone()]);
    let (ids, _) = timeline(&app, Some(&b), "/api/v1/timelines/home?limit=1").await;
    assert_eq!(ids, vec![own.clone()]);
    app.store
        .insert_block(
            bob.member.account.id,
            alice.member.account.id,
            Timestamp::now(),
            None,
        )
        .await
        .unwrap();
    let (ids, _) = timeline(&app, Some(&b), "/api/v1/timelines/home").await;
    assert_eq!(ids, vec![own]);
    assert_error(
        app.get("/api/v1/timelines/home").send().await.unwrap(),
        401,
        "invalid",
    )
    .await;
    let profile_only = app.token(&bob, "profile").await;
    assert_error(
        app.get("/api/v1/timelines/home")
            .bearer_auth(&profile_only)
            .send()
            .await
            .unwrap(),
        403,
        "scopes",
    )
    .await;
}

#[tokio::test]
async fn public_timelines_page_with_link_headers() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let a = app.token(&alice, "read write").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(post(&app, &a, &format!("post {i}"), "public").await);
    }
    let _unlisted = post(&app, &a, "unlisted stays out", "unlisted").await;
    ids.reverse();
    let (page, link) = timeline(
        &app,
        Some(&a),
        "/api/v1/timelines/public?local=true&limit=2",
    )
    .await;
    assert_eq!(page, ids[..2]);
    let link = link.expect("a Link header");
    let next = format!(
        "{}/api/v1/timelines/public?local=true&limit=2&max_id={}",
        app.address, ids[1]
    );
    let prev = format!(
        "{}/api/v1/timelines/public?local=true&limit=2&min_id={}",
        app.address, ids[0]
    );
    assert_eq!(
        link,
        format!("<{next}>; rel=\"next\", <{prev}>; rel=\"prev\"")
    );
    let (page, _) = timeline(&app, Some(&a), &next.replace(&app.address, "")).await;
    assert_eq!(page, ids[2..4]);
    let (page, _) = timeline(
        &app,
        Some(&a),
        &format!("/api/v1/timelines/public?min_id={}&limit=2", ids[4]),
    )
    .await;
    assert_eq!(page, ids[2..4]);
    let (page, _) = timeline(
        &app,
        Some(&a),
        &format!("/api/v1/timelines/public?since_id={}&limit=2", ids[4]),
    )
    .await;
    assert_eq!(page, ids[..2]);
    let (page, _) = timeline(&app, Some(&a), "/api/v1/timelines/public?remote=true").await;
    assert!(page.is_empty());
    let (page, link) = timeline(&app, Some(&a), "/api/v1/timelines/public?limit=500").await;
    assert_eq!(page.len(), 5, "limit is clamped, not refused");
    assert!(link.is_some());
    assert_error(
        app.get("/api/v1/timelines/public?max_id=abc")
            .bearer_auth(&a)
            .send()
            .await
            .unwrap(),
        422,
        "max_id",
    )
    .await;
}

#[tokio::test]
async fn the_community_timeline_is_for_members_unless_opened() {
    let app = spawn_app().await;
    assert_error(
        app.get("/api/v1/timelines/public?local=true")
            .send()
            .await
            .unwrap(),
        422,
        "authenticated user",
    )
    .await;
    assert_error(
        app.get("/api/v1/timelines/public").send().await.unwrap(),
        422,
        "authenticated user",
    )
    .await;
    let (ids, _) = timeline(&app, None, "/api/v1/timelines/public?remote=true").await;
    assert!(ids.is_empty());
    let instance: Value = app
        .get("/api/v2/instance")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        instance["configuration"]["timelines_access"]["live_feeds"],
        json!({"local": "authenticated", "remote": "public"})
    );

    let open = spawn_app_with(|s| s.timelines.local_public = true).await;
    let alice = open.create_member("alice", Role::Member).await;
    let a = open.token(&alice, "write").await;
    let id = post(&open, &a, "hello world", "public").await;
    let (ids, _) = timeline(&open, None, "/api/v1/timelines/public?local=true").await;
    assert_eq!(ids, vec![id]);
}

#[tokio::test]
async fn profiles_list_posts_with_filters() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let bob_post = post(&app, &b, "hi", "public").await;
    let tagged = post(&app, &a, "about #Rust", "public").await;
    let reply: Value = app
        .post("/api/v1/statuses")
        .bearer_auth(&a)
        .json(&json!({"status": "@bob reply", "in_reply_to_id": bob_post}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reply = reply["id"].as_str().unwrap().to_owned();
    let private = post(&app, &a, "private", "private").await;
    let path = format!("/api/v1/accounts/{}/statuses", alice.id());
    assert_eq!(
        timeline(&app, None, &path).await.0,
        vec![reply.clone(), tagged.clone()]
    );
    assert_eq!(
        timeline(&app, Some(&a), &path).await.0,
        vec![private.clone(), reply.clone(), tagged.clone()]
    );
    assert_eq!(
        timeline(&app, None, &format!("{path}?exclude_replies=true"))
            .await
            .0,
        vec![tagged.clone()]
    );
    assert_eq!(
        timeline(&app, None, &format!("{path}?tagged=rust")).await.0,
        vec![tagged.clone()]
    );
    assert!(
        timeline(&app, None, &format!("{path}?pinned=true"))
            .await
            .0
            .is_empty()
    );
    assert_error(
        app.get("/api/v1/accounts/123/statuses")
            .send()
            .await
            .unwrap(),
        404,
        "Record not found",
    )
    .await;
}

#[tokio::test]
async fn hashtag_timelines_show_public_posts_with_the_tag() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let a = app.token(&alice, "read write").await;
    let tagged = post(&app, &a, "about #Rust", "public").await;
    let _other = post(&app, &a, "about #go", "public").await;
    let _unlisted = post(&app, &a, "quiet #rust", "unlisted").await;
    let (ids, _) = timeline(&app, Some(&a), "/api/v1/timelines/tag/rust").await;
    assert_eq!(ids, vec![tagged.clone()]);
    let (ids, _) = timeline(&app, Some(&a), "/api/v1/timelines/tag/RUST?local=true").await;
    assert_eq!(ids, vec![tagged]);
    let (ids, _) = timeline(&app, Some(&a), "/api/v1/timelines/tag/nothing").await;
    assert!(ids.is_empty());
    assert_error(
        app.get("/api/v1/timelines/tag/rust").send().await.unwrap(),
        422,
        "authenticated user",
    )
    .await;
    assert_error(
        app.get("/api/v1/timelines/tag/no%20pe")
            .bearer_auth(&a)
            .send()
            .await
            .unwrap(),
        404,
        "Record not found",
    )
    .await;
}

/// Mastodon's home feed (`FeedManager#filter_from_home?`) drops, besides posts by an
/// account the reader blocks or mutes, boosts of that account's posts and posts (or
/// boosts of posts) that mention it; the reader's own posts always stay.
#[tokio::test]
async fn home_hides_boosts_of_and_mentions_of_blocked_and_muted_accounts() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let carol = app.create_member("carol", Role::Member).await;
    let dave = app.create_member("dave", Role::Member).await;
    let scopes = "read write follow";
    let (a, b, c, d) = (
        app.token(&alice, scopes).await,
        app.token(&bob, scopes).await,
        app.token(&carol, scopes).await,
        app.token(&dave, scopes).await,
    );
    let call = |token: &str, path: String| {
        let request = app.post(&path).bearer_auth(token.to_owned());
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            response.json::<Value>().await.unwrap()
        }
    };
    call(&a, format!("/api/v1/accounts/{}/follow", bob.id())).await;
    let by_carol = post(&app, &c, "carol's own words", "public").await;
    let boost_of_carol = call(&b, format!("/api/v1/statuses/{by_carol}/reblog")).await;
    let boost_of_carol = boost_of_carol["id"].as_str().unwrap().to_owned();
    let mentioning = post(&app, &b, "hello @carol", "public").await;
    let dave_mentions = post(&app, &d, "@carol says hi", "public").await;
    let boost_of_mention = call(&b, format!("/api/v1/statuses/{dave_mentions}/reblog")).await;
    let boost_of_mention = boost_of_mention["id"].as_str().unwrap().to_owned();
    let plain = post(&app, &b, "nothing about anyone", "public").await;
    let own = post(&app, &a, "@carol my own post stays", "public").await;

    let everything = vec![
        own.clone(),
        plain.clone(),
        boost_of_mention.clone(),
        mentioning.clone(),
        boost_of_carol.clone(),
    ];
    let hidden = vec![own.clone(), plain.clone()];
    let (ids, _) = timeline(&app, Some(&a), "/api/v1/timelines/home").await;
    assert_eq!(ids, everything);

    for (hide, undo) in [("block", "unblock"), ("mute", "unmute")] {
        call(&a, format!("/api/v1/accounts/{}/{hide}", carol.id())).await;
        let (ids, _) = timeline(&app, Some(&a), "/api/v1/timelines/home").await;
        assert_eq!(ids, hidden, "after {hide}");
        // Paging reaches the same posts.
        let (first, _) = timeline(&app, Some(&a), "/api/v1/timelines/home?limit=1").await;
        assert_eq!(first, vec![own.clone()], "after {hide}");
        let (rest, _) = timeline(
            &app,
            Some(&a),
            &format!("/api/v1/timelines/home?max_id={own}"),
        )
        .await;
        assert_eq!(rest, vec![plain.clone()], "after {hide}");
        // The public timeline never shows boosts, and leaves out the hidden author.
        let (public, _) = timeline(&app, Some(&a), "/api/v1/timelines/public").await;
        assert!(!public.contains(&by_carol), "after {hide}");
        assert!(!public.contains(&boost_of_carol), "after {hide}");
        assert!(public.contains(&plain), "after {hide}");
        call(&a, format!("/api/v1/accounts/{}/{undo}", carol.id())).await;
        let (ids, _) = timeline(&app, Some(&a), "/api/v1/timelines/home").await;
        assert_eq!(ids, everything, "after {undo}");
    }
}
