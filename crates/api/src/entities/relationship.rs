use serde::Serialize;

use hamlet_core::Id;
use hamlet_core::Timestamp;
use hamlet_store::Relationship as StoredRelationship;

/// Mastodon's `Relationship`.
#[derive(Serialize, Debug, Clone)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub muting_expires_at: Option<String>,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

impl Relationship {
    pub fn new(id: Id, r: &StoredRelationship) -> Relationship {
        Relationship {
            id: id.to_string(),
            following: r.following,
            // Mastodon reports boosts shown for pending requests too: they apply once
            // accepted. Not following at all shows nothing.
            showing_reblogs: r.following && r.showing_reblogs,
            notifying: r.following && r.notifying,
            languages: None,
            followed_by: r.followed_by,
            blocking: r.blocking,
            blocked_by: r.blocked_by,
            muting: r.muting,
            muting_notifications: r.muting && r.muting_notifications,
            muting_expires_at: r.muting_expires_at.map(Timestamp::to_api_string),
            requested: r.requested,
            requested_by: r.requested_by,
            domain_blocking: false,
            endorsed: false,
            note: String::new(),
        }
    }
}
