//! What members are told about.

use std::fmt;
use std::str::FromStr;

use crate::{Id, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    Mention,
    Reblog,
    Favourite,
    Follow,
    FollowRequest,
    Update,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 6] = [
        NotificationKind::Mention,
        NotificationKind::Reblog,
        NotificationKind::Favourite,
        NotificationKind::Follow,
        NotificationKind::FollowRequest,
        NotificationKind::Update,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Mention => "mention",
            NotificationKind::Reblog => "reblog",
            NotificationKind::Favourite => "favourite",
            NotificationKind::Follow => "follow",
            NotificationKind::FollowRequest => "follow_request",
            NotificationKind::Update => "update",
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown notification type {0:?}")]
pub struct UnknownKind(pub String);

impl FromStr for NotificationKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<NotificationKind, UnknownKind> {
        NotificationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: Id,
    pub kind: NotificationKind,
    pub from_account_id: Id,
    pub status_id: Option<Id>,
    pub created_at: Timestamp,
}
