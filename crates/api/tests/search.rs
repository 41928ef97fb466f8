//! Searching accounts, hashtags and posts: only what the searcher may see.

mod common;

use common::assert_error;
use hamlet_core::role::Role;
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn post(app: &TestApp, token: &str, body: Value) {
    let response = app
        .post("/api/v1/statuses")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn search(app: &TestApp, token: Option<&str>, query: &str) -> Value {
    let request = app.get(&format!("/api/v2/search?{query}"));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{query}");
    let body: Value = response.json().await.unwrap();
    assert_conforms(&body, "Search");
    body
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn search_finds_what_the_searcher_may_see() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let alfred = app.create_member("alfred", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    app.patch("/api/v1/accounts/update_credentials")
        .bearer_auth(app.token(&alfred, "write").await)
        .json(&json!({"display_name": "Fred the Great"}))
        .send()
        .await
        .unwrap();
    post(
        &app,
        &a,
        json!({"status": "Gardening notes #gardening", "visibility": "public"}),
    )
    .await;
    post(
        &app,
        &a,
        json!({"status": "gardening secrets", "visibility": "private"}),
    )
    .await;
    post(&app, &a, json!({"status": "garden party #garden"})).await;

    let body = search(&app, Some(&b), "q=al&type=accounts").await;
    assert_eq!(names(&body["accounts"], "username"), ["alfred", "alice"]);
    let body = search(&app, Some(&b), "q=great").await;
    assert_eq!(names(&body["accounts"], "username"), ["alfred"]);
    let body = search(&app, Some(&b), "q=%23garden&type=hashtags").await;
    assert_eq!(names(&body["hashtags"], "name"), ["garden", "gardening"]);
    let body = search(&app, Some(&b), "q=gardening&type=statuses").await;
    assert_eq!(
        body["statuses"].as_array().unwrap().len(),
        1,
        "the private post is not bob's to see"
    );
    let body = search(&app, Some(&a), "q=gardening&type=statuses").await;
    assert_eq!(body["statuses"].as_array().unwrap().len(), 2);
    let body = search(&app, Some(&b), "q=100%25").await;
    assert!(
        body["statuses"].as_array().unwrap().is_empty(),
        "LIKE wildcards match literally"
    );

    let body = search(&app, None, "q=garden").await;
    assert!(
        body["statuses"].as_array().unwrap().is_empty(),
        "anonymous visitors do not search posts"
    );
    assert_eq!(body["hashtags"].as_array().unwrap().len(), 2);
    assert_error(
        app.get("/api/v2/search?q=x&offset=5").send().await.unwrap(),
        422,
        "authenticated user",
    )
    .await;
    assert_error(
        app.get("/api/v2/search")
            .bearer_auth(&b)
            .send()
            .await
            .unwrap(),
        400,
        "q",
    )
    .await;
    assert_error(
        app.get("/api/v2/search?q=x&type=people")
            .bearer_auth(&b)
            .send()
            .await
            .unwrap(),
        422,
        "type",
    )
    .await;
    let long = "x".repeat(201);
    assert_error(
        app.get(&format!("/api/v2/search?q={long}"))
            .bearer_auth(&b)
            .send()
            .await
            .unwrap(),
        422,
        "too long",
    )
    .await;
}

#[tokio::test]
async fn account_search_can_be_limited_to_follows() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let _alina = app.create_member("alina", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let b = app.token(&bob, "read write follow").await;
    app.post(&format!("/api/v1/accounts/{}/follow", alice.id()))
        .bearer_auth(&b)
        .send()
        .await
        .unwrap();
    let all: Value = app
        .get("/api/v1/accounts/search?q=@ali")
        .bearer_auth(&b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(&all, "username"), ["alice", "alina"]);
    let followed: Value = app
        .get("/api/v1/accounts/search?q=ali&following=true")
        .bearer_auth(&b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(&followed, "username"), ["alice"]);
    let limited: Value = app
        .get("/api/v1/accounts/search?q=ali&limit=1&offset=1")
        .bearer_auth(&b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(&limited, "username"), ["alina"]);
    assert_error(
        app.get("/api/v1/accounts/search?q=ali")
            .send()
            .await
            .unwrap(),
        401,
        "invalid",
    )
    .await;
}

/// Searches with query parameters encoded by the client.
async fn search_with(app: &TestApp, token: Option<&str>, params: &[(&str, &str)]) -> Value {
    let request = app.get("/api/v2/search").query(params);
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{params:?}");
    let body: Value = response.json().await.unwrap();
    assert_conforms(&body, "Search");
    body
}

/// A link to one of this server's posts or profiles, pasted into search, finds that post
/// (if the searcher may see it) or that account: with `resolve=true` as on Mastodon, and
/// without it too, since nothing needs fetching. Other servers' links find nothing yet.
#[tokio::test]
async fn links_to_this_servers_posts_and_profiles_find_them() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let carol = app.create_member("carol", Role::Member).await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write follow").await;
    let c = app.token(&carol, "read write").await;
    app.post(&format!("/api/v1/accounts/{}/follow", alice.id()))
        .bearer_auth(&b)
        .send()
        .await
        .unwrap();
    let created = |body: Value| {
        let request = app.post("/api/v1/statuses").bearer_auth(&a).json(&body);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let public = created(json!({"status": "find me by my link"})).await;
    let private = created(json!({"status": "followers only", "visibility": "private"})).await;
    let public_id = public["id"].as_str().unwrap();
    let private_id = private["id"].as_str().unwrap();
    let ids = |list: &Value| names(list, "id");

    let post_urls = [
        public["url"].as_str().unwrap().to_owned(),
        public["uri"].as_str().unwrap().to_owned(),
        format!("{}/@alice/{public_id}/", app.address),
    ];
    assert_eq!(post_urls[0], format!("{}/@alice/{public_id}", app.address));
    assert_eq!(
        post_urls[1],
        format!("{}/users/alice/statuses/{public_id}", app.address)
    );
    for url in &post_urls {
        for resolve in ["true", "false"] {
            let body = search_with(&app, Some(&c), &[("q", url), ("resolve", resolve)]).await;
            assert_eq!(
                ids(&body["statuses"]),
                [public_id],
                "{url} resolve={resolve}"
            );
            assert!(body["accounts"].as_array().unwrap().is_empty());
            assert!(body["hashtags"].as_array().unwrap().is_empty());
        }
        let body = search_with(
            &app,
            Some(&c),
            &[("q", url), ("resolve", "true"), ("type", "statuses")],
        )
        .await;
        assert_eq!(ids(&body["statuses"]), [public_id]);
        // Of another type, or past the first page: nothing.
        let body = search_with(
            &app,
            Some(&c),
            &[("q", url), ("resolve", "true"), ("type", "accounts")],
        )
        .await;
        assert!(body["accounts"].as_array().unwrap().is_empty());
        assert!(body["statuses"].as_array().unwrap().is_empty());
    }

    // The audience rule decides, as for any read: bob follows alice, carol does not.
    let private_url = private["url"].as_str().unwrap();
    let body = search_with(&app, Some(&b), &[("q", private_url), ("resolve", "true")]).await;
    assert_eq!(ids(&body["statuses"]), [private_id]);
    let body = search_with(&app, Some(&c), &[("q", private_url), ("resolve", "true")]).await;
    assert!(body["statuses"].as_array().unwrap().is_empty());
    // A post's link must name its author; a made-up id finds nothing.
    for wrong in [
        format!("{}/@bob/{public_id}", app.address),
        format!("{}/users/alice/statuses/1234", app.address),
    ] {
        let body = search_with(&app, Some(&c), &[("q", &wrong), ("resolve", "true")]).await;
        assert!(body["statuses"].as_array().unwrap().is_empty(), "{wrong}");
    }

    for url in [
        format!("{}/@alice", app.address),
        format!("{}/users/alice", app.address),
        format!("{}/@ALICE/", app.address),
    ] {
        for resolve in ["true", "false"] {
            let body = search_with(&app, Some(&c), &[("q", &url), ("resolve", resolve)]).await;
            assert_eq!(
                ids(&body["accounts"]),
                [alice.id()],
                "{url} resolve={resolve}"
            );
            assert!(body["statuses"].as_array().unwrap().is_empty());
        }
    }
    let body = search_with(
        &app,
        Some(&c),
        &[
            ("q", &format!("{}/@nobody", app.address)),
            ("resolve", "true"),
        ],
    )
    .await;
    assert!(body["accounts"].as_array().unwrap().is_empty());

    // Another server's link: remote resolution is not there yet, so nothing.
    let body = search_with(
        &app,
        Some(&c),
        &[
            ("q", "https://elsewhere.example/@alice"),
            ("resolve", "true"),
        ],
    )
    .await;
    assert!(body["accounts"].as_array().unwrap().is_empty());
    assert!(body["statuses"].as_array().unwrap().is_empty());
}
