//! Helpers shared by this crate's integration tests.
#![allow(dead_code)]

use hamlet_testkit::TestApp;
use serde_json::Value;

/// The JSON of a response, with the test server's random address replaced by a fixed one
/// so that snapshots are stable.
pub async fn stable_json(app: &TestApp, response: reqwest::Response) -> Value {
    let text = response.text().await.expect("response body");
    let stable = text.replace(&app.address, "http://hamlet.test").replace(
        &app.address.trim_start_matches("http://").to_owned(),
        "hamlet.test",
    );
    serde_json::from_str(&stable).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a Mastodon-shaped error: the status and an `error` string containing `needle`.
pub async fn assert_error(response: reqwest::Response, status: u16, needle: &str) {
    assert_eq!(response.status().as_u16(), status, "status");
    let body: Value = response.json().await.expect("JSON error body");
    let message = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error string in {body}"));
    assert!(
        message.contains(needle),
        "error {message:?} does not mention {needle:?}"
    );
}
