//! The community as admins shape it (name, description, contact, rules, private
//! community, federated timeline), and what members do on profiles and in settings
//! (mute, block, profile fields, apps), paging, the script, and OAuth consent with the
//! browser's session. Over real HTTP, on SQLite and PostgreSQL.

mod common;

use common::{api_post, csrf_in, page, post_form, set_cookie, sign_in};
use hamlet_core::Timestamp;
use hamlet_core::role::Role;
use hamlet_core::visibility::Visibility;
use hamlet_store::{NewStatus, RemoteAccountUpsert, RemoteOrigin};
use hamlet_testkit::{TestApp, spawn_app};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION};
use serde_json::{Value, json};

/// The admin's community form with every field a browser sends, `changes` applied.
fn community_form<'a>(csrf: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf_token", csrf),
        ("name", "Hamlet"),
        ("description", ""),
        ("contact_email", ""),
        ("default_locality", "federated"),
        ("federated_timeline", "true"),
    ];
    for (key, value) in changes {
        form.retain(|(k, _)| k != key);
        if !value.is_empty() || !["private_community", "federated_timeline"].contains(key) {
            form.push((key, value));
        }
    }
    form
}

async fn json_get(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn admins_edit_the_community_and_everyone_reads_the_same() {
    let app = spawn_app().await;
    let admin = app.create_member("ophelia", Role::Admin).await;
    let bob = app.create_member("bob", Role::Member).await;
    let admins = sign_in(&app, &admin).await;
    let csrf = csrf_in(&page(&app, "/admin", &admins).await.1);

    let saved = post_form(
        &app,
        "/admin/community",
        &admins,
        &community_form(
            &csrf,
            &[
                ("name", "  Elsinore Allotments "),
                (
                    "description",
                    "We grow things.\r\n\r\nAnd <b>share</b> them.",
                ),
                ("contact_email", "gardens@elsinore.example"),
            ],
        ),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(saved.text().await.unwrap().contains("Saved."));

    // Rules: two added, the first rewritten, the second removed, a third added.
    for (text, hint) in [("Be kind", ""), ("No spam", "Ads included.")] {
        let added = post_form(
            &app,
            "/admin/rules",
            &admins,
            &[("csrf_token", &csrf), ("text", text), ("hint", hint)],
        )
        .await;
        assert_eq!(added.status(), StatusCode::OK);
    }
    let rules = app.store.community_rules().await.unwrap();
    assert_eq!(rules.len(), 2);
    let rewritten = post_form(
        &app,
        &format!("/admin/rules/{}/update", rules[0].id),
        &admins,
        &[
            ("csrf_token", &csrf),
            ("text", "Be kind to each other"),
            ("hint", "Especially about slugs."),
        ],
    )
    .await;
    assert_eq!(rewritten.status(), StatusCode::OK);
    let removed = post_form(
        &app,
        &format!("/admin/rules/{}/delete", rules[1].id),
        &admins,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(removed.status(), StatusCode::OK);
    post_form(
        &app,
        "/admin/rules",
        &admins,
        &[("csrf_token", &csrf), ("text", "Water the shared beds")],
    )
    .await;

    // Visitors: the front page.
    let front = app.get("/").send().await.unwrap().text().await.unwrap();
    assert!(front.contains("<h1>Elsinore Allotments</h1>"), "{front}");
    assert!(front.contains("<p class=\"description\">We grow things.</p>"));
    assert!(
        front.contains("And &#60;b&#62;share&#60;/b&#62; them."),
        "{front}"
    );
    assert!(front.contains("mailto:gardens@elsinore.example"));
    assert!(front.contains("@ophelia"));
    let be_kind = front.find("Be kind to each other").expect("the first rule");
    let water = front.find("Water the shared beds").expect("the new rule");
    assert!(be_kind < water, "rules keep their order");
    assert!(front.contains("Especially about slugs.") && !front.contains("No spam"));
    // Every page's name, for members too.
    let bobs = sign_in(&app, &bob).await;
    assert!(
        page(&app, "/home", &bobs)
            .await
            .1
            .contains("· Elsinore Allotments</title>")
    );

    // Apps read the same community.
    let rules_api = json_get(&app, "/api/v1/instance/rules").await;
    assert_eq!(
        rules_api,
        json!([
            {"id": rules[0].id.to_string(), "text": "Be kind to each other", "hint": "Especially about slugs."},
            {"id": rules_api[1]["id"], "text": "Water the shared beds", "hint": ""},
        ])
    );
    for rule in rules_api.as_array().unwrap() {
        hamlet_testkit::openapi::assert_conforms(rule, "Rule");
    }
    let v1 = json_get(&app, "/api/v1/instance").await;
    assert_eq!(v1["title"], "Elsinore Allotments");
    assert_eq!(v1["email"], "gardens@elsinore.example");
    assert_eq!(
        v1["description"],
        "We grow things.\n\nAnd <b>share</b> them."
    );
    assert_eq!(v1["rules"], rules_api);
    let v2 = json_get(&app, "/api/v2/instance").await;
    assert_eq!(v2["title"], "Elsinore Allotments");
    assert_eq!(v2["contact"]["email"], "gardens@elsinore.example");
    assert_eq!(v2["rules"], rules_api);
    let nodeinfo = json_get(&app, "/nodeinfo/2.1").await;
    assert_eq!(nodeinfo["metadata"]["nodeName"], "Elsinore Allotments");
}

#[tokio::test]
async fn bad_community_values_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.create_member("ophelia", Role::Admin).await;
    let bob = app.create_member("bob", Role::Member).await;
    let admins = sign_in(&app, &admin).await;
    let csrf = csrf_in(&page(&app, "/admin", &admins).await.1);
    let before = app.store.community_settings().await.unwrap();

    let long_name = "n".repeat(101);
    for (changes, says) in [
        (vec![("name", "   ")], "needs a name"),
        (vec![("name", long_name.as_str())], "at most 100"),
        (vec![("contact_email", "not an address")], "not an email"),
        (vec![("default_locality", "nowhere")], "where new posts go"),
    ] {
        let refused = post_form(
            &app,
            "/admin/community",
            &admins,
            &community_form(&csrf, &changes),
        )
        .await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{changes:?}"
        );
        assert!(refused.text().await.unwrap().contains(says), "{says}");
    }
    assert_eq!(app.store.community_settings().await.unwrap(), before);

    let long_rule = "r".repeat(301);
    for text in ["  ", long_rule.as_str()] {
        let refused = post_form(
            &app,
            "/admin/rules",
            &admins,
            &[("csrf_token", &csrf), ("text", text)],
        )
        .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert!(app.store.community_rules().await.unwrap().is_empty());
    for path in [
        "/admin/rules/123/update",
        "/admin/rules/nope/delete",
        "/admin/rules/1/x",
    ] {
        let missing = post_form(&app, path, &admins, &[("csrf_token", &csrf), ("text", "t")]).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{path}");
    }

    // Forged forms and members do nothing.
    let forged = post_form(
        &app,
        "/admin/rules",
        &admins,
        &[("csrf_token", "x"), ("text", "Forged")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let bobs = sign_in(&app, &bob).await;
    let bobs_csrf = csrf_in(&page(&app, "/home", &bobs).await.1);
    let by_member = post_form(
        &app,
        "/admin/rules",
        &bobs,
        &[("csrf_token", &bobs_csrf), ("text", "Bob rules")],
    )
    .await;
    assert_eq!(by_member.status(), StatusCode::NOT_FOUND);
    let by_member = post_form(
        &app,
        "/admin/community",
        &bobs,
        &community_form(&bobs_csrf, &[("private_community", "true")]),
    )
    .await;
    assert_eq!(by_member.status(), StatusCode::NOT_FOUND);
    assert!(app.store.community_rules().await.unwrap().is_empty());
    assert_eq!(app.store.community_settings().await.unwrap(), before);
}

#[tokio::test]
async fn a_private_community_shows_visitors_only_the_front_page() {
    let app = spawn_app().await;
    let admin = app.create_member("ophelia", Role::Admin).await;
    let token = app.token(&admin, "read write").await;
    let post = api_post(
        &app,
        &token,
        json!({"status": "public #garden news", "visibility": "public"}),
    )
    .await;
    let readable = [
        "/@ophelia".to_owned(),
        format!("/@ophelia/{post}"),
        "/tags/garden".to_owned(),
    ];
    for path in &readable {
        let shown = app.get(path).send().await.unwrap();
        assert_eq!(shown.status(), StatusCode::OK, "{path} before");
    }
    let before = app
        .get(&format!("/api/v1/statuses/{post}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        before.status(),
        StatusCode::OK,
        "public posts are public until then"
    );

    let admins = sign_in(&app, &admin).await;
    let csrf = csrf_in(&page(&app, "/admin", &admins).await.1);
    let saved = post_form(
        &app,
        "/admin/community",
        &admins,
        &community_form(&csrf, &[("private_community", "true")]),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(
        app.store
            .community_settings()
            .await
            .unwrap()
            .private_community
    );

    for path in &readable {
        let refused = app.get(path).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(refused.headers()[LOCATION], "/auth/sign_in", "{path}");
        // Members read on.
        assert_eq!(page(&app, path, &admins).await.0, StatusCode::OK, "{path}");
    }
    let front = app.get("/").send().await.unwrap();
    assert_eq!(front.status(), StatusCode::OK);
    assert!(
        front
            .text()
            .await
            .unwrap()
            .contains("This community is private")
    );

    // The client API too answers members alone, but for what apps need to sign in.
    let reads = [
        "/api/v1/accounts/lookup?acct=ophelia".to_owned(),
        format!("/api/v1/statuses/{post}"),
        format!("/api/v1/statuses/{post}/context"),
        format!("/api/v1/accounts/{}/statuses", admin.id()),
        "/api/v1/timelines/tag/garden".to_owned(),
    ];
    for path in &reads {
        let refused = app.get(path).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{path}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"], "This API requires an authenticated user");
        let member = app.get(path).bearer_auth(&token).send().await.unwrap();
        assert_eq!(member.status(), StatusCode::OK, "{path} with a token");
    }
    for path in [
        "/api/v1/instance",
        "/api/v2/instance",
        "/api/v1/instance/rules",
    ] {
        assert_eq!(
            app.get(path).send().await.unwrap().status(),
            StatusCode::OK,
            "{path}"
        );
    }
    let registered = app
        .post("/api/v1/apps")
        .form(&[
            ("client_name", "Tusky"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        registered.status(),
        StatusCode::OK,
        "apps can still register"
    );
    assert_eq!(
        app.get("/auth/sign_in").send().await.unwrap().status(),
        StatusCode::OK
    );
}

fn remote_actor(username: &str, domain: &str) -> RemoteAccountUpsert {
    let uri = format!("https://{domain}/users/{username}");
    RemoteAccountUpsert {
        uri: uri.clone(),
        username: username.into(),
        domain: domain.into(),
        actor_type: "Person".into(),
        display_name: "Remote Person".into(),
        note: String::new(),
        fields: Vec::new(),
        locked: false,
        bot: false,
        discoverable: true,
        indexable: false,
        public_key_pem: String::new(),
        key_id: format!("{uri}#main-key"),
        inbox_url: format!("{uri}/inbox"),
        shared_inbox_url: None,
        outbox_url: None,
        followers_url: None,
        following_url: None,
        featured_url: None,
        url: None,
        avatar_url: None,
        header_url: None,
        also_known_as: Vec::new(),
        created_at: Timestamp::now(),
        fetched_at: Timestamp::now(),
    }
}

#[tokio::test]
async fn the_federated_timeline_can_be_switched_off() {
    let app = spawn_app().await;
    let admin = app.create_member("ophelia", Role::Admin).await;
    let token = app.token(&admin, "read write").await;
    let local = api_post(&app, &token, json!({"status": "from here"})).await;
    let remote = app
        .store
        .upsert_remote_account(&remote_actor("yorick", "remote.example"))
        .await
        .unwrap();
    let now = Timestamp::now();
    app.store
        .insert_status(NewStatus {
            account_id: remote.account.id,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            text: String::new(),
            content: "<p>from afar</p>".into(),
            spoiler_text: String::new(),
            sensitive: false,
            visibility: Visibility::Public,
            language: None,
            mentions: Vec::new(),
            tags: Vec::new(),
            idempotency_key: None,
            created_at: now,
            remote: Some(RemoteOrigin {
                uri: "https://remote.example/notes/1".into(),
                url: None,
            }),
            application_id: None,
            local_only: false,
            media_ids: Vec::new(),
            remote_media: Vec::new(),
        })
        .await
        .unwrap();
    let timeline = |query: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let posts: Vec<Value> = app
                .get(&format!("/api/v1/timelines/public{query}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            posts
                .iter()
                .map(|p| p["content"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(timeline("").await.len(), 2);
    let admins = sign_in(&app, &admin).await;
    let (status, home) = page(&app, "/home", &admins).await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("href=\"/federated\""));
    assert!(
        page(&app, "/federated", &admins)
            .await
            .1
            .contains("from afar")
    );

    let csrf = csrf_in(&home);
    let saved = post_form(
        &app,
        "/admin/community",
        &admins,
        &community_form(&csrf, &[("federated_timeline", "")]),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);

    let (_, home) = page(&app, "/home", &admins).await;
    assert!(!home.contains("href=\"/federated\""));
    assert_eq!(
        page(&app, "/federated", &admins).await.0,
        StatusCode::NOT_FOUND
    );
    let shown = timeline("").await;
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].contains("from here"));
    assert!(timeline("?remote=true").await.is_empty());
    assert_eq!(timeline("?local=true").await.len(), 1);
    let v2 = json_get(&app, "/api/v2/instance").await;
    assert_eq!(
        v2["configuration"]["timelines_access"]["live_feeds"]["remote"],
        "disabled"
    );
    // The community timeline is untouched.
    assert!(page(&app, "/local", &admins).await.1.contains(&local));
}

#[tokio::test]
async fn members_mute_and_block_from_profiles() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let alices = sign_in(&app, &alice).await;
    let (_, profile) = page(&app, "/@bob", &alices).await;
    assert!(
        profile.contains("action=\"/@bob/mute\"") && profile.contains("action=\"/@bob/block\"")
    );
    let csrf = csrf_in(&profile);
    let relation = || async {
        app.store
            .relationships(
                alice.member.account.id,
                &[bob.member.account.id],
                Timestamp::now(),
            )
            .await
            .unwrap()[0]
    };

    post_form(&app, "/@bob/follow", &alices, &[("csrf_token", &csrf)]).await;
    assert!(relation().await.following);
    let muted = post_form(&app, "/@bob/mute", &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(muted.status(), StatusCode::SEE_OTHER);
    assert_eq!(muted.headers()[LOCATION], "/@bob");
    assert!(relation().await.muting);
    let (_, profile) = page(&app, "/@bob", &alices).await;
    assert!(profile.contains("You muted @bob") && profile.contains(">Unmute<"));
    post_form(&app, "/@bob/unmute", &alices, &[("csrf_token", &csrf)]).await;
    assert!(!relation().await.muting);

    let blocked = post_form(&app, "/@bob/block", &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(blocked.status(), StatusCode::SEE_OTHER);
    let now = relation().await;
    assert!(now.blocking && !now.following, "a block ends the follow");
    let (_, profile) = page(&app, "/@bob", &alices).await;
    assert!(profile.contains("You blocked @bob") && profile.contains(">Unblock<"));
    assert!(
        !profile.contains("action=\"/@bob/follow\""),
        "no following while blocking"
    );
    post_form(&app, "/@bob/unblock", &alices, &[("csrf_token", &csrf)]).await;
    assert!(!relation().await.blocking);

    // Forged, unknown, and about oneself.
    let forged = post_form(&app, "/@bob/block", &alices, &[("csrf_token", "x")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(!relation().await.blocking);
    let unknown = post_form(&app, "/@bob/befriend", &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let nobody = post_form(&app, "/@nobody/block", &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND);
    let own = post_form(&app, "/@alice/block", &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
    let anonymous = app
        .post("/@bob/block")
        .form(&[("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[LOCATION], "/auth/sign_in");
}

#[tokio::test]
async fn profile_fields_are_saved_in_settings_and_shown_on_the_profile() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let alices = sign_in(&app, &alice).await;
    let (_, settings) = page(&app, "/settings", &alices).await;
    assert!(settings.contains("name=\"field_name_3\""));
    let csrf = csrf_in(&settings);
    let base = [
        ("csrf_token", csrf.as_str()),
        ("display_name", "Alice"),
        ("note", ""),
        ("privacy", "public"),
        ("locality", "community"),
    ];
    let mut form = base.to_vec();
    form.extend([
        ("field_name_0", "Plot"),
        ("field_value_0", "<b>7</b> by the pond"),
        ("field_name_1", ""),
        ("field_value_1", ""),
        ("field_name_2", "Site"),
        ("field_value_2", "https://alice.example"),
    ]);
    let saved = post_form(&app, "/settings", &alices, &form).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let stored = app
        .store
        .member_by_id(alice.member.account.id)
        .await
        .unwrap()
        .unwrap();
    let fields: Vec<(&str, &str)> = stored
        .account
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("Plot", "<b>7</b> by the pond"),
            ("Site", "https://alice.example")
        ]
    );
    let profile = app
        .get("/@alice")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(profile.contains("<dt>Plot</dt>"), "{profile}");
    assert!(
        profile.contains("&lt;b&gt;7&lt;/b&gt; by the pond"),
        "escaped: {profile}"
    );
    assert!(
        profile.contains("href=\"https://alice.example\""),
        "linked: {profile}"
    );
    let account: Value = app
        .get(&format!("/api/v1/accounts/{}", alice.id()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(account["fields"][0]["name"], "Plot");

    // Five rows is one too many; nothing changes.
    let mut too_many = base.to_vec();
    let names = ["a", "b", "c", "d", "e"];
    let keys: Vec<(String, String)> = (0..5)
        .map(|i| (format!("field_name_{i}"), format!("field_value_{i}")))
        .collect();
    for (i, (name, value)) in keys.iter().enumerate() {
        too_many.push((name.as_str(), names[i]));
        too_many.push((value.as_str(), "v"));
    }
    let refused = post_form(&app, "/settings", &alices, &too_many).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let still = app
        .store
        .member_by_id(alice.member.account.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.account.fields.len(), 2);
}

#[tokio::test]
async fn members_see_the_apps_they_signed_in_to_and_sign_them_out() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    let bobs_token = app.token(&bob, "read").await;
    let verify = |token: String| {
        let app = &app;
        async move {
            app.get("/api/v1/accounts/verify_credentials")
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(verify(token.clone()).await, StatusCode::OK);
    let apps = app
        .store
        .authorized_applications(alice.member.account.id)
        .await
        .unwrap();
    assert_eq!(apps.len(), 1);
    let app_id = apps[0].id.to_string();

    let alices = sign_in(&app, &alice).await;
    let (_, settings) = page(&app, "/settings", &alices).await;
    assert!(settings.contains(&apps[0].name), "{settings}");
    assert!(settings.contains(&format!("/settings/apps/{app_id}/revoke")));
    assert!(settings.contains("read write"));
    let csrf = csrf_in(&settings);

    // Bob cannot sign Alice's app out, nor can a forged form.
    let bobs = sign_in(&app, &bob).await;
    let bobs_csrf = csrf_in(&page(&app, "/settings", &bobs).await.1);
    let path = format!("/settings/apps/{app_id}/revoke");
    let bobs_try = post_form(&app, &path, &bobs, &[("csrf_token", &bobs_csrf)]).await;
    let bobs_app = app
        .store
        .authorized_applications(bob.member.account.id)
        .await
        .unwrap();
    if bobs_app.iter().any(|a| a.id == apps[0].id) {
        // The test kit registers one app for everyone: Bob signs out only himself.
        assert_eq!(bobs_try.status(), StatusCode::OK);
        assert_eq!(verify(bobs_token.clone()).await, StatusCode::UNAUTHORIZED);
    } else {
        assert_eq!(bobs_try.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(verify(token.clone()).await, StatusCode::OK);
    let forged = post_form(&app, &path, &alices, &[("csrf_token", "x")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(verify(token.clone()).await, StatusCode::OK);

    let revoked = post_form(&app, &path, &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let shown = revoked.text().await.unwrap();
    assert!(shown.contains("The app is signed out.") && shown.contains("not signed in to any app"));
    assert_eq!(verify(token).await, StatusCode::UNAUTHORIZED);
    let again = post_form(&app, &path, &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let malformed = post_form(
        &app,
        "/settings/apps/x/revoke",
        &alices,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(malformed.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn long_timelines_continue_on_older_pages() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    let mut ids = Vec::new();
    for n in 0..35 {
        ids.push(api_post(&app, &token, json!({"status": format!("post number {n}.")})).await);
    }
    let alices = sign_in(&app, &alice).await;
    for path in ["/local", "/home", "/@alice"] {
        let (status, first) = page(&app, path, &alices).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(first.contains("post number 34.") && first.contains("post number 5."));
        assert!(!first.contains("post number 4."), "{path}: 30 a page");
        let older = format!("{path}?max_id={}", ids[5]);
        assert!(
            first.contains(&format!("href=\"{older}\"")),
            "{path}: a link to the older posts"
        );
        let (status, second) = page(&app, &older, &alices).await;
        assert_eq!(status, StatusCode::OK);
        assert!(second.contains("post number 4.") && second.contains("post number 0."));
        assert!(!second.contains("post number 5."));
        assert!(!second.contains("data-load-more"), "{path}: the last page");
        let (status, _) = page(&app, &format!("{path}?max_id=nope"), &alices).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
    }
    // Visitors page through public profiles too.
    let visitor = app
        .get("/@alice")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(visitor.contains(&format!("href=\"/@alice?max_id={}\"", ids[5])));
}

#[tokio::test]
async fn the_script_is_our_own_and_the_policy_allows_nothing_else() {
    let app = spawn_app().await;
    let front = app.get("/").send().await.unwrap();
    let policy = front.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    assert!(
        !policy.contains("unsafe-inline") && !policy.contains("http"),
        "{policy}"
    );
    let body = front.text().await.unwrap();
    assert!(body.contains("<script src=\"/assets/web.js\" defer></script>"));
    assert!(!body.contains("<script>"), "no inline script");
    let script = app.get("/assets/web.js").send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(
        script.headers()[CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    let source = script.text().await.unwrap();
    assert!(source.contains("data-load-more") && source.contains("credentials: \"same-origin\""));
    assert!(
        !source.contains("http://") && !source.contains("https://"),
        "no other host"
    );
}

/// Registers an app through the API; its client id.
async fn register_app(app: &TestApp) -> String {
    let registered: Value = app
        .post("/api/v1/apps")
        .form(&[
            ("client_name", "Pocket Hamlet"),
            ("redirect_uris", "https://pocket.example/callback"),
            ("scopes", "read write"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    registered["client_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_member_signed_in_on_the_web_authorizes_apps_without_a_password() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let client_id = register_app(&app).await;
    let authorize = format!(
        "/oauth/authorize?response_type=code&client_id={client_id}\
         &redirect_uri=https%3A%2F%2Fpocket.example%2Fcallback&scope=read+write&state=s1"
    );
    let decide = |session: Option<String>, csrf_cookie: String, csrf: String| {
        let app = &app;
        let client_id = client_id.clone();
        async move {
            let mut cookies = format!("hamlet_csrf={csrf_cookie}");
            if let Some(session) = session {
                cookies.push_str(&format!("; hamlet_session={session}"));
            }
            app.post("/oauth/authorize")
                .header(COOKIE, cookies)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("response_type", "code"),
                    ("client_id", client_id.as_str()),
                    ("redirect_uri", "https://pocket.example/callback"),
                    ("scope", "read write"),
                    ("state", "s1"),
                    ("decision", "approve"),
                ])
                .send()
                .await
                .unwrap()
        }
    };

    // Not signed in: the page asks for the password, and an answer without one fails.
    let form = app.get(&authorize).send().await.unwrap();
    let (csrf_cookie, _) = set_cookie(&form, "hamlet_csrf").unwrap();
    let body = form.text().await.unwrap();
    assert!(body.contains("name=\"password\""));
    let csrf = csrf_in(&body);
    let refused = decide(None, csrf_cookie.clone(), csrf.clone()).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // Signed in through the web: no password asked, and the answer brings a code.
    let alices = sign_in(&app, &alice).await;
    let form = app
        .get(&authorize)
        .header(
            COOKIE,
            format!("hamlet_csrf={csrf_cookie}; hamlet_session={alices}"),
        )
        .send()
        .await
        .unwrap();
    let body = form.text().await.unwrap();
    assert!(
        body.contains("You are signed in as <strong>@alice</strong>"),
        "{body}"
    );
    assert!(!body.contains("name=\"password\""));
    let approved = decide(Some(alices.clone()), csrf_cookie.clone(), csrf.clone()).await;
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
    let location = approved.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("https://pocket.example/callback?code="),
        "{location}"
    );
    assert!(location.ends_with("&state=s1"), "{location}");

    // The session does not stand in for the CSRF token, and a dead session is no one.
    let forged = decide(Some(alices.clone()), csrf_cookie.clone(), "x".repeat(43)).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let signed_out = decide(Some("y".repeat(43)), csrf_cookie, csrf).await;
    assert_eq!(signed_out.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn pictures_are_uploaded_in_settings_and_shown_from_this_server() {
    use hamlet_testkit::images::{SECRET_PLACE, contains, encoded, jpeg_with_exif, photo};
    use reqwest::multipart::{Form, Part};

    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let alices = sign_in(&app, &alice).await;
    let (_, settings) = page(&app, "/settings", &alices).await;
    assert!(settings.contains("enctype=\"multipart/form-data\""));
    let csrf = csrf_in(&settings);
    let send = |form: Form| {
        let app = &app;
        let alices = alices.clone();
        async move {
            app.post("/settings/pictures")
                .header(COOKIE, format!("hamlet_session={alices}"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let pictures = || {
        Form::new()
            .part(
                "avatar",
                Part::bytes(jpeg_with_exif(&photo(120, 80), 1)).file_name("me.jpg"),
            )
            .part("header", Part::bytes(Vec::new()).file_name(""))
    };
    // A forged form changes nothing.
    let forged = send(pictures().text("csrf_token", "x")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let saved = send(pictures().text("csrf_token", csrf.clone())).await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(saved.text().await.unwrap().contains("Pictures saved."));
    let member = app
        .store
        .member_by_id(alice.member.account.id)
        .await
        .unwrap()
        .unwrap();
    let avatar = member.account.avatar_file.clone().expect("an avatar");
    assert!(
        member.account.header_file.is_none(),
        "an empty file field is no header"
    );
    let served = app.get(&format!("/media/{avatar}")).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert!(!contains(&served.bytes().await.unwrap(), SECRET_PLACE));

    // Pages show pictures from this server alone.
    let token = app.token(&alice, "read write").await;
    let upload: Value = app
        .post("/api/v2/media")
        .bearer_auth(&token)
        .multipart(
            Form::new()
                .part(
                    "file",
                    Part::bytes(encoded(&photo(40, 30), image::ImageFormat::Png))
                        .file_name("p.png"),
                )
                .text("description", "Our allotment in May"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    api_post(
        &app,
        &token,
        json!({"status": "look", "media_ids": [upload["id"]]}),
    )
    .await;
    for path in ["/@alice", "/home"] {
        let (_, shown) = page(&app, path, &alices).await;
        assert!(
            shown.contains(&format!("src=\"/media/{avatar}\"")),
            "{path}"
        );
        assert!(shown.contains("alt=\"Our allotment in May\""), "{path}");
        assert!(
            shown.contains("<figcaption>Our allotment in May</figcaption>"),
            "{path}"
        );
        assert!(
            !shown.contains("src=\"http"),
            "{path}: nothing from elsewhere"
        );
    }
    let policy = app.get("/").send().await.unwrap().headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("media-src 'self'"), "{policy}");

    // Back to the default; the old file is gone.
    let removed = send(
        Form::new()
            .text("csrf_token", csrf)
            .text("remove_avatar", "true"),
    )
    .await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert_eq!(
        app.get(&format!("/media/{avatar}"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, profile) = page(&app, "/@alice", &alices).await;
    assert!(profile.contains("src=\"/avatars/original/missing.png\""));
}
