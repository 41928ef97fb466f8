use serde::Serialize;

/// Mastodon's `Token`.
#[derive(Serialize, Debug, Clone)]
pub struct Token {
    pub access_token: String,
    pub token_type: &'static str,
    pub scope: String,
    pub created_at: i64,
}
