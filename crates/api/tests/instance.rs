//! The instance entities, health, static assets and request handling shared by every
//! endpoint (trailing slashes, unknown paths).

mod common;

use common::{assert_error, stable_json};
use hamlet_core::role::Role;
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::{spawn_app, spawn_app_with};
use serde_json::Value;

#[tokio::test]
async fn instance_v2_matches_the_spec_and_reports_real_settings() {
    let app = spawn_app_with(|settings| {
        settings.instance.name = "The Hamlet".into();
        settings.instance.max_characters = 777;
        settings.instance.contact_email = "admin@hamlet.test".into();
    })
    .await;
    app.create_member("boss", Role::Admin).await;
    app.create_member("member", Role::Member).await;
    let response = app.get("/api/v2/instance").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body = stable_json(&app, response).await;
    assert_conforms(&body, "Instance");
    assert_eq!(body["title"], "The Hamlet");
    assert_eq!(body["configuration"]["statuses"]["max_characters"], 777);
    assert_eq!(body["usage"]["users"]["active_month"], 2);
    assert_eq!(body["contact"]["account"]["username"], "boss");
    assert_eq!(body["contact"]["email"], "admin@hamlet.test");
    let version = body["version"].as_str().unwrap();
    assert!(
        version.starts_with("4.3.0 (compatible; Hamlet "),
        "{version}"
    );
    insta::assert_json_snapshot!("instance_v2", body, {
        ".contact.account.id" => "[id]",
        ".contact.account.created_at" => "[date]",
        ".version" => "[version]",
    });
}

#[tokio::test]
async fn instance_v1_matches_the_spec_with_and_without_trailing_slash() {
    let app = spawn_app().await;
    for path in ["/api/v1/instance", "/api/v1/instance/"] {
        let response = app.get(path).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body = stable_json(&app, response).await;
        assert_conforms(&body, "V1Instance");
        assert_eq!(body["uri"], "hamlet.test");
        assert_eq!(body["contact_account"], Value::Null);
        assert_eq!(body["configuration"]["statuses"]["max_characters"], 5000);
    }
    let body = stable_json(&app, app.get("/api/v1/instance").send().await.unwrap()).await;
    insta::assert_json_snapshot!("instance_v1", body, { ".version" => "[version]" });
}

#[tokio::test]
async fn health_reports_the_database() {
    let app = spawn_app().await;
    let response = app.get("/health").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    app.store.close().await;
    let response = app.get("/health").send().await.unwrap();
    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn unknown_paths_get_mastodons_404() {
    let app = spawn_app().await;
    for path in ["/api/v1/nothing", "/nothing/at/all", "/api/v9/instance"] {
        let response = app.get(path).send().await.unwrap();
        assert_error(response, 404, "Record not found").await;
    }
}

#[tokio::test]
async fn default_images_are_served_as_images() {
    let app = spawn_app().await;
    for path in [
        "/avatars/original/missing.png",
        "/headers/original/missing.png",
        "/assets/thumbnail.png",
    ] {
        let response = app.get(path).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let bytes = response.bytes().await.unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{path} is not a PNG"
        );
    }
}

#[tokio::test]
async fn browser_apps_may_call_the_api_but_not_the_pages() {
    let app = spawn_app().await;
    let preflight = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            app.url("/api/v1/accounts/verify_credentials"),
        )
        .header("Origin", "https://elk.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let response = app
        .get("/api/v1/instance")
        .header("Origin", "https://elk.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(
        response.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("link")
    );
    let page = app
        .get("/oauth/authorize?client_id=x")
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(page.headers().get("access-control-allow-origin").is_none());
}
