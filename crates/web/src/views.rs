//! What templates show, built from Hamlet's types: the page chrome and posts.

use std::collections::HashMap;

use hamlet_api::AppState;
use hamlet_api::error::{ApiError, ApiResult};
use hamlet_api::service::community::{self, Community};
use hamlet_core::account::{Account, Member};
use hamlet_core::status::Status;
use hamlet_core::visibility::Visibility;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{Mark, Page};

/// What every page shows around its content.
pub struct Chrome {
    pub instance_name: String,
    /// The signed-in member's username.
    pub member: Option<String>,
    /// The token the page's forms carry.
    pub csrf_token: String,
    /// Where a post's buttons bring the member back to: this page.
    pub return_to: String,
    /// Whether the member is an admin (the navigation shows their pages).
    pub admin: bool,
    /// Whether the navigation offers the federated timeline.
    pub federated_timeline: bool,
}

impl Chrome {
    /// The chrome of a page for `member` (or a visitor), with the community as it is now.
    pub async fn load(state: &AppState, member: Option<&Member>, csrf_token: String) -> Chrome {
        match community::current(state).await {
            Ok(community) => Chrome::with(&community, member, csrf_token),
            Err(error) => {
                // The page itself will read the store too and report the failure; the
                // chrome falls back to the configuration rather than failing twice.
                tracing::error!(?error, "could not read the community's settings");
                Chrome {
                    instance_name: state.settings.instance.name.clone(),
                    member: member.map(|m| m.account.username.clone()),
                    csrf_token,
                    return_to: "/home".to_owned(),
                    admin: is_admin(member),
                    federated_timeline: false,
                }
            }
        }
    }

    /// The chrome of a page whose handler already read the community.
    pub fn with(community: &Community, member: Option<&Member>, csrf_token: String) -> Chrome {
        Chrome {
            instance_name: community.name.clone(),
            member: member.map(|m| m.account.username.clone()),
            csrf_token,
            return_to: "/home".to_owned(),
            admin: is_admin(member),
            federated_timeline: community.federated_timeline,
        }
    }

    /// The chrome of the page at `path` (a local path).
    pub fn at(mut self, path: &str) -> Chrome {
        self.return_to = path.to_owned();
        self
    }
}

fn is_admin(member: Option<&Member>) -> bool {
    member.is_some_and(|m| m.user.role == hamlet_core::role::Role::Admin)
}

/// `?max_id=` of a page of posts: where an "Older posts" link continues.
#[derive(serde::Deserialize, Default)]
pub struct Older {
    #[serde(default)]
    max_id: String,
}

impl Older {
    /// The newest page of `limit`, or the page before `max_id`; a malformed cursor is
    /// the visitor's mistake (400).
    pub fn page(&self, limit: u32) -> ApiResult<Page> {
        let mut page = Page::newest(limit);
        if !self.max_id.is_empty() {
            let id: Id = self
                .max_id
                .parse()
                .map_err(|_| ApiError::BadRequest("max_id is not a post's id".into()))?;
            page.max_id = Some(id);
        }
        Ok(page)
    }
}

/// The address of the page after one that listed `cursors` (the ids the list was paged
/// by), or `None` when that page was not full (nothing older).
pub fn older_link(path: &str, cursors: &[Id], limit: u32) -> Option<String> {
    if cursors.len() < limit as usize {
        return None;
    }
    let last = cursors.last()?;
    let separator = if path.contains('?') { '&' } else { '?' };
    Some(format!("{path}{separator}max_id={last}"))
}

/// Plain text split into paragraphs at blank lines (templates escape each).
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The name people see: the display name, or the username when there is none.
pub fn shown_name(account: &Account) -> String {
    if account.display_name.is_empty() {
        account.username.clone()
    } else {
        account.display_name.clone()
    }
}

/// One post as a page shows it.
pub struct PostView {
    pub id: String,
    /// The post's page (`/@acct/id`).
    pub permalink: String,
    pub author_name: String,
    pub author_acct: String,
    pub created_at: String,
    /// "5m", "3h", "2d", or the date.
    pub age: String,
    pub visibility: &'static str,
    pub local_only: bool,
    pub spoiler_text: String,
    /// Sanitized HTML: local posts are rendered from escaped text, remote ones through
    /// the allowlist sanitizer, before they are stored.
    pub content: String,
    pub boosted_by: Option<String>,
    /// For a signed-in member: their marks on the post, for its buttons.
    pub marks: Option<Marks>,
    /// The author's avatar, served by this server (a default for remote authors until
    /// their pictures are cached here: pages load nothing from elsewhere).
    pub avatar: String,
    pub attachments: Vec<AttachmentView>,
}

/// A picture, video or sound under a post.
pub struct AttachmentView {
    /// `image`, `video` or `audio`.
    pub kind: &'static str,
    pub url: String,
    /// What the page shows in the post: the thumbnail of a picture.
    pub preview: String,
    /// Alt text; may be empty.
    pub description: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Where a stored file is served, as a local path.
pub fn media_path(key: &str) -> String {
    format!("{}{key}", hamlet_api::service::media::MEDIA_PATH)
}

/// The header a page shows for `account`, if it has one (from this server, as avatars).
pub fn header_path(account: &Account) -> Option<String> {
    match (&account.header_file, &account.remote) {
        (Some(key), _) => Some(media_path(key)),
        (None, Some(remote)) if remote.header_url.is_some() => {
            Some(media_path(&format!("cache/accounts/{}/header", account.id)))
        }
        _ => None,
    }
}

/// The avatar a page shows for `account`: a member's file, a copy of a remote
/// account's (made here on first request), else the default. Always from this server.
pub fn avatar_path(account: &Account) -> String {
    match (&account.avatar_file, &account.remote) {
        (Some(key), _) => media_path(key),
        (None, Some(remote)) if remote.avatar_url.is_some() => {
            media_path(&format!("cache/accounts/{}/avatar", account.id))
        }
        _ => "/avatars/original/missing.png".to_owned(),
    }
}

fn attachment_view(media: &hamlet_core::media::MediaAttachment) -> AttachmentView {
    let (url, preview) = match (&media.remote_url, &media.file_key) {
        // Another server's file: served from here, copied on first request.
        (Some(_), _) => {
            let token = media.cache_token.as_deref().unwrap_or_default();
            let remote = |variant| media_path(&format!("cache/{token}/{variant}"));
            let preview = if media.kind == hamlet_core::media::MediaKind::Image {
                remote("small")
            } else {
                remote("original")
            };
            (remote("original"), preview)
        }
        (None, key) => {
            let url = media_path(key.as_deref().unwrap_or_default());
            let preview = media.thumbnail_key.as_deref().map(media_path);
            (url.clone(), preview.unwrap_or(url))
        }
    };
    AttachmentView {
        kind: media.kind.as_str(),
        preview,
        url,
        description: media.description.clone(),
        width: media.thumbnail_size.or(media.size).map(|(w, _)| w),
        height: media.thumbnail_size.or(media.size).map(|(_, h)| h),
    }
}

/// A member's own relation to a post.
pub struct Marks {
    /// The id of the post the buttons act on (a boost's original).
    pub target: String,
    pub favourited: bool,
    pub boosted: bool,
    pub bookmarked: bool,
    /// Whether it may be boosted (public or unlisted, or the member's own).
    pub boostable: bool,
}

fn visibility_label(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Public => "Public",
        Visibility::Unlisted => "Unlisted",
        Visibility::Private => "Followers only",
        Visibility::Direct => "Direct",
    }
}

/// "5m", "3h", "2d" ago, or the day for older posts.
pub fn age(at: Timestamp, now: Timestamp) -> String {
    let seconds = (now.as_millis() - at.as_millis()).max(0) / 1000;
    match seconds {
        0..60 => "now".to_owned(),
        60..3600 => format!("{}m", seconds / 60),
        3600..86_400 => format!("{}h", seconds / 3600),
        86_400..604_800 => format!("{}d", seconds / 86_400),
        _ => at.to_api_day_string(),
    }
}

/// The posts with these ids that `viewer` may see (the one audience rule), in order,
/// with their authors loaded in one query.
pub async fn posts(
    state: &AppState,
    viewer: Option<&Member>,
    ids: &[Id],
) -> ApiResult<Vec<PostView>> {
    let loaded = state.store.statuses_by_ids(ids).await?;
    let visible = hamlet_api::service::statuses::visible(state, viewer, loaded).await?;
    let originals: Vec<Id> = visible.iter().filter_map(|s| s.reblog_of_id).collect();
    let originals: HashMap<Id, Status> = hamlet_api::service::statuses::visible(
        state,
        viewer,
        state.store.statuses_by_ids(&originals).await?,
    )
    .await?
    .into_iter()
    .map(|s| (s.id, s))
    .collect();
    let mut account_ids: Vec<Id> = visible.iter().map(|s| s.account_id).collect();
    account_ids.extend(originals.values().map(|s| s.account_id));
    account_ids.sort();
    account_ids.dedup();
    let accounts: HashMap<Id, Account> = state
        .store
        .accounts_by_ids(&account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let shown_ids: Vec<Id> = visible
        .iter()
        .map(|s| s.reblog_of_id.unwrap_or(s.id))
        .collect();
    let media = state.store.media_of_statuses(&shown_ids).await?;
    let (favourited, boosted, bookmarked) = match viewer {
        Some(member) => {
            let me = member.account.id;
            let store = &state.store;
            (
                store.marked_among(Mark::Favourite, me, &shown_ids).await?,
                store.reblogged_by_viewer(me, &shown_ids).await?,
                store.marked_among(Mark::Bookmark, me, &shown_ids).await?,
            )
        }
        None => Default::default(),
    };
    let now = Timestamp::now();
    let mut by_id: HashMap<Id, PostView> = HashMap::new();
    for status in &visible {
        let (shown, booster) = match status.reblog_of_id {
            Some(original) => match originals.get(&original) {
                Some(original) => (original, accounts.get(&status.account_id)),
                None => continue,
            },
            None => (status, None),
        };
        let Some(author) = accounts.get(&shown.account_id) else {
            continue;
        };
        by_id.insert(
            status.id,
            PostView {
                id: status.id.to_string(),
                permalink: format!("/@{}/{}", author.acct(), shown.id),
                author_name: shown_name(author),
                author_acct: author.acct(),
                created_at: shown.created_at.to_api_string(),
                age: age(shown.created_at, now),
                visibility: visibility_label(shown.visibility),
                local_only: shown.local_only,
                spoiler_text: shown.spoiler_text.clone(),
                content: shown.content.clone(),
                boosted_by: booster.map(|b| format!("@{}", b.acct())),
                avatar: avatar_path(author),
                attachments: media
                    .get(&shown.id)
                    .map(|all| all.iter().map(attachment_view).collect())
                    .unwrap_or_default(),
                marks: viewer.map(|member| Marks {
                    target: shown.id.to_string(),
                    favourited: favourited.contains(&shown.id),
                    boosted: boosted.contains(&shown.id),
                    bookmarked: bookmarked.contains(&shown.id),
                    boostable: match shown.visibility {
                        Visibility::Public | Visibility::Unlisted => true,
                        Visibility::Private => shown.account_id == member.account.id,
                        Visibility::Direct => false,
                    },
                }),
            },
        );
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_links_continue_full_pages_only() {
        let ids = [Id::from_i64(30), Id::from_i64(20), Id::from_i64(10)];
        assert_eq!(
            older_link("/home", &ids, 3).as_deref(),
            Some("/home?max_id=10")
        );
        assert_eq!(
            older_link("/search?q=x", &ids, 3).as_deref(),
            Some("/search?q=x&max_id=10")
        );
        assert_eq!(older_link("/home", &ids, 4), None);
        assert_eq!(older_link("/home", &[], 0), None);
        let bad = Older {
            max_id: "nope".into(),
        };
        assert!(bad.page(30).is_err());
        assert_eq!(Older::default().page(30).unwrap().max_id, None);
    }

    #[test]
    fn ages_read_as_people_say_them() {
        let now = Timestamp::from_millis(1_700_000_000_000);
        let ago = |s: i64| Timestamp::from_millis(now.as_millis() - s * 1000);
        assert_eq!(age(ago(5), now), "now");
        assert_eq!(age(ago(300), now), "5m");
        assert_eq!(age(ago(7200), now), "2h");
        assert_eq!(age(ago(3 * 86_400), now), "3d");
        assert_eq!(
            age(ago(30 * 86_400), now),
            ago(30 * 86_400).to_api_day_string()
        );
    }
}
