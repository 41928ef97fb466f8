use serde::Serialize;

use crate::entities::Account;

/// Mastodon's `StatusMention`.
#[derive(Serialize, Debug, Clone)]
pub struct Mention {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub url: String,
}

/// Mastodon's `StatusTag`.
#[derive(Serialize, Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub url: String,
}

/// The application a post was written with, as Mastodon's `Status.application` shows it.
#[derive(Serialize, Debug, Clone)]
pub struct StatusApplication {
    pub name: String,
    pub website: Option<String>,
}

/// Mastodon's `Status`.
#[derive(Serialize, Debug, Clone)]
pub struct Status {
    pub id: String,
    pub uri: String,
    pub url: Option<String>,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub account: Account,
    pub content: String,
    pub visibility: &'static str,
    /// Hamlet (as Hometown and GoToSocial): whether the post is for this community alone.
    pub local_only: bool,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub media_attachments: Vec<super::MediaAttachment>,
    pub application: Option<StatusApplication>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<Tag>,
    pub emojis: Vec<serde_json::Value>,
    pub reblogs_count: u64,
    pub favourites_count: u64,
    pub replies_count: u64,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub reblog: Option<Box<Status>>,
    pub poll: Option<serde_json::Value>,
    pub card: Option<serde_json::Value>,
    pub language: Option<String>,
    /// Hamlet, only in the answer to writing a local-only post: the accounts it mentions
    /// on other servers, who will not receive it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreached_mentions: Option<Vec<String>>,
    /// Only in the answer to a delete, for redrafting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The viewer's own relation to the post; absent for anonymous readers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reblogged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bookmarked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// The member's filters this post matched where filters apply; `[]` elsewhere and
    /// when none matched; absent for anonymous readers (as on Mastodon).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered: Option<Vec<crate::entities::FilterResult>>,
}

impl Status {
    /// Marks, on a local-only post, the mentioned accounts of other servers as not
    /// reached: the post is never sent to them.
    pub fn with_unreached_mentions(mut self) -> Status {
        if self.local_only {
            self.unreached_mentions = Some(
                self.mentions
                    .iter()
                    .filter(|m| m.acct.contains('@'))
                    .map(|m| m.acct.clone())
                    .collect(),
            );
        }
        self
    }
}

/// Mastodon's `StatusEdit`: one version of a post.
#[derive(Serialize, Debug, Clone)]
pub struct StatusEdit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: Account,
    pub poll: Option<serde_json::Value>,
    pub media_attachments: Vec<serde_json::Value>,
    pub emojis: Vec<serde_json::Value>,
}

/// Mastodon's `StatusSource`: what the author wrote, for editing.
#[derive(Serialize, Debug, Clone)]
pub struct StatusSource {
    pub id: String,
    pub text: String,
    pub spoiler_text: String,
}

/// Mastodon's `Tag` (a hashtag, as search returns it).
#[derive(Serialize, Debug, Clone)]
pub struct Hashtag {
    pub id: String,
    pub name: String,
    pub url: String,
    /// Daily use is not recorded (nothing is collected that is not needed).
    pub history: Vec<serde_json::Value>,
}

/// Mastodon's `Conversation`: a direct-message thread as one member sees it.
#[derive(Serialize, Debug, Clone)]
pub struct Conversation {
    pub id: String,
    pub unread: bool,
    pub accounts: Vec<Account>,
    pub last_status: Option<Status>,
}
