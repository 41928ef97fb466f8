use serde::Serialize;

use crate::entities::{Account, Status};

/// Mastodon's `Notification`.
#[derive(Serialize, Debug, Clone)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub group_key: String,
    pub created_at: String,
    pub account: Account,
    pub status: Option<Status>,
}

/// Mastodon's `Marker`.
#[derive(Serialize, Debug, Clone)]
pub struct Marker {
    pub last_read_id: String,
    pub version: i64,
    pub updated_at: String,
}
