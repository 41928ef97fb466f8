//! The account endpoints: verify_credentials, update_credentials, show and lookup.

mod common;

use common::{assert_error, stable_json};
use hamlet_core::Timestamp;
use hamlet_core::role::Role;
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn verify_credentials_returns_a_credential_account_matching_the_spec() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Admin).await;
    let token = app.token(&alice, "read").await;
    let response = app
        .get("/api/v1/accounts/verify_credentials")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = stable_json(&app, response).await;
    assert_conforms(&body, "CredentialAccount");
    assert_eq!(body["id"], alice.id());
    assert_eq!(body["role"]["name"], "Admin");
    insta::assert_json_snapshot!("credential_account", body, {
        ".id" => "[id]",
        ".created_at" => "[date]",
    });
}

#[tokio::test]
async fn verify_credentials_requires_a_valid_token_and_scope() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let response = app
        .get("/api/v1/accounts/verify_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["www-authenticate"].to_str().unwrap(),
        "Bearer realm=\"Hamlet\", error=\"invalid_token\""
    );
    assert_error(response, 401, "The access token is invalid").await;
    let response = app
        .get("/api/v1/accounts/verify_credentials")
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_error(response, 401, "The access token is invalid").await;
    let response = app
        .get("/api/v1/accounts/verify_credentials")
        .header("Authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_error(response, 401, "The access token is invalid").await;
    for (scopes, status) in [
        ("write:statuses", 403),
        ("profile", 200),
        ("read:accounts", 200),
        ("write", 403),
    ] {
        let token = app.token(&alice, scopes).await;
        let response = app
            .get("/api/v1/accounts/verify_credentials")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "with scopes {scopes}");
    }
}

#[tokio::test]
async fn a_suspended_member_is_refused_and_loses_tokens() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "read").await;
    app.store
        .set_suspended(alice.member.account.id, Some(Timestamp::now()))
        .await
        .unwrap();
    let response = app
        .get("/api/v1/accounts/verify_credentials")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_error(response, 401, "invalid").await;
    // A token issued while suspended (only possible through the store) is refused too.
    let token = app.token(&alice, "read").await;
    let response = app
        .get("/api/v1/accounts/verify_credentials")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_error(response, 403, "Your login is currently disabled").await;
}

#[tokio::test]
async fn update_credentials_accepts_json_form_and_multipart() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "read write").await;

    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .json(&json!({
            "display_name": "Alice A.",
            "note": "Hello <b>there</b>\nsecond line\n\nhttps://example.com",
            "locked": true,
            "bot": false,
            "discoverable": false,
            "indexable": true,
            "fields_attributes": [
                {"name": "Pronouns", "value": "she/her"},
                {"name": "Site", "value": "https://alice.example"}
            ],
            "source": {"privacy": "private", "sensitive": true, "language": "de"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = stable_json(&app, response).await;
    assert_conforms(&body, "CredentialAccount");
    assert_eq!(body["display_name"], "Alice A.");
    assert_eq!(
        body["note"],
        "<p>Hello &lt;b&gt;there&lt;/b&gt;<br>second line</p><p><a href=\"https://example.com\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">https://example.com</a></p>"
    );
    assert_eq!(
        body["source"]["note"],
        "Hello <b>there</b>\nsecond line\n\nhttps://example.com"
    );
    assert_eq!(body["locked"], true);
    assert_eq!(body["discoverable"], false);
    assert_eq!(body["indexable"], true);
    assert_eq!(body["source"]["privacy"], "private");
    assert_eq!(body["source"]["sensitive"], true);
    assert_eq!(body["source"]["language"], "de");
    assert_eq!(body["fields"][0]["name"], "Pronouns");
    assert_eq!(
        body["source"]["fields"][1]["value"],
        "https://alice.example"
    );
    assert!(
        body["fields"][1]["value"]
            .as_str()
            .unwrap()
            .starts_with("<a href=\"https://alice.example\"")
    );
    insta::assert_json_snapshot!("updated_credential_account", body, {
        ".id" => "[id]",
        ".created_at" => "[date]",
    });

    // Form encoding with Rails-style keys, as toot and many apps send it.
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .form(&[
            ("display_name", "Form Alice"),
            ("locked", "0"),
            ("source[privacy]", "unlisted"),
            ("source[language]", ""),
            ("fields_attributes[0][name]", "Only"),
            ("fields_attributes[0][value]", "field"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["display_name"], "Form Alice");
    assert_eq!(body["locked"], false);
    assert_eq!(body["source"]["privacy"], "unlisted");
    assert_eq!(body["source"]["language"], Value::Null);
    assert_eq!(body["fields"].as_array().unwrap().len(), 1);
    // Untouched values stay as they were.
    assert_eq!(body["source"]["sensitive"], true);

    // Multipart, as apps send it when a profile picture comes along.
    let form = reqwest::multipart::Form::new()
        .text("display_name", "Multipart Alice")
        .text("bot", "true");
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["display_name"], "Multipart Alice");
    assert_eq!(body["bot"], true);
    assert_eq!(body["source"]["privacy"], "unlisted");
}

#[tokio::test]
async fn invalid_profile_updates_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "write:accounts read").await;
    let too_many_fields: Vec<Value> = (0..5)
        .map(|i| json!({"name": format!("n{i}"), "value": "v"}))
        .collect();
    let cases = [
        (
            json!({"display_name": "x".repeat(31), "note": "kept?"}),
            "display_name",
        ),
        (json!({"note": "x".repeat(501)}), "note"),
        (
            json!({"fields_attributes": too_many_fields}),
            "fields_attributes",
        ),
        (
            json!({"source": {"privacy": "everyone"}}),
            "source[privacy]",
        ),
        (
            json!({"source": {"language": "english"}}),
            "source[language]",
        ),
        (json!({"locked": "maybe"}), "boolean"),
        (json!({"display_name": ["a"]}), "string"),
    ];
    for (body, needle) in cases {
        let response = app
            .patch("/api/v1/accounts/update_credentials")
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_error(response, 422, needle).await;
    }
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("{\"display_name\": ")
        .send()
        .await
        .unwrap();
    assert_error(response, 400, "Malformed JSON").await;
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("[1, 2]")
        .send()
        .await
        .unwrap();
    assert_error(response, 400, "must be an object").await;
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .header("Content-Type", "text/xml")
        .body("<a/>")
        .send()
        .await
        .unwrap();
    assert_error(response, 415, "Unsupported content type").await;
    let huge = "x".repeat(app.settings.max_request_bytes + 1);
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .json(&json!({ "note": huge }))
        .send()
        .await
        .unwrap();
    assert_error(response, 413, "too large").await;

    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .json(&json!({"note": "x".repeat(501)}))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_conforms(&body, "ValidationError");

    let member = app
        .store
        .member_by_id(alice.member.account.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member, alice.member, "a refused update changed the member");
}

#[tokio::test]
async fn update_credentials_needs_write_scope() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "read").await;
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .json(&json!({"display_name": "nope"}))
        .send()
        .await
        .unwrap();
    assert_error(response, 403, "outside the authorized scopes").await;
    let member = app
        .store
        .member_by_id(alice.member.account.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.account.display_name, "");
}

#[tokio::test]
async fn accounts_are_public_by_id_and_by_lookup() {
    let app = spawn_app().await;
    let alice = app.create_member("Alice", Role::Member).await;
    let response = app
        .get(&format!("/api/v1/accounts/{}", alice.id()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = stable_json(&app, response).await;
    assert_conforms(&body, "Account");
    assert!(
        body.get("source").is_none(),
        "a public account must not carry source"
    );
    assert_eq!(body["acct"], "Alice");
    assert_eq!(body["url"], "http://hamlet.test/@Alice");
    insta::assert_json_snapshot!("account", body, {
        ".id" => "[id]",
        ".created_at" => "[date]",
    });

    let domain = app.settings.domain();
    for acct in [
        "alice",
        "@ALICE",
        &format!("alice@{domain}"),
        &format!("@alice@{domain}"),
    ] {
        let response = app
            .get("/api/v1/accounts/lookup")
            .query(&[("acct", acct)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "lookup {acct}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["id"], alice.id());
    }

    for path in [
        "/api/v1/accounts/1",
        "/api/v1/accounts/abc",
        "/api/v1/accounts/-5",
        "/api/v1/accounts/99999999999999999999999",
        "/api/v1/accounts/lookup?acct=nobody",
        "/api/v1/accounts/lookup?acct=alice@elsewhere.example",
        "/api/v1/accounts/lookup?acct=",
    ] {
        let response = app.get(path).send().await.unwrap();
        assert_error(response, 404, "Record not found").await;
    }
    let response = app.get("/api/v1/accounts/lookup").send().await.unwrap();
    assert_error(response, 400, "acct").await;
}

#[tokio::test]
async fn a_suspended_account_shows_no_profile() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "write:accounts").await;
    app.patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .json(&json!({"display_name": "Alice", "note": "bio"}))
        .send()
        .await
        .unwrap();
    app.store
        .set_suspended(alice.member.account.id, Some(Timestamp::now()))
        .await
        .unwrap();
    let body: Value = app
        .get(&format!("/api/v1/accounts/{}", alice.id()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_conforms(&body, "Account");
    assert_eq!(body["suspended"], true);
    assert_eq!(body["display_name"], "");
    assert_eq!(body["note"], "");
}

#[tokio::test]
async fn accounts_count_posts_and_follows() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    for (text, visibility) in [("one", "public"), ("two", "private"), ("secret", "direct")] {
        let response = app
            .post("/api/v1/statuses")
            .bearer_auth(&token)
            .json(&json!({"status": text, "visibility": visibility}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    app.store
        .insert_follow(
            bob.member.account.id,
            alice.member.account.id,
            Timestamp::now(),
        )
        .await
        .unwrap();
    let body: Value = app
        .get(&format!("/api/v1/accounts/{}", alice.id()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_conforms(&body, "Account");
    assert_eq!(body["statuses_count"], 2, "direct messages are not counted");
    assert_eq!(body["followers_count"], 1);
    assert_eq!(body["following_count"], 0);
    assert_eq!(body["last_status_at"], Timestamp::now().to_api_day_string());
    let me: Value = app
        .get("/api/v1/accounts/verify_credentials")
        .bearer_auth(app.token(&bob, "read").await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["following_count"], 1);
    assert_eq!(me["last_status_at"], Value::Null);
}

#[tokio::test]
async fn preferences_reflect_the_members_defaults() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    app.patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .json(&json!({"source": {"privacy": "private", "sensitive": true, "language": "fr"}}))
        .send()
        .await
        .unwrap();
    let body: Value = app
        .get("/api/v1/preferences")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_conforms(&body, "Preferences");
    assert_eq!(body["posting:default:visibility"], "private");
    assert_eq!(body["posting:default:sensitive"], true);
    assert_eq!(body["posting:default:language"], "fr");
    let write_only = app.token(&alice, "write").await;
    assert_error(
        app.get("/api/v1/preferences")
            .bearer_auth(&write_only)
            .send()
            .await
            .unwrap(),
        403,
        "scopes",
    )
    .await;
    let emojis: Value = app
        .get("/api/v1/custom_emojis")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(emojis, json!([]));
}
