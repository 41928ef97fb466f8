//! OAuth 2 over real HTTP: app registration, the password, client-credentials and
//! authorization-code (PKCE, consent page, CSRF) grants, revocation, scopes, suspension,
//! rate limits and server metadata.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hamlet_core::role::Role;
use hamlet_core::{Id, Timestamp, secret};
use hamlet_store::Application;
use hamlet_testkit::{TestApp, TestMember, spawn_app, spawn_app_with};
use reqwest::{Response, StatusCode, header};
use serde_json::{Value, json};
use url::Url;

const REDIRECT: &str = "https://app.example/callback";
const OTHER_REDIRECT: &str = "https://app.example/other";
const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A registered client, as `POST /api/v1/apps` answered.
struct Client {
    id: String,
    client_id: String,
    client_secret: String,
}

async fn json_body(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("response body");
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("status {status}: body is not JSON ({e}): {text}"));
    (status, value)
}

async fn text_body(response: Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.text().await.expect("response body"))
}

/// Registers a client through the API with these redirect URIs and scopes.
async fn register(app: &TestApp, redirect_uris: &[&str], scopes: &str) -> Client {
    let response = app
        .post("/api/v1/apps")
        .json(&json!({
            "client_name": "Test Client",
            "redirect_uris": redirect_uris,
            "scopes": scopes,
            "website": "https://app.example",
        }))
        .send()
        .await
        .expect("register app");
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "registration failed: {body}");
    Client {
        id: body["id"].as_str().expect("id").to_owned(),
        client_id: body["client_id"].as_str().expect("client_id").to_owned(),
        client_secret: body["client_secret"]
            .as_str()
            .expect("client_secret")
            .to_owned(),
    }
}

async fn token_request(app: &TestApp, fields: &[(&str, &str)]) -> Response {
    app.post("/oauth/token")
        .form(fields)
        .send()
        .await
        .expect("token request")
}

async fn password_grant(
    app: &TestApp,
    client: &Client,
    username: &str,
    password: &str,
    scope: &str,
) -> Response {
    token_request(
        app,
        &[
            ("grant_type", "password"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("username", username),
            ("password", password),
            ("scope", scope),
        ],
    )
    .await
}

/// A token for `member` through the password grant; panics unless it succeeds.
async fn password_token(
    app: &TestApp,
    client: &Client,
    member: &TestMember,
    scope: &str,
) -> String {
    let response = password_grant(app, client, member.username(), &member.password, scope).await;
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "password grant failed: {body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

async fn verify_credentials(app: &TestApp, token: &str) -> Response {
    app.get("/api/v1/accounts/verify_credentials")
        .bearer_auth(token)
        .send()
        .await
        .expect("verify_credentials")
}

async fn verify_status(app: &TestApp, token: &str) -> StatusCode {
    verify_credentials(app, token).await.status()
}

/// Asserts an OAuth error answer: status, `error`, and a string `error_description`.
async fn assert_oauth_error(response: Response, status: StatusCode, error: &str) -> Value {
    let (actual, body) = json_body(response).await;
    assert_eq!(actual, status, "unexpected status, body: {body}");
    assert_eq!(body["error"], error, "unexpected error: {body}");
    assert!(
        body["error_description"].is_string(),
        "error_description missing: {body}"
    );
    body
}

/// Asserts a plain API error answer: status and `{"error": message}`.
async fn assert_api_error(response: Response, status: StatusCode, message: &str) {
    let (actual, body) = json_body(response).await;
    assert_eq!(actual, status, "unexpected status, body: {body}");
    assert_eq!(body, json!({ "error": message }));
}

/// A PKCE S256 pair: (verifier, challenge).
fn pkce_pair() -> (String, String) {
    let verifier = secret::generate();
    let challenge = URL_SAFE_NO_PAD.encode(secret::sha256(verifier.as_bytes()));
    (verifier, challenge)
}

/// Decodes the entities askama's HTML escaping produces (and numeric ones in general).
fn html_unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let Some(end) = rest.find(';') else {
            break;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The hidden fields of the consent form, in order, values unescaped.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let marker = "<input type=\"hidden\" name=\"";
    let mut fields = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(marker) {
        rest = &rest[start + marker.len()..];
        let name_end = rest.find('"').expect("end of name");
        let name = rest[..name_end].to_owned();
        rest = &rest[name_end..];
        let value_marker = "\" value=\"";
        assert!(rest.starts_with(value_marker), "hidden input without value");
        rest = &rest[value_marker.len()..];
        let value_end = rest.find('"').expect("end of value");
        fields.push((name, html_unescape(&rest[..value_end])));
        rest = &rest[value_end..];
    }
    fields
}

/// The `csrf_token` hidden field of a form page.
fn csrf_field(html: &str) -> String {
    hidden_fields(html)
        .into_iter()
        .find(|(name, _)| name == "csrf_token")
        .map(|(_, value)| value)
        .expect("the page has a csrf_token field")
}

/// The value of the `hamlet_csrf` cookie a response sets, if it sets one.
fn csrf_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("hamlet_csrf="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

fn location(response: &Response) -> Url {
    let value = response
        .headers()
        .get(header::LOCATION)
        .unwrap_or_else(|| panic!("status {}: no Location header", response.status()))
        .to_str()
        .expect("ASCII Location");
    Url::parse(value).expect("absolute Location")
}

fn query_param(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// The authorization request parameters, as an app puts them in the query string.
fn authorize_query(
    client: &Client,
    redirect_uri: &str,
    scope: &str,
    state: &str,
    challenge: Option<&str>,
) -> Vec<(String, String)> {
    let mut query = vec![
        ("response_type".to_owned(), "code".to_owned()),
        ("client_id".to_owned(), client.client_id.clone()),
        ("redirect_uri".to_owned(), redirect_uri.to_owned()),
        ("scope".to_owned(), scope.to_owned()),
        ("state".to_owned(), state.to_owned()),
    ];
    if let Some(challenge) = challenge {
        query.push(("code_challenge".to_owned(), challenge.to_owned()));
        query.push(("code_challenge_method".to_owned(), "S256".to_owned()));
    }
    query
}

async fn get_authorize(app: &TestApp, query: &[(String, String)]) -> Response {
    app.get("/oauth/authorize")
        .query(query)
        .send()
        .await
        .expect("GET /oauth/authorize")
}

/// The consent page as a browser sees it: the CSRF cookie and the form's hidden fields.
struct ConsentPage {
    cookie: String,
    fields: Vec<(String, String)>,
    html: String,
}

async fn open_consent(app: &TestApp, query: &[(String, String)]) -> ConsentPage {
    let response = get_authorize(app, query).await;
    let cookie = csrf_cookie(&response);
    let (status, html) = text_body(response).await;
    assert_eq!(status, StatusCode::OK, "consent page: {html}");
    let cookie = cookie.expect("the consent page sets the hamlet_csrf cookie");
    ConsentPage {
        cookie,
        fields: hidden_fields(&html),
        html,
    }
}

/// Posts the consent form: the page's hidden fields plus `extra` (which override them),
/// with `cookie` as the CSRF cookie.
async fn post_consent(
    app: &TestApp,
    page: &ConsentPage,
    cookie: Option<&str>,
    extra: &[(&str, &str)],
) -> Response {
    let mut fields: Vec<(String, String)> = page
        .fields
        .iter()
        .filter(|(name, _)| !extra.iter().any(|(k, _)| k == name))
        .cloned()
        .collect();
    fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let mut request = app.post("/oauth/authorize").form(&fields);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("hamlet_csrf={cookie}"));
    }
    request.send().await.expect("POST /oauth/authorize")
}

/// Signs in and approves on the consent page.
async fn approve(app: &TestApp, page: &ConsentPage, member: &TestMember) -> Response {
    post_consent(
        app,
        page,
        Some(&page.cookie),
        &[
            ("username", member.username()),
            ("password", &member.password),
            ("decision", "approve"),
        ],
    )
    .await
}

/// The whole browser part of the flow: an authorization code for `member`.
async fn authorize_code(
    app: &TestApp,
    client: &Client,
    member: &TestMember,
    redirect_uri: &str,
    scope: &str,
    challenge: Option<&str>,
) -> String {
    let page = open_consent(
        app,
        &authorize_query(client, redirect_uri, scope, "s1", challenge),
    )
    .await;
    let response = approve(app, &page, member).await;
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {}",
        response.status()
    );
    let target = location(&response);
    assert!(target.as_str().starts_with(redirect_uri), "{target}");
    assert_eq!(query_param(&target, "state").as_deref(), Some("s1"));
    query_param(&target, "code").expect("code in the redirect")
}

/// Redeems a code with a PKCE verifier (public client: no secret).
async fn redeem_with_verifier(
    app: &TestApp,
    client: &Client,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Response {
    token_request(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client.client_id),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ],
    )
    .await
}

fn assert_html(response: &Response) {
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("text/html"),
        "expected an HTML page, got {content_type:?}"
    );
    assert!(
        response.headers().get(header::LOCATION).is_none(),
        "a page must not redirect"
    );
}

/// Every application whose id was generated after `before` and before `after` (ids are
/// milliseconds << 16 | a per-process sequence, so the candidates are few).
async fn applications_created_between(app: &TestApp, before: Id, after: Id) -> Vec<Application> {
    let (before, after) = (before.as_i64(), after.as_i64());
    let (ms_from, ms_to) = (before >> 16, after >> 16);
    let sequences = ((after & 0xffff) - (before & 0xffff)).rem_euclid(1 << 16);
    let candidates = (sequences - 1).max(0) * (ms_to - ms_from + 1);
    assert!(candidates < 200_000, "too many candidate ids: {candidates}");
    let mut found = Vec::new();
    for step in 1..sequences {
        let sequence = ((before & 0xffff) + step) & 0xffff;
        for ms in ms_from..=ms_to {
            let id = Id::from_i64((ms << 16) | sequence);
            if let Some(application) = app.store.application_by_id(id).await.expect("lookup") {
                found.push(application);
            }
        }
    }
    found
}

fn id_marker() -> Id {
    Id::generate(Timestamp::now())
}

// ---------------------------------------------------------------------------------------
// App registration
// ---------------------------------------------------------------------------------------

fn assert_credential_application(body: &Value, redirect_uris: &[&str], scopes: &[&str]) {
    assert!(body["id"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
    assert_eq!(body["name"], "Test Client");
    assert_eq!(body["website"], "https://app.example");
    assert_eq!(body["redirect_uri"], redirect_uris.join("\n"));
    assert_eq!(body["redirect_uris"], json!(redirect_uris));
    assert_eq!(body["scopes"], json!(scopes));
    assert!(
        body["client_id"].as_str().is_some_and(|s| s.len() >= 32),
        "{body}"
    );
    assert!(
        body["client_secret"]
            .as_str()
            .is_some_and(|s| s.len() >= 32),
        "{body}"
    );
    assert_ne!(body["client_id"], body["client_secret"]);
    assert!(body["vapid_key"].is_string(), "{body}");
}

#[tokio::test]
async fn registers_an_app_from_a_json_body() {
    let app = spawn_app().await;
    let response = app
        .post("/api/v1/apps")
        .json(&json!({
            "client_name": "Test Client",
            "redirect_uris": [REDIRECT, OOB],
            "scopes": "write read",
            "website": "https://app.example",
        }))
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_credential_application(&body, &[REDIRECT, OOB], &["read", "write"]);

    let stored = app
        .store
        .application_by_client_id(body["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .expect("the app is stored");
    assert_eq!(stored.id.to_string(), body["id"].as_str().unwrap());
    assert_eq!(stored.name, "Test Client");
    assert_eq!(stored.redirect_uris, vec![REDIRECT, OOB]);
    // Only a digest of the secret is kept.
    let client_secret = body["client_secret"].as_str().unwrap();
    assert_ne!(stored.client_secret_digest, client_secret);
    assert_eq!(stored.client_secret_digest, secret::digest(client_secret));
}

#[tokio::test]
async fn registers_an_app_from_a_form_body() {
    let app = spawn_app().await;
    let redirect_uris = format!("{REDIRECT}\n{OTHER_REDIRECT}");
    let response = app
        .post("/api/v1/apps")
        .form(&[
            ("client_name", "Test Client"),
            ("redirect_uris", redirect_uris.as_str()),
            ("scopes", "read write:statuses"),
            ("website", "https://app.example"),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_credential_application(
        &body,
        &[REDIRECT, OTHER_REDIRECT],
        &["read", "write:statuses"],
    );
}

#[tokio::test]
async fn registers_an_app_from_a_form_body_with_array_keys() {
    let app = spawn_app().await;
    let response = app
        .post("/api/v1/apps")
        .form(&[
            ("client_name", "Test Client"),
            ("redirect_uris[]", REDIRECT),
            ("redirect_uris[]", OOB),
            ("scopes[]", "read"),
            ("scopes[]", "follow"),
            ("website", "https://app.example"),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_credential_application(&body, &[REDIRECT, OOB], &["follow", "read"]);
}

#[tokio::test]
async fn registers_an_app_from_a_multipart_body() {
    let app = spawn_app().await;
    let boundary = "hamlet-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (name, value) in [
        ("client_name", "Test Client"),
        ("redirect_uris", REDIRECT),
        ("scopes", "read write"),
        ("website", "https://app.example"),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let response = app
        .post("/api/v1/apps")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_credential_application(&body, &[REDIRECT], &["read", "write"]);
}

#[tokio::test]
async fn registration_without_scopes_defaults_to_read() {
    let app = spawn_app().await;
    let response = app
        .post("/api/v1/apps")
        .json(&json!({"client_name": "Test Client", "redirect_uris": OOB}))
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scopes"], json!(["read"]));
    assert_eq!(body["redirect_uris"], json!([OOB]));
    assert_eq!(body["website"], Value::Null);
}

/// Sends a registration that must be refused with 422 and a `Validation failed` message,
/// and checks that no application was stored.
async fn assert_registration_refused(app: &TestApp, params: Value, mentions: &str) {
    let before = id_marker();
    let response = app.post("/api/v1/apps").json(&params).send().await.unwrap();
    let (status, body) = json_body(response).await;
    let after = id_marker();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{params}: {body}");
    let error = body["error"].as_str().expect("error string");
    assert!(
        error.starts_with("Validation failed: "),
        "{params}: {error}"
    );
    assert!(
        error.contains(mentions),
        "{params}: {error:?} should mention {mentions:?}"
    );
    assert!(body.get("client_id").is_none() && body.get("client_secret").is_none());
    let stored = applications_created_between(app, before, after).await;
    assert!(stored.is_empty(), "{params}: an app was stored: {stored:?}");
}

#[tokio::test]
async fn refused_registrations_store_nothing() {
    let app = spawn_app().await;

    // The check itself finds an app that was stored.
    let before = id_marker();
    let client = register(&app, &[REDIRECT], "read").await;
    let after = id_marker();
    let found = applications_created_between(&app, before, after).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].client_id, client.client_id);

    assert_registration_refused(
        &app,
        json!({"redirect_uris": REDIRECT, "scopes": "read"}),
        "client_name",
    )
    .await;
    assert_registration_refused(
        &app,
        json!({"client_name": "   ", "redirect_uris": REDIRECT}),
        "client_name",
    )
    .await;
    assert_registration_refused(
        &app,
        json!({"client_name": "Test Client", "scopes": "read"}),
        "redirect_uris",
    )
    .await;
    assert_registration_refused(
        &app,
        json!({"client_name": "Test Client", "redirect_uris": ""}),
        "redirect_uris",
    )
    .await;
    assert_registration_refused(
        &app,
        json!({"client_name": "Test Client", "redirect_uris": "javascript:alert(1)"}),
        "redirect_uris",
    )
    .await;
    assert_registration_refused(
        &app,
        json!({"client_name": "Test Client", "redirect_uris": [REDIRECT, "data:text/html,hi"]}),
        "redirect_uris",
    )
    .await;
    assert_registration_refused(
        &app,
        json!({"client_name": "Test Client", "redirect_uris": "/relative/callback"}),
        "redirect_uris",
    )
    .await;
    assert_registration_refused(
        &app,
        json!({"client_name": "Test Client", "redirect_uris": "https://app.example/cb#fragment"}),
        "redirect_uris",
    )
    .await;
    assert_registration_refused(
        &app,
        json!({"client_name": "Test Client", "redirect_uris": REDIRECT, "scopes": "read launch:missiles"}),
        "scopes",
    )
    .await;
    assert_registration_refused(
        &app,
        json!({"client_name": "x".repeat(61), "redirect_uris": REDIRECT}),
        "client_name",
    )
    .await;
    assert_registration_refused(
        &app,
        json!({"client_name": "Test Client", "redirect_uris": REDIRECT, "website": "javascript:alert(1)"}),
        "website",
    )
    .await;
}

#[tokio::test]
async fn registration_refuses_a_form_with_a_javascript_redirect_uri() {
    let app = spawn_app().await;
    let response = app
        .post("/api/v1/apps")
        .form(&[
            ("client_name", "Test Client"),
            ("redirect_uris", "javascript:alert(document.cookie)"),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("Validation failed: "),
        "{body}"
    );
}

#[tokio::test]
async fn registration_with_malformed_json_is_a_bad_request() {
    let app = spawn_app().await;
    let before = id_marker();
    let response = app
        .post("/api/v1/apps")
        .header(header::CONTENT_TYPE, "application/json")
        .body(r#"{"client_name": "Test Client", "redirect_uris": "#)
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    let after = id_marker();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    assert!(
        applications_created_between(&app, before, after)
            .await
            .is_empty()
    );

    // A JSON body that is not an object is refused too.
    let response = app
        .post("/api/v1/apps")
        .header(header::CONTENT_TYPE, "application/json")
        .body(r#"["Test Client"]"#)
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].is_string(), "{body}");
}

#[tokio::test]
async fn registration_larger_than_the_default_limit_is_refused() {
    let app = spawn_app().await;
    assert_eq!(app.settings.max_request_bytes, 1024 * 1024);
    let padding = "x".repeat(app.settings.max_request_bytes + 1);
    let body = json!({"client_name": "Test Client", "redirect_uris": REDIRECT, "website": padding})
        .to_string();
    let response = app
        .post("/api/v1/apps")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .expect("the server answers a too-large body");
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn registration_larger_than_a_configured_limit_is_refused() {
    let app = spawn_app_with(|s| s.max_request_bytes = 2048).await;
    let before = id_marker();
    let response = app
        .post("/api/v1/apps")
        .form(&[
            ("client_name", "Test Client"),
            ("redirect_uris", REDIRECT),
            (
                "website",
                &format!("https://app.example/{}", "a".repeat(3000)),
            ),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    let after = id_marker();
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["error"].as_str().unwrap().contains("2048"), "{body}");
    assert!(
        applications_created_between(&app, before, after)
            .await
            .is_empty()
    );

    // Under the limit, the same endpoint works.
    register(&app, &[REDIRECT], "read").await;
}

// ---------------------------------------------------------------------------------------
// Password grant
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn password_grant_issues_a_working_token() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read write").await;
    let before = Timestamp::now().as_secs();
    let response = password_grant(
        &app,
        &client,
        member.username(),
        &member.password,
        "read write",
    )
    .await;
    assert_eq!(
        response
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().expect("access_token");
    assert!(token.len() >= 32);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "read write");
    let created_at = body["created_at"].as_i64().expect("created_at in seconds");
    assert!(
        (before..=Timestamp::now().as_secs()).contains(&created_at),
        "{created_at}"
    );

    let (status, account) = json_body(verify_credentials(&app, token).await).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["id"], member.id());
    assert_eq!(account["username"], "alice");

    // The token belongs to the app that asked for it.
    let (status, registered) = json_body(
        app.get("/api/v1/apps/verify_credentials")
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{registered}");
    assert_eq!(registered["id"], client.id);
    assert_eq!(registered["name"], "Test Client");
    assert!(registered.get("client_secret").is_none(), "{registered}");
}

#[tokio::test]
async fn password_grant_without_scope_gets_read() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read write").await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "password"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("username", member.username()),
            ("password", &member.password),
        ],
    )
    .await;
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "read");
}

#[tokio::test]
async fn password_grant_accepts_a_json_body() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    let response = app
        .post("/oauth/token")
        .json(&json!({
            "grant_type": "password",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "username": "alice",
            "password": member.password,
            "scope": "read",
        }))
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(verify_status(&app, token).await, StatusCode::OK);
}

#[tokio::test]
async fn password_grant_with_a_wrong_password_is_invalid_grant() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    let response = password_grant(&app, &client, "alice", "not-the-password", "read").await;
    let body = assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert!(body.get("access_token").is_none());

    // An unknown login fails the same way.
    let response = password_grant(&app, &client, "nobody", &member.password, "read").await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn password_grant_with_an_unknown_client_is_invalid_client() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let unknown = Client {
        id: "0".into(),
        client_id: secret::generate(),
        client_secret: secret::generate(),
    };
    let response = password_grant(&app, &unknown, "alice", &member.password, "read").await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn password_grant_with_a_wrong_client_secret_is_invalid_client() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    let other = register(&app, &[OOB], "read").await;
    let forged = Client {
        id: client.id.clone(),
        client_id: client.client_id.clone(),
        client_secret: other.client_secret.clone(),
    };
    let response = password_grant(&app, &forged, "alice", &member.password, "read").await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    // Without any secret, the password grant is refused too.
    let response = token_request(
        &app,
        &[
            ("grant_type", "password"),
            ("client_id", &client.client_id),
            ("username", "alice"),
            ("password", &member.password),
        ],
    )
    .await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn password_grant_beyond_the_registered_scopes_is_invalid_scope() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    for scope in ["read write", "write:statuses", "admin:read", "read bogus"] {
        let response = password_grant(&app, &client, "alice", &member.password, scope).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
    }
    // A narrower scope than registered is fine.
    let response = password_grant(&app, &client, "alice", &member.password, "read:accounts").await;
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "read:accounts");
}

#[tokio::test]
async fn password_grant_accepts_http_basic_client_authentication() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    let basic = STANDARD.encode(format!("{}:{}", client.client_id, client.client_secret));
    let response = app
        .post("/oauth/token")
        .header(header::AUTHORIZATION, format!("Basic {basic}"))
        .form(&[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", member.password.as_str()),
            ("scope", "read"),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(verify_status(&app, token).await, StatusCode::OK);

    // A wrong secret in Basic authentication is refused.
    let wrong = STANDARD.encode(format!("{}:{}", client.client_id, secret::generate()));
    let response = app
        .post("/oauth/token")
        .header(header::AUTHORIZATION, format!("Basic {wrong}"))
        .form(&[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", member.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn password_grant_login_ignores_username_case() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    for login in ["ALICE", "Alice", " alice "] {
        let response = password_grant(&app, &client, login, &member.password, "read").await;
        let (status, body) = json_body(response).await;
        assert_eq!(status, StatusCode::OK, "{login:?}: {body}");
        let token = body["access_token"].as_str().unwrap();
        let (_, account) = json_body(verify_credentials(&app, token).await).await;
        assert_eq!(account["id"], member.id(), "{login:?}");
    }
    // The password, though, is case-sensitive.
    let response = password_grant(
        &app,
        &client,
        "alice",
        &member.password.to_uppercase(),
        "read",
    )
    .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn token_requests_without_or_with_an_unknown_grant_type_are_refused() {
    let app = spawn_app().await;
    let client = register(&app, &[OOB], "read").await;
    let response = token_request(
        &app,
        &[
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ],
    )
    .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "implicit"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ],
    )
    .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "unsupported_grant_type").await;
}

// ---------------------------------------------------------------------------------------
// Client credentials grant
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn client_credentials_token_acts_for_the_app_only() {
    let app = spawn_app().await;
    let client = register(&app, &[OOB], "read write").await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("scope", "read"),
        ],
    )
    .await;
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "read");
    let token = body["access_token"].as_str().unwrap();

    let (status, registered) = json_body(
        app.get("/api/v1/apps/verify_credentials")
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{registered}");
    assert_eq!(registered["id"], client.id);
    assert_eq!(registered["name"], "Test Client");
    assert_eq!(registered["scopes"], json!(["read", "write"]));

    assert_api_error(
        verify_credentials(&app, token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "This method requires an authenticated user",
    )
    .await;
}

#[tokio::test]
async fn client_credentials_grant_requires_the_secret() {
    let app = spawn_app().await;
    let client = register(&app, &[OOB], "read").await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
        ],
    )
    .await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("scope", "write"),
        ],
    )
    .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
}

#[tokio::test]
async fn apps_verify_credentials_requires_a_valid_token() {
    let app = spawn_app().await;
    assert_api_error(
        app.get("/api/v1/apps/verify_credentials")
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
        "The access token is invalid",
    )
    .await;
    assert_api_error(
        app.get("/api/v1/apps/verify_credentials")
            .bearer_auth(secret::generate())
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
        "The access token is invalid",
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Authorization code flow
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn authorization_code_flow_with_pkce_through_the_consent_page() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read write").await;
    let (verifier, challenge) = pkce_pair();
    let state = "st&te/with spaces=\"quoted\"";

    // The consent page.
    let response = get_authorize(
        &app,
        &authorize_query(
            &client,
            REDIRECT,
            "read write:statuses",
            state,
            Some(&challenge),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_html(&response);
    let headers = response.headers().clone();
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let set_cookie = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hamlet_csrf="))
        .expect("the page sets the CSRF cookie")
        .to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = csrf_cookie(&response).unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("Test Client"), "the page names the app");
    assert!(html.contains("write:statuses"), "the page lists the scopes");
    let page = ConsentPage {
        fields: hidden_fields(&html),
        cookie,
        html,
    };
    assert_eq!(csrf_field(&page.html), page.cookie);
    let field = |name: &str| {
        page.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        field("client_id").as_deref(),
        Some(client.client_id.as_str())
    );
    assert_eq!(field("redirect_uri").as_deref(), Some(REDIRECT));
    assert_eq!(field("state").as_deref(), Some(state));
    assert_eq!(field("code_challenge").as_deref(), Some(challenge.as_str()));
    assert_eq!(field("code_challenge_method").as_deref(), Some("S256"));

    // Approving redirects to the app with a code and the state.
    let response = approve(&app, &page, &member).await;
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {}",
        response.status()
    );
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let target = location(&response);
    assert_eq!(
        format!(
            "{}://{}{}",
            target.scheme(),
            target.host_str().unwrap(),
            target.path()
        ),
        REDIRECT
    );
    assert_eq!(query_param(&target, "state").as_deref(), Some(state));
    assert!(query_param(&target, "error").is_none(), "{target}");
    let code = query_param(&target, "code").expect("code");

    // The code and the verifier buy a token (a public client: no secret).
    let response = redeem_with_verifier(&app, &client, &code, REDIRECT, &verifier).await;
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "read write:statuses");
    assert!(body["created_at"].is_i64());
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, account) = json_body(verify_credentials(&app, &token).await).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["id"], member.id());

    // Presenting the code again fails and revokes what it issued.
    let response = redeem_with_verifier(&app, &client, &code, REDIRECT, &verifier).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_api_error(
        verify_credentials(&app, &token).await,
        StatusCode::UNAUTHORIZED,
        "The access token is invalid",
    )
    .await;
}

#[tokio::test]
async fn the_csrf_cookie_is_reused_while_it_is_valid() {
    let app = spawn_app().await;
    let client = register(&app, &[REDIRECT], "read").await;
    let query = authorize_query(&client, REDIRECT, "read", "s", None);
    let first = open_consent(&app, &query).await;
    let response = app
        .get("/oauth/authorize")
        .query(&query)
        .header(header::COOKIE, format!("hamlet_csrf={}", first.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(csrf_cookie(&response).is_none(), "no new cookie is set");
    let html = response.text().await.unwrap();
    assert_eq!(csrf_field(&html), first.cookie);
}

#[tokio::test]
async fn a_wrong_code_verifier_is_invalid_grant_and_spends_the_code() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read").await;
    let (verifier, challenge) = pkce_pair();
    let code = authorize_code(&app, &client, &member, REDIRECT, "read", Some(&challenge)).await;

    let (other_verifier, _) = pkce_pair();
    let response = redeem_with_verifier(&app, &client, &code, REDIRECT, &other_verifier).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;

    // The right verifier no longer helps: the code is spent.
    let response = redeem_with_verifier(&app, &client, &code, REDIRECT, &verifier).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_missing_code_verifier_is_invalid_grant_even_with_the_secret() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read").await;
    let (_, challenge) = pkce_pair();
    let code = authorize_code(&app, &client, &member, REDIRECT, "read", Some(&challenge)).await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_redirect_uri_mismatch_at_token_time_is_invalid_grant() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    // Both URIs are registered: the one sent to /oauth/token must still be the one the
    // code was issued for.
    let client = register(&app, &[REDIRECT, OTHER_REDIRECT], "read").await;
    let (verifier, challenge) = pkce_pair();
    let code = authorize_code(&app, &client, &member, REDIRECT, "read", Some(&challenge)).await;
    let response = redeem_with_verifier(&app, &client, &code, OTHER_REDIRECT, &verifier).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_code_presented_by_another_client_is_invalid_grant() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read").await;
    let thief = register(&app, &[REDIRECT], "read").await;
    let (verifier, challenge) = pkce_pair();
    let code = authorize_code(&app, &client, &member, REDIRECT, "read", Some(&challenge)).await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &thief.client_id),
            ("client_secret", &thief.client_secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    let body = assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert!(body.get("access_token").is_none());

    // Without PKCE, too.
    let code = authorize_code(&app, &client, &member, REDIRECT, "read", None).await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &thief.client_id),
            ("client_secret", &thief.client_secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn an_unknown_code_is_invalid_grant() {
    let app = spawn_app().await;
    let client = register(&app, &[REDIRECT], "read").await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("code", &secret::generate()),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn without_pkce_the_client_must_send_its_secret() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read write").await;

    let code = authorize_code(&app, &client, &member, REDIRECT, "read", None).await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client.client_id),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    let body = assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    assert!(body.get("access_token").is_none());

    // With the secret (in the body, or as HTTP Basic), a code without PKCE works.
    let code = authorize_code(&app, &client, &member, REDIRECT, "read", None).await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "read");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(verify_status(&app, token).await, StatusCode::OK);

    let code = authorize_code(&app, &client, &member, REDIRECT, "write", None).await;
    let basic = STANDARD.encode(format!("{}:{}", client.client_id, client.client_secret));
    let response = app
        .post("/oauth/token")
        .header(header::AUTHORIZATION, format!("Basic {basic}"))
        .form(&[("grant_type", "authorization_code"), ("code", &code)])
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "write");

    // A verifier for a code issued without a challenge is refused.
    let code = authorize_code(&app, &client, &member, REDIRECT, "read", None).await;
    let (verifier, _) = pkce_pair();
    let response = token_request(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn out_of_band_redirect_shows_the_code_on_the_page() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    let (verifier, challenge) = pkce_pair();
    // With one registered URI the app may leave redirect_uri out.
    let mut query = authorize_query(&client, OOB, "read", "", Some(&challenge));
    query.retain(|(k, _)| k != "redirect_uri");
    let page = open_consent(&app, &query).await;
    assert!(
        page.fields
            .iter()
            .any(|(k, v)| k == "redirect_uri" && v == OOB),
        "{:?}",
        page.fields
    );
    let response = approve(&app, &page, &member).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_html(&response);
    let html = response.text().await.unwrap();
    let marker = "<code class=\"code\" id=\"code\">";
    let start = html.find(marker).expect("the page shows the code") + marker.len();
    let end = start + html[start..].find('<').unwrap();
    let code = html_unescape(html[start..end].trim());
    assert_eq!(code.len(), 43, "{code:?}");

    let response = redeem_with_verifier(&app, &client, &code, OOB, &verifier).await;
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(verify_status(&app, token).await, StatusCode::OK);
}

#[tokio::test]
async fn denying_redirects_with_access_denied_and_issues_no_code() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read").await;
    let page = open_consent(
        &app,
        &authorize_query(&client, REDIRECT, "read", "deny-state", None),
    )
    .await;
    let response = post_consent(
        &app,
        &page,
        Some(&page.cookie),
        &[
            ("username", member.username()),
            ("password", &member.password),
            ("decision", "deny"),
        ],
    )
    .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let target = location(&response);
    assert!(target.as_str().starts_with(REDIRECT), "{target}");
    assert_eq!(
        query_param(&target, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_param(&target, "state").as_deref(), Some("deny-state"));
    assert!(query_param(&target, "code").is_none(), "{target}");

    // Denying needs no password.
    let response = post_consent(&app, &page, Some(&page.cookie), &[("decision", "deny")]).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let target = location(&response);
    assert_eq!(
        query_param(&target, "error").as_deref(),
        Some("access_denied")
    );
    assert!(query_param(&target, "code").is_none(), "{target}");
}

#[tokio::test]
async fn a_wrong_password_on_the_form_shows_the_page_again() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read").await;
    let page = open_consent(&app, &authorize_query(&client, REDIRECT, "read", "s", None)).await;
    let response = post_consent(
        &app,
        &page,
        Some(&page.cookie),
        &[
            ("username", "alice"),
            ("password", "wrong-password"),
            ("decision", "approve"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_html(&response);
    let html = response.text().await.unwrap();
    assert!(html.contains("Wrong username or password."), "{html}");
    assert!(html.contains("value=\"alice\""), "the username is kept");
    assert!(
        !html.contains("wrong-password"),
        "the password is not echoed"
    );
    // The page can be submitted again, with the right password this time.
    let retry = ConsentPage {
        cookie: page.cookie.clone(),
        fields: hidden_fields(&html),
        html,
    };
    assert_eq!(csrf_field(&retry.html), page.cookie);
    let response = approve(&app, &retry, &member).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert!(query_param(&location(&response), "code").is_some());
}

/// A case name, the CSRF cookie sent, and the form fields added to the page's.
type CsrfCase<'a> = (&'a str, Option<&'a str>, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn the_consent_form_refuses_a_missing_or_forged_csrf_token() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read").await;
    let page = open_consent(&app, &authorize_query(&client, REDIRECT, "read", "s", None)).await;
    let sign_in = [
        ("username", member.username()),
        ("password", member.password.as_str()),
        ("decision", "approve"),
    ];
    let forged = secret::generate();
    let cases: Vec<CsrfCase> = vec![
        ("no cookie", None, sign_in.to_vec()),
        ("forged cookie", Some(&forged), sign_in.to_vec()),
        (
            "forged field",
            Some(&page.cookie),
            [sign_in.as_slice(), &[("csrf_token", forged.as_str())]].concat(),
        ),
        (
            "empty field",
            Some(&page.cookie),
            [sign_in.as_slice(), &[("csrf_token", "")]].concat(),
        ),
        (
            "empty cookie and field",
            Some(""),
            [sign_in.as_slice(), &[("csrf_token", "")]].concat(),
        ),
    ];
    for (case, cookie, extra) in cases {
        let response = post_consent(&app, &page, cookie, &extra).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{case}");
        assert_html(&response);
        let html = response.text().await.unwrap();
        assert!(html.contains("Form expired"), "{case}: {html}");
    }

    // The field left out entirely.
    let fields: Vec<(String, String)> = page
        .fields
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .cloned()
        .chain(sign_in.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let response = app
        .post("/oauth/authorize")
        .header(header::COOKIE, format!("hamlet_csrf={}", page.cookie))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_html(&response);

    // A deny without a valid token is refused as well (no redirect at all).
    let response = post_consent(&app, &page, None, &[("decision", "deny")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_html(&response);
}

#[tokio::test]
async fn an_unknown_client_gets_an_error_page_not_a_redirect() {
    let app = spawn_app().await;
    let unknown = Client {
        id: "0".into(),
        client_id: secret::generate(),
        client_secret: secret::generate(),
    };
    let response = get_authorize(
        &app,
        &authorize_query(&unknown, REDIRECT, "read", "s", None),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_html(&response);
    let html = response.text().await.unwrap();
    assert!(html.contains("Unknown app"), "{html}");

    // No client_id at all.
    let response = app
        .get("/oauth/authorize?response_type=code")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_html(&response);
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT, OTHER_REDIRECT], "read").await;
    for uri in [
        "https://evil.example/callback",
        "https://app.example/callback/extra",
        "https://app.example/callback?x=1",
    ] {
        let response = get_authorize(&app, &authorize_query(&client, uri, "read", "s", None)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
        assert_html(&response);
        let html = response.text().await.unwrap();
        assert!(html.contains("Invalid redirect URI"), "{uri}: {html}");
    }
    // With several registered URIs, leaving redirect_uri out is not allowed either.
    let mut query = authorize_query(&client, REDIRECT, "read", "s", None);
    query.retain(|(k, _)| k != "redirect_uri");
    let response = get_authorize(&app, &query).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_html(&response);

    // Posting the form with a swapped redirect URI is refused the same way: no code goes
    // to an address the app did not register.
    let page = open_consent(&app, &authorize_query(&client, REDIRECT, "read", "s", None)).await;
    let response = post_consent(
        &app,
        &page,
        Some(&page.cookie),
        &[
            ("redirect_uri", "https://evil.example/callback"),
            ("username", member.username()),
            ("password", &member.password),
            ("decision", "approve"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_html(&response);
}

#[tokio::test]
async fn a_scope_beyond_the_app_redirects_with_invalid_scope() {
    let app = spawn_app().await;
    let client = register(&app, &[REDIRECT], "read").await;
    for scope in ["read write", "admin:read", "read bogus"] {
        let response = get_authorize(
            &app,
            &authorize_query(&client, REDIRECT, scope, "scope-state", None),
        )
        .await;
        assert!(
            response.status().is_redirection(),
            "{scope}: {}",
            response.status()
        );
        let target = location(&response);
        assert!(target.as_str().starts_with(REDIRECT), "{target}");
        assert_eq!(
            query_param(&target, "error").as_deref(),
            Some("invalid_scope"),
            "{scope}"
        );
        assert_eq!(
            query_param(&target, "state").as_deref(),
            Some("scope-state")
        );
        assert!(query_param(&target, "code").is_none());
    }
}

#[tokio::test]
async fn a_plain_code_challenge_redirects_with_invalid_request() {
    let app = spawn_app().await;
    let client = register(&app, &[REDIRECT], "read").await;
    let (verifier, challenge) = pkce_pair();
    let mut query = authorize_query(&client, REDIRECT, "read", "pkce-state", None);
    query.push(("code_challenge".into(), verifier.clone()));
    query.push(("code_challenge_method".into(), "plain".into()));
    let response = get_authorize(&app, &query).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let target = location(&response);
    assert_eq!(
        query_param(&target, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_param(&target, "state").as_deref(), Some("pkce-state"));
    assert!(query_param(&target, "code").is_none());

    // A challenge without a method is not taken as S256 either.
    let mut query = authorize_query(&client, REDIRECT, "read", "pkce-state", None);
    query.push(("code_challenge".into(), challenge));
    let response = get_authorize(&app, &query).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(
        query_param(&location(&response), "error").as_deref(),
        Some("invalid_request")
    );

    // Nor is a malformed S256 challenge accepted.
    let mut query = authorize_query(&client, REDIRECT, "read", "pkce-state", None);
    query.push(("code_challenge".into(), "too-short".into()));
    query.push(("code_challenge_method".into(), "S256".into()));
    let response = get_authorize(&app, &query).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(
        query_param(&location(&response), "error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn an_unsupported_response_type_redirects_with_an_error() {
    let app = spawn_app().await;
    let client = register(&app, &[REDIRECT], "read").await;
    let mut query = authorize_query(&client, REDIRECT, "read", "rt", None);
    query.retain(|(k, _)| k != "response_type");
    query.push(("response_type".into(), "token".into()));
    let response = get_authorize(&app, &query).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let target = location(&response);
    assert_eq!(
        query_param(&target, "error").as_deref(),
        Some("unsupported_response_type")
    );
    assert_eq!(query_param(&target, "state").as_deref(), Some("rt"));
}

#[tokio::test]
async fn a_suspended_member_cannot_authorize_on_the_form() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read").await;
    app.store
        .set_suspended(member.member.account.id, Some(Timestamp::now()))
        .await
        .unwrap();
    let page = open_consent(&app, &authorize_query(&client, REDIRECT, "read", "s", None)).await;
    let response = approve(&app, &page, &member).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_html(&response);
    let html = response.text().await.unwrap();
    assert!(html.contains("Your login is currently disabled."), "{html}");
}

// ---------------------------------------------------------------------------------------
// Revocation
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn revoking_a_token_stops_it_at_once() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    let token = password_token(&app, &client, &member, "read").await;
    let other = password_token(&app, &client, &member, "read").await;
    assert_eq!(verify_status(&app, &token).await, StatusCode::OK);

    let response = app
        .post("/oauth/revoke")
        .form(&[
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
            ("token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({}));

    let response = verify_credentials(&app, &token).await;
    assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    assert_api_error(
        response,
        StatusCode::UNAUTHORIZED,
        "The access token is invalid",
    )
    .await;
    // Other tokens of the same member and app are untouched.
    assert_eq!(verify_status(&app, &other).await, StatusCode::OK);

    // Revoking again, or revoking a token that never existed, answers the same.
    for unknown in [token.clone(), secret::generate()] {
        let response = app
            .post("/oauth/revoke")
            .form(&[
                ("client_id", client.client_id.as_str()),
                ("client_secret", client.client_secret.as_str()),
                ("token", unknown.as_str()),
            ])
            .send()
            .await
            .unwrap();
        let (status, body) = json_body(response).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, json!({}));
    }
}

#[tokio::test]
async fn revoking_accepts_http_basic_client_authentication() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    let token = password_token(&app, &client, &member, "read").await;
    let basic = STANDARD.encode(format!("{}:{}", client.client_id, client.client_secret));
    let response = app
        .post("/oauth/revoke")
        .header(header::AUTHORIZATION, format!("Basic {basic}"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(verify_status(&app, &token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoking_without_the_client_secret_is_invalid_client() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    let token = password_token(&app, &client, &member, "read").await;

    let response = app
        .post("/oauth/revoke")
        .form(&[
            ("client_id", client.client_id.as_str()),
            ("token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    let response = app
        .post("/oauth/revoke")
        .form(&[
            ("client_id", client.client_id.as_str()),
            ("client_secret", &secret::generate()),
            ("token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    let response = app
        .post("/oauth/revoke")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    assert_eq!(verify_status(&app, &token).await, StatusCode::OK);
}

#[tokio::test]
async fn an_app_cannot_revoke_another_apps_token() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    let other = register(&app, &[OOB], "read").await;
    let token = password_token(&app, &client, &member, "read").await;
    let response = app
        .post("/oauth/revoke")
        .form(&[
            ("client_id", other.client_id.as_str()),
            ("client_secret", other.client_secret.as_str()),
            ("token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({}));
    assert_eq!(verify_status(&app, &token).await, StatusCode::OK);
}

// ---------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn scopes_are_enforced_on_account_endpoints() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read write profile").await;

    let read = password_token(&app, &client, &member, "read").await;
    assert_eq!(verify_status(&app, &read).await, StatusCode::OK);
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&read)
        .form(&[("display_name", "Mallory")])
        .send()
        .await
        .unwrap();
    assert_api_error(
        response,
        StatusCode::FORBIDDEN,
        "This action is outside the authorized scopes",
    )
    .await;

    let profile = password_token(&app, &client, &member, "profile").await;
    let (status, account) = json_body(verify_credentials(&app, &profile).await).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["id"], member.id());

    let read_accounts = password_token(&app, &client, &member, "read:accounts").await;
    assert_eq!(verify_status(&app, &read_accounts).await, StatusCode::OK);

    let write_statuses = password_token(&app, &client, &member, "write:statuses").await;
    assert_api_error(
        verify_credentials(&app, &write_statuses).await,
        StatusCode::FORBIDDEN,
        "This action is outside the authorized scopes",
    )
    .await;

    let write_accounts = password_token(&app, &client, &member, "write:accounts").await;
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&write_accounts)
        .form(&[("display_name", "Alice A.")])
        .send()
        .await
        .unwrap();
    let (status, account) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["display_name"], "Alice A.");
    // The read-only token did not change anything.
    let (_, account) = json_body(verify_credentials(&app, &read).await).await;
    assert_eq!(account["display_name"], "Alice A.");
}

// ---------------------------------------------------------------------------------------
// Suspension
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_suspended_member_cannot_sign_in_and_loses_their_tokens() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    let token = password_token(&app, &client, &member, "read").await;
    assert_eq!(verify_status(&app, &token).await, StatusCode::OK);

    app.store
        .set_suspended(member.member.account.id, Some(Timestamp::now()))
        .await
        .unwrap();

    let response = password_grant(&app, &client, "alice", &member.password, "read").await;
    let body = assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert!(body.get("access_token").is_none());

    // Suspending revokes the member's tokens: the old one is simply invalid now.
    let response = verify_credentials(&app, &token).await;
    assert_ne!(response.status(), StatusCode::OK);
    assert_api_error(
        response,
        StatusCode::UNAUTHORIZED,
        "The access token is invalid",
    )
    .await;
    // A token that exists anyway (issued straight through the store) is refused too.
    let late = app.token(&member, "read").await;
    assert_api_error(
        verify_credentials(&app, &late).await,
        StatusCode::FORBIDDEN,
        "Your login is currently disabled",
    )
    .await;

    // Lifting the suspension lets them sign in again; the revoked token stays revoked.
    app.store
        .set_suspended(member.member.account.id, None)
        .await
        .unwrap();
    assert_eq!(verify_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    password_token(&app, &client, &member, "read").await;
}

// ---------------------------------------------------------------------------------------
// Rate limiting
// ---------------------------------------------------------------------------------------

async fn assert_rate_limited(response: Response) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response
        .headers()
        .get(header::RETRY_AFTER)
        .expect("Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=301).contains(&retry_after), "{retry_after}");
    let (_, body) = json_body(response).await;
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn the_password_grant_is_rate_limited() {
    let app = spawn_app_with(|s| s.rate_limits.sign_in = 3).await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[OOB], "read").await;
    for attempt in 1..=3 {
        let response = password_grant(&app, &client, "alice", "wrong-password", "read").await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "attempt {attempt}"
        );
    }
    // The fourth attempt is refused even with the right password.
    let response = password_grant(&app, &client, "alice", &member.password, "read").await;
    assert_rate_limited(response).await;
}

#[tokio::test]
async fn the_consent_form_is_rate_limited() {
    let app = spawn_app_with(|s| s.rate_limits.sign_in = 3).await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read").await;
    let page = open_consent(&app, &authorize_query(&client, REDIRECT, "read", "s", None)).await;
    for attempt in 1..=3 {
        let response = post_consent(
            &app,
            &page,
            Some(&page.cookie),
            &[
                ("username", "alice"),
                ("password", "wrong-password"),
                ("decision", "approve"),
            ],
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let response = approve(&app, &page, &member).await;
    assert!(response.headers().get(header::LOCATION).is_none());
    assert_rate_limited(response).await;
}

#[tokio::test]
async fn sign_in_attempts_share_one_allowance() {
    let app = spawn_app_with(|s| s.rate_limits.sign_in = 3).await;
    let member = app.create_member("alice", Role::Member).await;
    let client = register(&app, &[REDIRECT], "read").await;
    let page = open_consent(&app, &authorize_query(&client, REDIRECT, "read", "s", None)).await;
    for _ in 0..2 {
        let response = password_grant(&app, &client, "alice", "wrong-password", "read").await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    let response = approve(&app, &page, &member).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let response = password_grant(&app, &client, "alice", &member.password, "read").await;
    assert_rate_limited(response).await;
}

// ---------------------------------------------------------------------------------------
// Server metadata
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn server_metadata_points_at_this_instance() {
    let app = spawn_app().await;
    let response = app
        .get("/.well-known/oauth-authorization-server")
        .send()
        .await
        .unwrap();
    let (status, body) = json_body(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let base = &app.address;
    assert_eq!(
        body["authorization_endpoint"],
        format!("{base}/oauth/authorize")
    );
    assert_eq!(body["token_endpoint"], format!("{base}/oauth/token"));
    assert_eq!(body["revocation_endpoint"], format!("{base}/oauth/revoke"));
    assert_eq!(body["userinfo_endpoint"], format!("{base}/oauth/userinfo"));
    assert_eq!(
        body["app_registration_endpoint"],
        format!("{base}/api/v1/apps")
    );
    assert!(
        body["issuer"].as_str().unwrap().starts_with(base.as_str()),
        "{body}"
    );
    assert_eq!(body["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(body["response_types_supported"], json!(["code"]));
    let grants = body["grant_types_supported"].as_array().unwrap();
    for grant in ["authorization_code", "password", "client_credentials"] {
        assert!(grants.contains(&json!(grant)), "{grant}");
    }
    let scopes = body["scopes_supported"].as_array().unwrap();
    for scope in ["read", "write", "profile", "read:accounts"] {
        assert!(scopes.contains(&json!(scope)), "{scope}");
    }

    // The endpoints it names are the ones that work.
    let authorize = Url::parse(body["authorization_endpoint"].as_str().unwrap()).unwrap();
    assert_eq!(authorize.path(), "/oauth/authorize");
    let response = app
        .client
        .post(body["token_endpoint"].as_str().unwrap())
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn userinfo_names_the_member_behind_a_profile_token() {
    let app = spawn_app().await;
    let member = app.create_member("alice", Role::Member).await;
    let base = &app.address;

    let profile = app.token(&member, "profile").await;
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        let response = app
            .client
            .request(method.clone(), format!("{base}/oauth/userinfo"))
            .bearer_auth(&profile)
            .send()
            .await
            .unwrap();
        let (status, body) = json_body(response).await;
        assert_eq!(status, StatusCode::OK, "{method}: {body}");
        assert_eq!(body["iss"], format!("{base}/"));
        assert_eq!(body["sub"], format!("{base}/users/alice"));
        assert_eq!(body["preferred_username"], "alice");
        assert_eq!(body["profile"], format!("{base}/@alice"));
        assert!(body["picture"].as_str().unwrap().starts_with(base.as_str()));
        assert!(body.get("email").is_none(), "no email claim: {body}");
    }

    // `read` does not imply `profile` here, as on Mastodon; no token at all is a 401.
    let read = app.token(&member, "read").await;
    let response = app
        .get("/oauth/userinfo")
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app.get("/oauth/userinfo").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
