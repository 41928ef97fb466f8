//! The first-admin setup page refuses bad input and forged forms, and works once.

mod common;

use hamlet_api::service::members;
use hamlet_core::role::Role;
use hamlet_testkit::{TestApp, spawn_app, spawn_app_with};

struct SetupForm {
    cookie: String,
    csrf: String,
    token: String,
}

async fn open_link(app: &TestApp) -> SetupForm {
    let token = members::issue_setup_link(&app.store)
        .await
        .unwrap()
        .expect("no admin yet");
    let page = app
        .get(&format!("/setup?token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let set_cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    SetupForm {
        cookie,
        csrf,
        token,
    }
}

async fn submit(app: &TestApp, form: &SetupForm, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut body = vec![
        ("csrf_token", form.csrf.as_str()),
        ("token", form.token.as_str()),
    ];
    body.extend_from_slice(fields);
    app.post("/setup")
        .header("Cookie", &form.cookie)
        .form(&body)
        .send()
        .await
        .unwrap()
}

const GOOD: [(&str, &str); 3] = [
    ("username", "founder"),
    ("password", "a long password"),
    ("password_confirmation", "a long password"),
];

#[tokio::test]
async fn bad_setup_input_is_refused_and_creates_nothing() {
    let app = spawn_app().await;
    let form = open_link(&app).await;
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("username", "admin"),
                ("password", "a long password"),
                ("password_confirmation", "a long password"),
            ],
            "reserved",
        ),
        (
            &[
                ("username", "has space"),
                ("password", "a long password"),
                ("password_confirmation", "a long password"),
            ],
            "letters, numbers",
        ),
        (
            &[
                ("username", "founder"),
                ("password", "short"),
                ("password_confirmation", "short"),
            ],
            "at least 8",
        ),
        (
            &[
                ("username", "founder"),
                ("password", "a long password"),
                ("password_confirmation", "another one"),
            ],
            "differ",
        ),
    ];
    for (fields, needle) in cases {
        let response = submit(&app, &form, fields).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        assert!(html.contains(needle), "{needle} not in {html}");
    }
    assert_eq!(app.store.count_members(None).await.unwrap(), 0);

    // A forged form (no cookie, or a token that is not the cookie's) is refused.
    let forged = app
        .post("/setup")
        .form(&[
            ("csrf_token", form.csrf.as_str()),
            ("token", form.token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let forged = submit(
        &app,
        &SetupForm {
            csrf: "x".repeat(43),
            ..open_link(&app).await
        },
        &GOOD,
    )
    .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(app.store.count_members(None).await.unwrap(), 0);
}

#[tokio::test]
async fn a_setup_link_works_once() {
    let app = spawn_app().await;
    let form = open_link(&app).await;
    let response = submit(&app, &form, &GOOD).await;
    assert_eq!(response.status(), 201);
    assert!(response.text().await.unwrap().contains("@founder"));
    let founder = app
        .store
        .member_by_username("founder")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(founder.user.role, Role::Admin);
    let again = submit(
        &app,
        &form,
        &[
            ("username", "second"),
            ("password", "a long password"),
            ("password_confirmation", "a long password"),
        ],
    )
    .await;
    assert_eq!(again.status(), 404);
    assert_eq!(app.store.count_members(None).await.unwrap(), 1);
    assert!(
        members::issue_setup_link(&app.store)
            .await
            .unwrap()
            .is_none()
    );
    let unknown = app.get("/setup?token=guess").send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn setup_attempts_are_rate_limited() {
    let app = spawn_app_with(|s| s.rate_limits.sign_in = 2).await;
    let form = open_link(&app).await;
    let bad = [
        ("username", "x y"),
        ("password", "a long password"),
        ("password_confirmation", "a long password"),
    ];
    assert_eq!(submit(&app, &form, &bad).await.status(), 422);
    assert_eq!(submit(&app, &form, &bad).await.status(), 422);
    let limited = submit(&app, &form, &GOOD).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    common::assert_error(limited, 429, "Too many requests").await;
}
