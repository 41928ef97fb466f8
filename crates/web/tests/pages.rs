//! The web interface over real HTTP: sessions, CSRF, composing, and the audience rule.

mod common;

use common::{api_post, csrf_in, page, post_form, set_cookie, sign_in};
use hamlet_core::role::Role;
use hamlet_testkit::{TestMember, spawn_app};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION};

#[tokio::test]
async fn visitors_see_the_front_page_with_a_strict_policy() {
    let app = spawn_app().await;
    let response = app.get("/").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let policy = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    let body = response.text().await.unwrap();
    assert!(body.contains("/auth/sign_in"));
    assert!(body.contains("/assets/web.css"));
    let css = app.get("/assets/web.css").send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.text()
            .await
            .unwrap()
            .contains("prefers-color-scheme: dark")
    );
    // Members' pages send visitors to sign in.
    let home = app.get("/home").send().await.unwrap();
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(home.headers()[LOCATION], "/auth/sign_in");
}

#[tokio::test]
async fn signing_in_needs_the_csrf_token_and_the_right_password() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let form = app.get("/auth/sign_in").send().await.unwrap();
    let (csrf_cookie, header) = set_cookie(&form, "hamlet_csrf").unwrap();
    assert!(header.contains("HttpOnly") && header.contains("SameSite=Strict"));
    let token = csrf_in(&form.text().await.unwrap());
    let attempt = |cookie: Option<String>, token: String, password: String| {
        let mut request = app.post("/auth/sign_in");
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, format!("hamlet_csrf={cookie}"));
        }
        request
            .form(&[
                ("csrf_token", token),
                ("username", "alice".to_owned()),
                ("password", password),
            ])
            .send()
    };
    // No cookie, or a token that is not the cookie's: refused, no session.
    let no_cookie = attempt(None, token.clone(), alice.password.clone())
        .await
        .unwrap();
    assert_eq!(no_cookie.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&no_cookie, "hamlet_session").is_none());
    let forged = attempt(
        Some(csrf_cookie.clone()),
        "x".repeat(43),
        alice.password.clone(),
    )
    .await
    .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let wrong = attempt(
        Some(csrf_cookie.clone()),
        token.clone(),
        "wrong password".into(),
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&wrong, "hamlet_session").is_none());
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Wrong username or password")
    );

    let right = attempt(Some(csrf_cookie), token, alice.password.clone())
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    let (session, header) = set_cookie(&right, "hamlet_session").unwrap();
    assert!(header.contains("HttpOnly"), "{header}");
    assert!(header.contains("SameSite=Lax"), "{header}");
    assert!(!header.contains("Secure"), "plain http in tests: {header}");
    let (status, home) = page(&app, "/home", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("@alice") && home.contains("name=\"status\""));
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let app = spawn_app().await;
    app.create_member("alice", Role::Member).await;
    let form = app.get("/auth/sign_in").send().await.unwrap();
    let (cookie, _) = set_cookie(&form, "hamlet_csrf").unwrap();
    let token = csrf_in(&form.text().await.unwrap());
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let response = app
            .post("/auth/sign_in")
            .header(COOKIE, format!("hamlet_csrf={cookie}"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("username", "alice"),
                ("password", "not the password"),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn members_compose_local_only_and_federated_posts() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let session = sign_in(&app, &alice).await;
    let (_, home) = page(&app, "/home", &session).await;
    let csrf = csrf_in(&home);
    // The box starts unticked: the community's default is to federate.
    assert!(!home.contains("value=\"true\" checked"));

    // Without the token: refused, nothing posted.
    let forged = post_form(
        &app,
        "/statuses",
        &session,
        &[("status", "forged"), ("local_only", "true")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let written = post_form(
        &app,
        "/statuses",
        &session,
        &[
            ("csrf_token", csrf.as_str()),
            ("status", "only for us"),
            ("visibility", "public"),
            ("local_only", "true"),
        ],
    )
    .await;
    assert_eq!(written.status(), StatusCode::SEE_OTHER);
    let federated = post_form(
        &app,
        "/statuses",
        &session,
        &[
            ("csrf_token", csrf.as_str()),
            ("status", "for everyone"),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(federated.status(), StatusCode::SEE_OTHER);
    let blank = post_form(
        &app,
        "/statuses",
        &session,
        &[("csrf_token", csrf.as_str()), ("status", "  ")],
    )
    .await;
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.text().await.unwrap().contains("role=\"alert\""));

    let (_, home) = page(&app, "/home", &session).await;
    assert!(home.contains("only for us") && home.contains("for everyone"));
    assert_eq!(home.matches("class=\"local-only\"").count(), 1, "{home}");
    assert!(!home.contains("forged"));
    let (_, local) = page(&app, "/local", &session).await;
    assert!(local.contains("only for us"));

    // Stored as asked; visitors see only the federated one.
    let token = app.token(&alice, "read").await;
    let mine: serde_json::Value = app
        .get(&format!("/api/v1/accounts/{}/statuses", alice.id()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let locality: Vec<(String, bool)> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["content"].as_str().unwrap().to_owned(),
                s["local_only"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        locality,
        [
            ("<p>for everyone</p>".to_owned(), false),
            ("<p>only for us</p>".to_owned(), true)
        ]
    );
    let anonymous = app
        .get(&format!("/api/v1/accounts/{}/statuses", alice.id()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(anonymous.contains("for everyone") && !anonymous.contains("only for us"));
    let front = app.get("/").send().await.unwrap().text().await.unwrap();
    assert!(!front.contains("only for us"));
}

#[tokio::test]
async fn the_local_only_box_starts_with_the_members_default() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    app.store
        .set_community_settings(
            hamlet_store::CommunitySettings {
                default_local_only: true,
                ..Default::default()
            },
            hamlet_core::Timestamp::now(),
        )
        .await
        .unwrap();
    let session = sign_in(&app, &alice).await;
    let (_, home) = page(&app, "/home", &session).await;
    assert!(home.contains("value=\"true\" checked"), "{home}");
}

#[tokio::test]
async fn signing_out_and_password_changes_end_sessions() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let session = sign_in(&app, &alice).await;
    let (_, home) = page(&app, "/home", &session).await;
    let csrf = csrf_in(&home);
    // Signing out needs the session's token.
    let forged = post_form(&app, "/auth/sign_out", &session, &[("csrf_token", "x")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(page(&app, "/home", &session).await.0, StatusCode::OK);
    let out = post_form(&app, "/auth/sign_out", &session, &[("csrf_token", &csrf)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let (_, cleared) = set_cookie(&out, "hamlet_session").unwrap();
    assert!(cleared.contains("Max-Age=0"));
    assert_eq!(page(&app, "/home", &session).await.0, StatusCode::SEE_OTHER);

    // A new password signs every browser out.
    let again = sign_in(&app, &alice).await;
    assert_eq!(page(&app, "/home", &again).await.0, StatusCode::OK);
    let hash = hamlet_core::password::Password::parse("a brand new password")
        .unwrap()
        .hash();
    app.store
        .set_password(alice.member.account.id, &hash)
        .await
        .unwrap();
    assert_eq!(page(&app, "/home", &again).await.0, StatusCode::SEE_OTHER);
}

/// Alice writes a post through the API; its id.
#[tokio::test]
async fn post_and_profile_pages_apply_the_audience_rule() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    let public = api_post(&app, &token, serde_json::json!({"status": "hello world"})).await;
    let secret = api_post(
        &app,
        &token,
        serde_json::json!({"status": "just us", "local_only": true}),
    )
    .await;
    let private = api_post(
        &app,
        &token,
        serde_json::json!({"status": "followers", "visibility": "private"}),
    )
    .await;
    let visitor = |path: String| {
        let request = app.get(&path);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };

    let (status, shown) = visitor(format!("/@alice/{public}")).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert!(shown.contains("hello world") && !shown.contains("name=\"status\""));
    let missing = visitor("/@alice/1234567890".to_owned()).await;
    assert_eq!(missing.0, StatusCode::NOT_FOUND);
    for hidden in [&secret, &private] {
        assert_eq!(
            visitor(format!("/@alice/{hidden}")).await,
            missing,
            "{hidden}"
        );
    }
    // The wrong author's address is not the post's.
    assert_eq!(
        visitor(format!("/@bob/{public}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, profile) = visitor("/@alice".to_owned()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(profile.contains("hello world"));
    assert!(!profile.contains("just us") && !profile.contains("followers</p>"));
    assert_eq!(
        visitor("/@nobody".to_owned()).await.0,
        StatusCode::NOT_FOUND
    );

    // Bob, a member, sees the local-only post and replies in place: the reply stays local.
    let session = sign_in(&app, &bob).await;
    let (status, shown) = page(&app, &format!("/@alice/{secret}"), &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown.contains("just us") && shown.contains("class=\"local-only\""));
    assert!(shown.contains("stays in the community"), "{shown}");
    let csrf = csrf_in(&shown);
    let replied = post_form(
        &app,
        "/statuses",
        &session,
        &[
            ("csrf_token", csrf.as_str()),
            ("in_reply_to_id", secret.as_str()),
            ("status", "@alice me too"),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    let location = replied.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/@bob/"), "{location}");
    let (status, thread) = page(&app, &location, &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(thread.contains("just us") && thread.contains("me too"));
    let reply_id = location.rsplit('/').next().unwrap();
    let reply: serde_json::Value = app
        .get(&format!("/api/v1/statuses/{reply_id}"))
        .bearer_auth(app.token(&bob, "read").await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["local_only"], true);
    assert_eq!(reply["in_reply_to_id"], secret.as_str());
    assert_eq!(
        visitor(location.clone()).await,
        visitor("/@bob/1234567890".to_owned()).await
    );
    let (_, profile) = page(&app, "/@alice", &session).await;
    assert!(profile.contains("just us") && profile.contains("hello world"));
}

#[tokio::test]
async fn notifications_show_who_did_what() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let bobs = app.token(&bob, "read write").await;
    api_post(
        &app,
        &bobs,
        serde_json::json!({"status": "@alice look at this", "local_only": true}),
    )
    .await;
    let session = sign_in(&app, &alice).await;
    let (status, shown) = page(&app, "/notifications", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        shown.contains("@bob") && shown.contains("mentioned you"),
        "{shown}"
    );
    assert!(shown.contains("look at this") && shown.contains("class=\"local-only\""));
    assert_eq!(
        app.get("/notifications").send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn settings_change_the_profile_and_the_defaults() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let session = sign_in(&app, &alice).await;
    let (status, shown) = page(&app, "/settings", &session).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&shown);
    let form = |csrf: String, privacy: &'static str| {
        vec![
            ("csrf_token", csrf),
            ("display_name", "Alice A".to_owned()),
            ("note", "Gardens & <bees>".to_owned()),
            ("locked", "true".to_owned()),
            ("privacy", privacy.to_owned()),
            ("locality", "local_only".to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        app.post("/settings")
            .header(COOKIE, format!("hamlet_session={session}"))
            .form(&fields)
            .send()
    };
    assert_eq!(
        send(form("x".into(), "unlisted")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let bad = send(form(csrf.clone(), "everyone")).await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let saved = send(form(csrf.clone(), "unlisted")).await.unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let saved = saved.text().await.unwrap();
    assert!(
        saved.contains("Saved.") && saved.contains("Gardens"),
        "{saved}"
    );
    assert!(!saved.contains("<bees>"), "the bio is escaped: {saved}");

    let me: serde_json::Value = app
        .get("/api/v1/accounts/verify_credentials")
        .bearer_auth(app.token(&alice, "read").await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["display_name"], "Alice A");
    assert_eq!(me["locked"], true);
    assert_eq!(me["source"]["note"], "Gardens & <bees>");
    assert_eq!(me["source"]["privacy"], "unlisted");
    assert_eq!(me["source"]["local_only"], true);
    // The compose form now starts local-only and unlisted.
    let (_, home) = page(&app, "/home", &session).await;
    assert!(home.contains("value=\"true\" checked"));
    assert!(home.contains("<option value=\"unlisted\" selected>"));
}

#[tokio::test]
async fn a_new_password_signs_out_everywhere_but_here() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "read").await;
    let elsewhere = sign_in(&app, &alice).await;
    let here = sign_in(&app, &alice).await;
    let (_, shown) = page(&app, "/settings", &here).await;
    let csrf = csrf_in(&shown);
    let change = |current: &str, new: &str, again: &str| {
        let fields = [
            ("csrf_token", csrf.clone()),
            ("current_password", current.to_owned()),
            ("new_password", new.to_owned()),
            ("password_confirmation", again.to_owned()),
        ];
        app.post("/settings/password")
            .header(COOKIE, format!("hamlet_session={here}"))
            .form(&fields)
            .send()
    };
    let wrong = change("not it", "a new password", "a new password")
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let differ = change(&alice.password, "a new password", "another one")
        .await
        .unwrap();
    assert_eq!(differ.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let changed = change(&alice.password, "a new password", "a new password")
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    let (fresh, _) = set_cookie(&changed, "hamlet_session").unwrap();
    assert_eq!(page(&app, "/home", &fresh).await.0, StatusCode::OK);
    assert_eq!(page(&app, "/home", &here).await.0, StatusCode::SEE_OTHER);
    assert_eq!(
        page(&app, "/home", &elsewhere).await.0,
        StatusCode::SEE_OTHER
    );
    let api = app
        .get("/api/v1/accounts/verify_credentials")
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);

    // Signing out everywhere ends this browser's session too.
    let renamed = TestMember {
        member: alice.member.clone(),
        password: "a new password".into(),
    };
    let other = sign_in(&app, &renamed).await;
    let (_, shown) = page(&app, "/settings", &fresh).await;
    let out = post_form(
        &app,
        "/settings/sign_out_everywhere",
        &fresh,
        &[("csrf_token", &csrf_in(&shown))],
    )
    .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(page(&app, "/home", &fresh).await.0, StatusCode::SEE_OTHER);
    assert_eq!(page(&app, "/home", &other).await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn members_follow_each_other_from_profiles() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let alices = sign_in(&app, &alice).await;
    let bobs = sign_in(&app, &bob).await;
    let (status, profile) = page(&app, "/@bob", &alices).await;
    assert_eq!(status, StatusCode::OK);
    assert!(profile.contains("action=\"/@bob/follow\""), "{profile}");
    let csrf = csrf_in(&profile);
    let forged = post_form(&app, "/@bob/follow", &alices, &[("csrf_token", "x")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let followed = post_form(&app, "/@bob/follow", &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(followed.status(), StatusCode::SEE_OTHER);
    assert_eq!(followed.headers()[LOCATION], "/@bob");
    let (_, profile) = page(&app, "/@bob", &alices).await;
    assert!(profile.contains("You follow @bob") && profile.contains("/@bob/unfollow"));
    let (_, seen_by_bob) = page(&app, "/@alice", &bobs).await;
    assert!(seen_by_bob.contains("Follows you"));
    let (_, notified) = page(&app, "/notifications", &bobs).await;
    assert!(notified.contains("@alice") && notified.contains("followed you"));
    // Bob's posts now reach alice's home timeline.
    let token = app.token(&bob, "write").await;
    api_post(&app, &token, serde_json::json!({"status": "hi followers"})).await;
    let (_, home) = page(&app, "/home", &alices).await;
    assert!(home.contains("hi followers"));
    let unfollowed = post_form(&app, "/@bob/unfollow", &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(unfollowed.status(), StatusCode::SEE_OTHER);
    let (_, profile) = page(&app, "/@bob", &alices).await;
    assert!(profile.contains("action=\"/@bob/follow\""));
    // Nobody follows themselves, or nobody.
    let own = post_form(&app, "/@alice/follow", &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(own.status(), StatusCode::NOT_FOUND);
    let nobody = post_form(&app, "/@nobody/follow", &alices, &[("csrf_token", &csrf)]).await;
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn buttons_favourite_boost_and_bookmark_posts() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    let secret = api_post(
        &app,
        &token,
        serde_json::json!({"status": "among us", "local_only": true}),
    )
    .await;
    let bobs = sign_in(&app, &bob).await;
    let (_, local) = page(&app, "/local", &bobs).await;
    assert!(local.contains(&format!("action=\"/statuses/{secret}/favourite\"")));
    let csrf = csrf_in(&local);
    for action in ["favourite", "boost", "bookmark"] {
        let done = post_form(
            &app,
            &format!("/statuses/{secret}/{action}"),
            &bobs,
            &[("csrf_token", &csrf), ("return_to", "/local")],
        )
        .await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER, "{action}");
        assert_eq!(done.headers()[LOCATION], "/local");
    }
    for list in ["/favourites", "/bookmarks", "/federated"] {
        let (status, shown) = page(&app, list, &bobs).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert!(shown.contains("among us"), "{list}: {shown}");
    }
    let (_, local) = page(&app, "/local", &bobs).await;
    assert!(local.contains(&format!("action=\"/statuses/{secret}/unfavourite\"")));
    assert!(local.contains(&format!("action=\"/statuses/{secret}/unboost\"")));
    assert!(local.contains(&format!("action=\"/statuses/{secret}/unbookmark\"")));
    let seen: serde_json::Value = app
        .get(&format!("/api/v1/statuses/{secret}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen["favourites_count"], 1);
    assert_eq!(seen["reblogs_count"], 1);
    // The boost is local-only too: bob's profile shows it to members, not to visitors.
    let (_, profile) = page(&app, "/@bob", &bobs).await;
    assert!(profile.contains("among us") && profile.contains("Boosted by @bob"));
    let visitor = app.get("/@bob").send().await.unwrap().text().await.unwrap();
    assert!(!visitor.contains("among us"));
    // Elsewhere is never a place to go back to; a forged form does nothing.
    let away = post_form(
        &app,
        &format!("/statuses/{secret}/unfavourite"),
        &bobs,
        &[("csrf_token", &csrf), ("return_to", "//evil.example/")],
    )
    .await;
    assert_eq!(away.headers()[LOCATION], "/home");
    let forged = post_form(
        &app,
        &format!("/statuses/{secret}/favourite"),
        &bobs,
        &[("csrf_token", "x"), ("return_to", "/local")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let unknown = post_form(
        &app,
        "/statuses/1234567/favourite",
        &bobs,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn admins_set_the_community_default_and_manage_members() {
    let app = spawn_app().await;
    let admin = app.create_member("ophelia", Role::Admin).await;
    let bob = app.create_member("bob", Role::Member).await;
    let bobs = sign_in(&app, &bob).await;
    // Members do not see the admin pages, nor can they use them.
    let (status, _) = page(&app, "/admin", &bobs).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, bobs_home) = page(&app, "/home", &bobs).await;
    assert!(!bobs_home.contains("href=\"/admin\""));
    let bobs_csrf = csrf_in(&bobs_home);
    let tried = post_form(
        &app,
        "/admin/community",
        &bobs,
        &[
            ("csrf_token", &bobs_csrf),
            ("default_locality", "local_only"),
        ],
    )
    .await;
    assert_eq!(tried.status(), StatusCode::NOT_FOUND);

    let admins = sign_in(&app, &admin).await;
    let (status, shown) = page(&app, "/admin", &admins).await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown.contains("@bob") && shown.contains("href=\"/admin\""));
    let csrf = csrf_in(&shown);
    let saved = post_form(
        &app,
        "/admin/community",
        &admins,
        &[
            ("csrf_token", &csrf),
            ("name", "Hamlet"),
            ("description", ""),
            ("contact_email", ""),
            ("default_locality", "local_only"),
            ("federated_timeline", "true"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(
        app.store
            .community_settings()
            .await
            .unwrap()
            .default_local_only
    );
    // Bob's compose box now starts ticked.
    let (_, bobs_home) = page(&app, "/home", &bobs).await;
    assert!(bobs_home.contains("value=\"true\" checked"));

    let promoted = post_form(
        &app,
        "/admin/members/bob/role",
        &admins,
        &[("csrf_token", &csrf), ("role", "moderator")],
    )
    .await;
    assert_eq!(promoted.status(), StatusCode::OK);
    let bob_now = app.store.member_by_username("bob").await.unwrap().unwrap();
    assert_eq!(bob_now.user.role, Role::Moderator);
    let suspended = post_form(
        &app,
        "/admin/members/bob/suspend",
        &admins,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(suspended.status(), StatusCode::OK);
    assert_eq!(page(&app, "/home", &bobs).await.0, StatusCode::SEE_OTHER);
    let lifted = post_form(
        &app,
        "/admin/members/bob/unsuspend",
        &admins,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(lifted.status(), StatusCode::OK);
    // No admin locks themselves out; forged forms do nothing.
    let own = post_form(
        &app,
        "/admin/members/ophelia/role",
        &admins,
        &[("csrf_token", &csrf), ("role", "member")],
    )
    .await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let forged = post_form(
        &app,
        "/admin/members/bob/suspend",
        &admins,
        &[("csrf_token", "x")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let bob_now = app.store.member_by_username("bob").await.unwrap().unwrap();
    assert!(!bob_now.account.is_suspended());
}

#[tokio::test]
async fn search_and_hashtag_pages_find_only_what_the_reader_may_see() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    api_post(
        &app,
        &token,
        serde_json::json!({"status": "tomatoes #garden", "local_only": true}),
    )
    .await;
    api_post(
        &app,
        &token,
        serde_json::json!({"status": "onions #garden"}),
    )
    .await;
    api_post(
        &app,
        &token,
        serde_json::json!({"status": "secret #hidden", "visibility": "direct"}),
    )
    .await;
    let bobs = sign_in(&app, &bob).await;
    let (status, found) = page(&app, "/search?q=garden", &bobs).await;
    assert_eq!(status, StatusCode::OK);
    assert!(found.contains("href=\"/tags/garden\""), "{found}");
    let (_, found) = page(&app, "/search?q=tomatoes", &bobs).await;
    assert!(found.contains("tomatoes") && found.contains("class=\"local-only\""));
    let (_, found) = page(&app, "/search?q=ali", &bobs).await;
    assert!(found.contains("href=\"/@alice\""));
    // A tag used only where bob may not read is not found.
    let (_, found) = page(&app, "/search?q=hidden", &bobs).await;
    assert!(!found.contains("/tags/hidden") && !found.contains("secret"));
    let (_, tagged) = page(&app, "/tags/garden", &bobs).await;
    assert!(tagged.contains("tomatoes") && tagged.contains("onions"));
    let visitor = app
        .get("/tags/garden")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(visitor.contains("onions") && !visitor.contains("tomatoes"));
    assert_eq!(
        app.get("/search?q=garden").send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn locked_members_answer_follow_requests() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let carol = app.create_member("carol", Role::Member).await;
    app.store
        .update_profile(
            alice.member.account.id,
            &hamlet_core::account::ProfileUpdate {
                locked: Some(true),
                ..Default::default()
            },
            hamlet_core::Timestamp::now(),
            None,
        )
        .await
        .unwrap();
    for asker in [&bob, &carol] {
        let session = sign_in(&app, asker).await;
        let (_, profile) = page(&app, "/@alice", &session).await;
        let csrf = csrf_in(&profile);
        post_form(&app, "/@alice/follow", &session, &[("csrf_token", &csrf)]).await;
        let (_, profile) = page(&app, "/@alice", &session).await;
        assert!(profile.contains("You asked to follow @alice"), "{profile}");
    }
    let alices = sign_in(&app, &alice).await;
    let (status, requests) = page(&app, "/follow_requests", &alices).await;
    assert_eq!(status, StatusCode::OK);
    assert!(requests.contains("@bob") && requests.contains("@carol"));
    let csrf = csrf_in(&requests);
    let accepted = post_form(
        &app,
        "/follow_requests/bob/accept",
        &alices,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let rejected = post_form(
        &app,
        "/follow_requests/carol/reject",
        &alices,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
    let again = post_form(
        &app,
        "/follow_requests/carol/accept",
        &alices,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let (_, requests) = page(&app, "/follow_requests", &alices).await;
    assert!(requests.contains("No one is waiting"));
    let (_, seen_by_alice) = page(&app, "/@bob", &alices).await;
    assert!(seen_by_alice.contains("Follows you"));
    let (_, seen_by_alice) = page(&app, "/@carol", &alices).await;
    assert!(!seen_by_alice.contains("Follows you"));
}
