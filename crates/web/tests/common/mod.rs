//! What the web interface's tests share: a browser's cookies and forms, over real HTTP.
#![allow(dead_code)]

use hamlet_testkit::{TestApp, TestMember};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// The value of `name` in the response's `Set-Cookie` headers, with the whole header.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|header| {
            let value = header[name.len() + 1..]
                .split(';')
                .next()
                .unwrap_or_default()
                .to_owned();
            (value, header.to_owned())
        })
}

pub fn csrf_in(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("a form with a CSRF token") + marker.len();
    page[start..]
        .split('"')
        .next()
        .expect("the token ends")
        .to_owned()
}

/// A browser signed in as `member`: its session cookie.
pub async fn sign_in(app: &TestApp, member: &TestMember) -> String {
    let form = app.get("/auth/sign_in").send().await.unwrap();
    let (csrf_cookie, _) = set_cookie(&form, "hamlet_csrf").expect("a CSRF cookie");
    let token = csrf_in(&form.text().await.unwrap());
    let response = app
        .post("/auth/sign_in")
        .header(COOKIE, format!("hamlet_csrf={csrf_cookie}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", member.username()),
            ("password", member.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/home");
    set_cookie(&response, "hamlet_session")
        .expect("a session")
        .0
}

pub async fn page(app: &TestApp, path: &str, session: &str) -> (StatusCode, String) {
    let response = app
        .get(path)
        .header(COOKIE, format!("hamlet_session={session}"))
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

pub async fn post_form(
    app: &TestApp,
    path: &str,
    session: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.post(path)
        .header(COOKIE, format!("hamlet_session={session}"))
        .form(form)
        .send()
        .await
        .unwrap()
}

pub async fn api_post(app: &TestApp, token: &str, body: serde_json::Value) -> String {
    let written: serde_json::Value = app
        .post("/api/v1/statuses")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    written["id"].as_str().expect("a post").to_owned()
}
