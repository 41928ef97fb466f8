//! The page templates and what each shows.

use askama::Template;

use crate::views::{Chrome, PostView};

#[derive(Template)]
#[template(path = "front.html")]
pub struct FrontPage {
    pub chrome: Chrome,
    /// The description's paragraphs (plain text).
    pub paragraphs: Vec<String>,
    /// `(text, hint)` of each rule, in order.
    pub rules: Vec<(String, String)>,
    /// May be empty.
    pub contact_email: String,
    /// Usernames of the community's admins.
    pub admins: Vec<String>,
    /// Whether visitors must sign in to read anything.
    pub private: bool,
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
    /// The next page of older posts, if there may be one.
    pub older: Option<String>,
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
    /// Local paths of the pictures (served here).
    pub avatar: String,
    pub header: Option<String>,
    pub fields: Vec<FieldView>,
    /// For a member looking at someone else: how they are related.
    pub relation: Option<RelationView>,
    pub posts: Vec<PostView>,
    pub older: Option<String>,
}

/// One profile field as a profile shows it.
pub struct FieldView {
    pub name: String,
    /// Sanitized HTML (rendered from a member's text, or sanitized when fetched).
    pub value: String,
}

/// A member's relation to the account of a profile.
pub struct RelationView {
    pub following: bool,
    pub requested: bool,
    pub followed_by: bool,
    pub blocking: bool,
    pub muting: bool,
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
    pub avatar: String,
    pub header: Option<String>,
    /// `(name, value)` of each row of the profile fields' form (empty rows included).
    pub fields: Vec<(String, String)>,
    pub apps: Vec<AppView>,
    pub locked: bool,
    pub visibilities: &'static [(&'static str, &'static str)],
    pub privacy: &'static str,
    /// `community`, `local_only` or `federated`.
    pub locality: &'static str,
    /// What the community's default is, in words.
    pub community_locality: &'static str,
}

/// An app the member signed in to, as their settings list it.
pub struct AppView {
    pub id: String,
    pub name: String,
    /// An http(s) address, if the app gave one.
    pub website: Option<String>,
    pub scopes: String,
    /// The day of the newest sign-in.
    pub authorized_at: String,
}

/// A member as the admin page lists them.
pub struct MemberRow {
    pub username: String,
    pub role: &'static str,
    pub suspended: bool,
    /// The admin looking: they cannot change their own role or suspend themselves here.
    pub is_you: bool,
}

/// A rule as the admin page lists it, with its forms.
pub struct RuleRow {
    pub id: String,
    pub text: String,
    pub hint: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage<'a> {
    pub chrome: Chrome,
    pub error: Option<&'a str>,
    pub notice: Option<&'a str>,
    pub name: String,
    pub description: String,
    pub contact_email: String,
    pub default_local_only: bool,
    pub private: bool,
    pub federated_timeline: bool,
    pub rules: Vec<RuleRow>,
    pub max_rules: usize,
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
