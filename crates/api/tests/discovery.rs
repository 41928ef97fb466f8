//! How other servers find this one: WebFinger, host-meta and NodeInfo, served by the
//! federation crate beside the client API.

use hamlet_core::role::Role;
use hamlet_testkit::spawn_app;
use serde_json::Value;

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

#[tokio::test]
async fn webfinger_finds_members_by_acct_and_by_url() {
    let app = spawn_app().await;
    app.create_member("Alice", Role::Member).await;
    let domain = app.address.trim_start_matches("http://").to_owned();

    for resource in [
        format!("acct:alice@{domain}"),
        format!("alice@{domain}"),
        format!("{}/users/Alice", app.address),
        format!("{}/@Alice", app.address),
    ] {
        let response = app
            .get("/.well-known/webfinger")
            .query(&[("resource", resource.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{resource}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/jrd+json"),
        );
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let jrd = json_of(response).await;
        // The canonical spelling of the name, whatever the query's case.
        assert_eq!(jrd["subject"], format!("acct:Alice@{domain}"), "{resource}");
        let own = jrd["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|link| link["rel"] == "self")
            .unwrap();
        assert_eq!(own["type"], "application/activity+json");
        assert_eq!(own["href"], format!("{}/users/Alice", app.address));
    }
}

#[tokio::test]
async fn webfinger_refuses_what_is_not_ours() {
    let app = spawn_app().await;
    app.create_member("alice", Role::Member).await;
    let domain = app.address.trim_start_matches("http://").to_owned();
    for (resource, status) in [
        (format!("acct:nobody@{domain}"), 404),
        ("acct:alice@elsewhere.example".to_owned(), 404),
        ("https://elsewhere.example/users/alice".to_owned(), 404),
        ("acct:alice".to_owned(), 400),
        (String::new(), 400),
    ] {
        let response = app
            .get("/.well-known/webfinger")
            .query(&[("resource", resource.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{resource:?}");
        assert!(json_of(response).await["error"].is_string());
    }
    let response = app.get("/.well-known/webfinger").send().await.unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn webfinger_says_gone_for_suspended_members() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    app.store
        .set_suspended(alice.member.account.id, Some(hamlet_core::Timestamp::now()))
        .await
        .unwrap();
    let domain = app.address.trim_start_matches("http://").to_owned();
    let response = app
        .get("/.well-known/webfinger")
        .query(&[("resource", format!("acct:alice@{domain}"))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 410);
}

#[tokio::test]
async fn webfinger_describes_the_instance_actor() {
    let app = spawn_app().await;
    let domain = app.address.trim_start_matches("http://").to_owned();
    let response = app
        .get("/.well-known/webfinger")
        .query(&[("resource", format!("acct:{domain}@{domain}"))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let jrd = json_of(response).await;
    assert_eq!(jrd["links"][0]["href"], format!("{}/actor", app.address));
}

#[tokio::test]
async fn host_meta_points_at_webfinger() {
    let app = spawn_app().await;
    let response = app.get("/.well-known/host-meta").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xrd+xml")
    );
    let body = response.text().await.unwrap();
    assert!(
        body.contains(&format!(
            "template=\"{}/.well-known/webfinger?resource={{uri}}\"",
            app.address
        )),
        "{body}"
    );
    let response = app.get("/.well-known/host-meta.json").send().await.unwrap();
    let jrd = json_of(response).await;
    assert_eq!(jrd["links"][0]["rel"], "lrdd");
}

#[tokio::test]
async fn nodeinfo_reports_software_and_real_usage() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    app.create_member("bob", Role::Member).await;
    let token = app.token(&alice, "write").await;
    for text in ["one", "two"] {
        let response = app
            .post("/api/v1/statuses")
            .bearer_auth(&token)
            .json(&serde_json::json!({ "status": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    let links = json_of(app.get("/.well-known/nodeinfo").send().await.unwrap()).await;
    let hrefs: Vec<&str> = links["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|link| link["href"].as_str().unwrap())
        .collect();
    assert_eq!(
        hrefs,
        [
            format!("{}/nodeinfo/2.0", app.address),
            format!("{}/nodeinfo/2.1", app.address)
        ]
    );

    for version in ["2.0", "2.1"] {
        let response = app
            .get(&format!("/nodeinfo/{version}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.contains(&format!("schema/{version}#")),
            "{content_type}"
        );
        let info = json_of(response).await;
        assert_eq!(info["version"], version);
        assert_eq!(info["software"]["name"], "hamlet");
        assert_eq!(info["protocols"], serde_json::json!(["activitypub"]));
        assert_eq!(info["openRegistrations"], false);
        assert_eq!(info["usage"]["users"]["total"], 2);
        assert_eq!(info["usage"]["users"]["activeMonth"], 1);
        assert_eq!(info["usage"]["localPosts"], 2);
    }
    let response = app.get("/nodeinfo/3.0").send().await.unwrap();
    assert_eq!(response.status(), 404);
}
