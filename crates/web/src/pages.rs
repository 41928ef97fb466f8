//! The page templates and what each shows.

use askama::Template;

use crate::views::{Chrome, PostView};

#[derive(Template)]
#[template(path = "front.html")]
pub struct FrontPage {
    pub chrome: Chrome,
    pub description: String,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage<'a> {
    pub chrome: Chrome,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

/// The compose form above a timeline.
pub struct ComposeForm {
    pub max_characters: u32,
    /// `(value, label)` of each visibility.
    pub visibilities: &'static [(&'static str, &'static str)],
    pub visibility: &'static str,
    /// Whether the local-only box starts ticked (the member's default).
    pub local_only: bool,
    pub error: Option<String>,
    pub notice: Option<String>,
}

pub const VISIBILITIES: &[(&str, &str)] = &[
    ("public", "Public"),
    ("unlisted", "Unlisted: not on public timelines"),
    ("private", "Followers only"),
    ("direct", "Mentioned people only"),
];

#[derive(Template)]
#[template(path = "timeline.html")]
pub struct TimelinePage {
    pub chrome: Chrome,
    pub heading: String,
    pub compose: Option<ComposeForm>,
    pub posts: Vec<PostView>,
}

#[derive(Template)]
#[template(path = "thread.html")]
pub struct ThreadPage {
    pub chrome: Chrome,
    pub ancestors: Vec<PostView>,
    pub post: PostView,
    pub descendants: Vec<PostView>,
    /// For members: the reply form.
    pub reply: Option<ComposeForm>,
}

#[derive(Template)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    pub chrome: Chrome,
    pub name: String,
    pub acct: String,
    /// Sanitized HTML (rendered or sanitized when stored).
    pub note: String,
    /// For a member looking at someone else: how they are related.
    pub relation: Option<RelationView>,
    pub posts: Vec<PostView>,
}

/// A member's relation to the account of a profile.
pub struct RelationView {
    pub following: bool,
    pub requested: bool,
    pub followed_by: bool,
}

#[derive(Template)]
#[template(path = "not_found.html")]
pub struct NotFoundPage {
    pub chrome: Chrome,
}

/// One notification as the page shows it.
pub struct NotificationView {
    /// `@acct` of who caused it.
    pub who: String,
    /// "favourited your post", ...
    pub what: &'static str,
    pub created_at: String,
    pub age: String,
    pub post: Option<PostView>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub chrome: Chrome,
    pub items: Vec<NotificationView>,
}

#[derive(Template)]
#[template(path = "settings.html")]
pub struct SettingsPage<'a> {
    pub chrome: Chrome,
    pub error: Option<&'a str>,
    pub notice: Option<&'a str>,
    pub display_name: String,
    pub note: String,
    pub locked: bool,
    pub visibilities: &'static [(&'static str, &'static str)],
    pub privacy: &'static str,
    /// `community`, `local_only` or `federated`.
    pub locality: &'static str,
    /// What the community's default is, in words.
    pub community_locality: &'static str,
}

/// A member as the admin page lists them.
pub struct MemberRow {
    pub username: String,
    pub role: &'static str,
    pub suspended: bool,
    /// The admin looking: they cannot change their own role or suspend themselves here.
    pub is_you: bool,
}

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage<'a> {
    pub chrome: Chrome,
    pub error: Option<&'a str>,
    pub notice: Option<&'a str>,
    pub default_local_only: bool,
    pub members: Vec<MemberRow>,
    pub roles: &'static [&'static str],
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub query: String,
    /// `(acct, name)` of the people found.
    pub accounts: Vec<(String, String)>,
    pub tags: Vec<String>,
    pub posts: Vec<PostView>,
}

#[derive(Template)]
#[template(path = "follow_requests.html")]
pub struct FollowRequestsPage {
    pub chrome: Chrome,
    /// `acct` of each requester.
    pub requests: Vec<String>,
}
