//! Two Hamlet instances on loopback talk ActivityPub to each other: discovery, signed
//! fetches, signed deliveries through the durable outbox, and the inbox handlers.

use hamlet_core::role::Role;
use hamlet_testkit::{TestApp, eventually, spawn_federating_app};

fn domain(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_member_follows_a_member_of_another_instance() {
    let a = spawn_federating_app().await;
    let b = spawn_federating_app().await;
    let alice = a.create_member("alice", Role::Member).await;
    b.create_member("bob", Role::Member).await;

    // A learns about bob through WebFinger and his actor document.
    let bob_on_a = a
        .federation
        .resolve_handle("bob", &domain(&b))
        .await
        .expect("resolve bob@b");
    assert_eq!(bob_on_a.account.acct(), format!("bob@{}", domain(&b)));
    assert_eq!(bob_on_a.uri(), format!("{}/users/bob", b.address));

    // Alice asks to follow; B accepts on bob's behalf (he is not locked).
    let alice_id = alice.member.account.id;
    let follow = a
        .federation
        .follow_outbound(&alice.member.account, &bob_on_a.account)
        .unwrap()
        .expect("bob is remote");
    a.store
        .follow(
            alice_id,
            bob_on_a.account.id,
            true,
            true,
            false,
            hamlet_core::Timestamp::now(),
            Some(follow.0.as_str()),
            Some(&follow.1),
        )
        .await
        .unwrap();
    a.federation.delivery.wake();

    eventually("B records alice as bob's follower", || async {
        let Some(alice_on_b) = b
            .store
            .remote_account_by_uri(&format!("{}/users/alice", a.address))
            .await
            .unwrap()
        else {
            return false;
        };
        let bob = b.store.member_by_username("bob").await.unwrap().unwrap();
        b.store
            .follows_or_requested(alice_on_b.account.id, bob.account.id)
            .await
            .unwrap()
            .0
    })
    .await;
    eventually("A sees the Accept: alice follows bob", || async {
        a.store
            .follows_or_requested(alice_id, bob_on_a.account.id)
            .await
            .unwrap()
            == (true, false)
    })
    .await;
}

/// A member of `app` with a token for every scope a client asks for.
async fn member_with_token(app: &TestApp, name: &str) -> (hamlet_testkit::TestMember, String) {
    let member = app.create_member(name, Role::Member).await;
    let token = app.token(&member, "read write follow").await;
    (member, token)
}

async fn api_get(app: &TestApp, token: &str, path: &str) -> serde_json::Value {
    let response = app.get(path).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

async fn api_post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let response = app
        .post(path)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(status, 200, "POST {path}: {body}");
    body
}

/// The local id, on `app`, of the remote post `uri`.
async fn id_of(app: &TestApp, uri: &str) -> Option<String> {
    app.store
        .status_by_uri(uri)
        .await
        .unwrap()
        .map(|status| status.id.to_string())
}

#[tokio::test]
async fn two_instances_talk_through_the_client_api() {
    let a = spawn_federating_app().await;
    let b = spawn_federating_app().await;
    let (_alice, alice_token) = member_with_token(&a, "alice").await;
    let (_bob, bob_token) = member_with_token(&b, "bob").await;
    let b_domain = domain(&b);
    let a_domain = domain(&a);

    // Alice finds bob by his handle (resolve=true) and follows him.
    let found = api_get(
        &a,
        &alice_token,
        &format!("/api/v2/search?q=@bob@{b_domain}&resolve=true&type=accounts"),
    )
    .await;
    let bob_on_a = found["accounts"][0].clone();
    assert_eq!(bob_on_a["acct"], format!("bob@{b_domain}"), "{found}");
    assert_eq!(bob_on_a["url"], format!("{}/@bob", b.address));
    let bob_id = bob_on_a["id"].as_str().unwrap().to_owned();
    let relationship = api_post(
        &a,
        &alice_token,
        &format!("/api/v1/accounts/{bob_id}/follow"),
        serde_json::json!({}),
    )
    .await;
    // Pending until bob's server accepts.
    assert!(relationship["following"] == true || relationship["requested"] == true);
    eventually("bob's server accepts alice's follow", || async {
        let r = api_get(
            &a,
            &alice_token,
            &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
        )
        .await;
        r[0]["following"] == true
    })
    .await;
    let followers = api_get(&b, &bob_token, "/api/v1/notifications?types[]=follow").await;
    assert_eq!(followers[0]["account"]["acct"], format!("alice@{a_domain}"));

    // Bob posts; it reaches alice's home timeline.
    let post = api_post(
        &b,
        &bob_token,
        "/api/v1/statuses",
        serde_json::json!({ "status": "Hello from B #federation" }),
    )
    .await;
    let post_uri = post["uri"].as_str().unwrap().to_owned();
    eventually("bob's post reaches A", || async {
        id_of(&a, &post_uri).await.is_some()
    })
    .await;
    let home = api_get(&a, &alice_token, "/api/v1/timelines/home").await;
    assert_eq!(home[0]["uri"], post_uri, "{home}");
    assert_eq!(home[0]["account"]["acct"], format!("bob@{b_domain}"));
    assert!(
        home[0]["content"]
            .as_str()
            .unwrap()
            .contains("Hello from B")
    );
    assert_eq!(home[0]["tags"][0]["name"], "federation");
    let post_on_a = home[0]["id"].as_str().unwrap().to_owned();

    // Alice favourites and boosts it; bob is notified of both.
    api_post(
        &a,
        &alice_token,
        &format!("/api/v1/statuses/{post_on_a}/favourite"),
        serde_json::json!({}),
    )
    .await;
    api_post(
        &a,
        &alice_token,
        &format!("/api/v1/statuses/{post_on_a}/reblog"),
        serde_json::json!({}),
    )
    .await;
    eventually("bob hears of the favourite and the boost", || async {
        let n = api_get(&b, &bob_token, "/api/v1/notifications").await;
        let kinds: Vec<&str> = n
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["type"].as_str())
            .collect();
        kinds.contains(&"favourite") && kinds.contains(&"reblog")
    })
    .await;
    let counted = api_get(
        &b,
        &bob_token,
        &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(counted["favourites_count"], 1);
    assert_eq!(counted["reblogs_count"], 1);

    // Alice replies, mentioning bob; bob sees the reply in his notifications and thread.
    let reply = api_post(
        &a,
        &alice_token,
        "/api/v1/statuses",
        serde_json::json!({ "status": format!("@bob@{b_domain} nice to meet you"), "in_reply_to_id": post_on_a }),
    )
    .await;
    let reply_uri = reply["uri"].as_str().unwrap().to_owned();
    eventually("the reply reaches B", || async {
        id_of(&b, &reply_uri).await.is_some()
    })
    .await;
    let mentions = api_get(&b, &bob_token, "/api/v1/notifications?types[]=mention").await;
    assert_eq!(mentions[0]["status"]["uri"], reply_uri);
    assert_eq!(mentions[0]["status"]["in_reply_to_id"], post["id"]);
    let context = api_get(
        &b,
        &bob_token,
        &format!("/api/v1/statuses/{}/context", post["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(context["descendants"][0]["uri"], reply_uri);

    // Bob edits his post; alice sees the new text.
    api_put(
        &b,
        &bob_token,
        &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
        serde_json::json!({ "status": "Hello from B, edited" }),
    )
    .await;
    eventually("the edit reaches A", || async {
        let s = api_get(&a, &alice_token, &format!("/api/v1/statuses/{post_on_a}")).await;
        s["content"].as_str().unwrap_or_default().contains("edited") && !s["edited_at"].is_null()
    })
    .await;

    // Bob renames himself; alice's server shows the new name.
    let response = b
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&bob_token)
        .json(&serde_json::json!({ "display_name": "Bob from B" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    eventually("the profile update reaches A", || async {
        let account = api_get(&a, &alice_token, &format!("/api/v1/accounts/{bob_id}")).await;
        account["display_name"] == "Bob from B"
    })
    .await;

    // Alice takes the favourite back; bob's count drops.
    api_post(
        &a,
        &alice_token,
        &format!("/api/v1/statuses/{post_on_a}/unfavourite"),
        serde_json::json!({}),
    )
    .await;
    eventually("the unfavourite reaches B", || async {
        let s = api_get(
            &b,
            &bob_token,
            &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
        )
        .await;
        s["favourites_count"] == 0
    })
    .await;

    // Bob deletes his post; it disappears from A.
    let response = b
        .client
        .delete(b.url(&format!(
            "/api/v1/statuses/{}",
            post["id"].as_str().unwrap()
        )))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    eventually("the delete reaches A", || async {
        id_of(&a, &post_uri).await.is_none()
    })
    .await;

    // Alice unfollows; bob loses a follower.
    api_post(
        &a,
        &alice_token,
        &format!("/api/v1/accounts/{bob_id}/unfollow"),
        serde_json::json!({}),
    )
    .await;
    eventually("the unfollow reaches B", || async {
        let me = api_get(&b, &bob_token, "/api/v1/accounts/verify_credentials").await;
        me["followers_count"] == 0
    })
    .await;
}

async fn api_put(
    app: &TestApp,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let response = app
        .client
        .put(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "PUT {path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_locked_member_approves_a_remote_follower() {
    let a = spawn_federating_app().await;
    let b = spawn_federating_app().await;
    let (_alice, alice_token) = member_with_token(&a, "alice").await;
    let (_bob, bob_token) = member_with_token(&b, "bob").await;
    let response = b
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&bob_token)
        .json(&serde_json::json!({ "locked": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let found = api_get(
        &a,
        &alice_token,
        &format!(
            "/api/v2/search?q=bob@{}&resolve=true&type=accounts",
            domain(&b)
        ),
    )
    .await;
    assert_eq!(found["accounts"][0]["locked"], true, "{found}");
    let bob_id = found["accounts"][0]["id"].as_str().unwrap().to_owned();
    api_post(
        &a,
        &alice_token,
        &format!("/api/v1/accounts/{bob_id}/follow"),
        serde_json::json!({}),
    )
    .await;

    // Bob sees a follow request from alice, and nothing is followed yet.
    eventually("bob receives the follow request", || async {
        let requests = api_get(&b, &bob_token, "/api/v1/follow_requests").await;
        requests[0]["acct"] == format!("alice@{}", domain(&a))
    })
    .await;
    let requests = api_get(&b, &bob_token, "/api/v1/follow_requests").await;
    let requester = requests[0]["id"].as_str().unwrap().to_owned();
    let r = api_get(
        &a,
        &alice_token,
        &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
    )
    .await;
    assert_eq!(r[0]["requested"], true);
    assert_eq!(r[0]["following"], false);

    // He approves; alice's request becomes a follow.
    api_post(
        &b,
        &bob_token,
        &format!("/api/v1/follow_requests/{requester}/authorize"),
        serde_json::json!({}),
    )
    .await;
    eventually("the Accept reaches A", || async {
        let r = api_get(
            &a,
            &alice_token,
            &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
        )
        .await;
        r[0]["following"] == true && r[0]["requested"] == false
    })
    .await;
}
