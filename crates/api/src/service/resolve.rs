//! What a URL pasted into search names: one of this server's posts or profiles (found in
//! the database, under the audience rule), or, later, something on another server.
//!
//! Mastodon's `SearchService` hands an `http(s)` query with `resolve=true` to
//! `ResolveURLService`, which recognizes the server's own post and profile URLs and
//! fetches anything else. Here local URLs are recognized in the database; other servers'
//! URLs and `user@domain` handles go through federation ([`resolve_remote`],
//! [`resolve_handle`]), for members only.

use hamlet_core::Id;
use hamlet_core::account::{Account, Member};
use hamlet_core::status::Status;
use url::Url;

use hamlet_federation::fetch::ResolveError;
use hamlet_federation::inbox::{InboxError, ResolvedObject};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::service::statuses;

/// What a URL turned out to name.
#[derive(Debug, Clone)]
pub enum Resolved {
    Account(Account),
    /// A post the viewer may see.
    Status(Status),
}

/// Whether a search query is a URL (Mastodon's test: it starts with `http://` or
/// `https://`).
pub fn is_url(query: &str) -> bool {
    let lower = query.get(..8).unwrap_or(query).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The account or post `url` names, if `viewer` may see it. Local URLs are always
/// resolved (that needs nothing but the database); other servers' only when `remote`
/// (the search's `resolve=true`).
pub async fn resolve_url(
    state: &AppState,
    viewer: Option<&Member>,
    url: &str,
    remote: bool,
) -> ApiResult<Option<Resolved>> {
    let Ok(parsed) = Url::parse(url.trim()) else {
        return Ok(None);
    };
    match local_path(state, &parsed) {
        Some(path) => resolve_local(state, viewer, &path).await,
        None if remote => resolve_remote(state, viewer, &parsed).await,
        None => Ok(None),
    }
}

/// The account or post at another server's `url`, found among those already known or
/// fetched, if `viewer` may see it. Only members make this server fetch anything: an
/// anonymous search never sends a request elsewhere. A fetch that fails is "nothing
/// found", as on Mastodon.
pub async fn resolve_remote(
    state: &AppState,
    viewer: Option<&Member>,
    url: &Url,
) -> ApiResult<Option<Resolved>> {
    let Some(viewer) = viewer else {
        return Ok(None);
    };
    match state.federation.resolve_object(url).await {
        Ok(Some(ResolvedObject::Actor(actor))) => Ok(Some(Resolved::Account(actor.account))),
        Ok(Some(ResolvedObject::Post(status))) => {
            match statuses::load_visible(state, Some(viewer), &status.id.to_string()).await {
                Ok(visible) => Ok(Some(Resolved::Status(visible))),
                Err(ApiError::NotFound) => Ok(None),
                Err(other) => Err(other),
            }
        }
        Ok(None) => Ok(None),
        Err(InboxError::Store(error)) => Err(error.into()),
        Err(error) => {
            tracing::info!(%url, %error, "could not resolve a remote URL");
            Ok(None)
        }
    }
}

/// The remote account `@user@domain` (or `user@domain`) names, found or looked up through
/// WebFinger for a member (`resolve=true`). `None` for anything else, for local handles,
/// and when the lookup fails.
pub async fn resolve_handle(
    state: &AppState,
    viewer: Option<&Member>,
    query: &str,
) -> ApiResult<Option<Account>> {
    if viewer.is_none() {
        return Ok(None);
    }
    let handle = query.trim().trim_start_matches('@');
    let Some((username, domain)) = handle.split_once('@') else {
        return Ok(None);
    };
    let valid = |part: &str| {
        !part.is_empty()
            && part.len() <= 253
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
    };
    if !valid(username) || !valid(domain) || domain.eq_ignore_ascii_case(&state.settings.domain()) {
        return Ok(None);
    }
    match state
        .federation
        .resolve_handle(username, &domain.to_ascii_lowercase())
        .await
    {
        Ok(actor) => Ok(Some(actor.account)),
        Err(ResolveError::Store(error)) => Err(error.into()),
        Err(error) => {
            tracing::info!(%handle, %error, "could not resolve a remote account");
            Ok(None)
        }
    }
}

/// The path of `url` if it points at this server (same scheme, host and port as the
/// public URL), without a trailing slash.
fn local_path(state: &AppState, url: &Url) -> Option<String> {
    let public = &state.settings.public_url;
    let same_origin = url.scheme() == public.scheme()
        && url.host_str().is_some()
        && url.host_str() == public.host_str()
        && url.port_or_known_default() == public.port_or_known_default();
    same_origin.then(|| url.path().trim_end_matches('/').to_owned())
}

/// What one of this server's own URLs names.
enum LocalTarget<'a> {
    Profile { username: &'a str },
    Post { username: &'a str, id: &'a str },
}

/// Recognizes the URLs this server hands out: profiles `/@alice` and `/users/alice`,
/// posts `/@alice/{id}` and `/users/alice/statuses/{id}`.
fn parse_local(path: &str) -> Option<LocalTarget<'_>> {
    let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    match segments.as_slice() {
        ["users", username] => Some(LocalTarget::Profile { username }),
        ["users", username, "statuses", id] => Some(LocalTarget::Post { username, id }),
        [handle] => Some(LocalTarget::Profile {
            username: at_handle(handle)?,
        }),
        [handle, id] => Some(LocalTarget::Post {
            username: at_handle(handle)?,
            id,
        }),
        _ => None,
    }
}

/// `alice` from `@alice` (or `%40alice`, as some clients encode it).
fn at_handle(segment: &str) -> Option<&str> {
    segment
        .strip_prefix('@')
        .or_else(|| segment.strip_prefix("%40"))
        .filter(|username| !username.is_empty())
}

async fn resolve_local(
    state: &AppState,
    viewer: Option<&Member>,
    path: &str,
) -> ApiResult<Option<Resolved>> {
    let Some(target) = parse_local(path) else {
        return Ok(None);
    };
    let username = match target {
        LocalTarget::Profile { username } | LocalTarget::Post { username, .. } => username,
    };
    // A local account (no domain) that is not suspended.
    let Some(account) = state
        .store
        .account_by_acct(username, None)
        .await?
        .filter(|a| !a.is_suspended())
    else {
        return Ok(None);
    };
    match target {
        LocalTarget::Profile { .. } => Ok(Some(Resolved::Account(account))),
        LocalTarget::Post { id, .. } => {
            if id.parse::<Id>().is_err() {
                return Ok(None);
            }
            // The audience rule decides; a post the viewer may not see is as absent as
            // one that does not exist. The URL must name the post's author, and a boost
            // has no page of its own.
            match statuses::load_visible(state, viewer, id).await {
                Ok(status) if status.account_id == account.id && status.reblog_of_id.is_none() => {
                    Ok(Some(Resolved::Status(status)))
                }
                Ok(_) | Err(ApiError::NotFound) => Ok(None),
                Err(other) => Err(other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(path: &str) -> Option<String> {
        match parse_local(path)? {
            LocalTarget::Profile { username } => Some(username.to_owned()),
            LocalTarget::Post { .. } => None,
        }
    }

    fn post(path: &str) -> Option<(String, String)> {
        match parse_local(path)? {
            LocalTarget::Post { username, id } => Some((username.to_owned(), id.to_owned())),
            LocalTarget::Profile { .. } => None,
        }
    }

    #[test]
    fn recognizes_the_urls_this_server_hands_out() {
        assert_eq!(profile("/@alice").as_deref(), Some("alice"));
        assert_eq!(profile("/%40alice").as_deref(), Some("alice"));
        assert_eq!(profile("/users/alice").as_deref(), Some("alice"));
        assert_eq!(
            post("/@alice/123"),
            Some(("alice".to_owned(), "123".to_owned()))
        );
        assert_eq!(
            post("/users/alice/statuses/123"),
            Some(("alice".to_owned(), "123".to_owned()))
        );
        for other in [
            "",
            "/alice",
            "/tags/x",
            "/users",
            "/users/alice/followers",
            "/@a/1/2",
        ] {
            assert!(parse_local(other).is_none(), "{other}");
        }
    }

    #[test]
    fn urls_are_http_or_https() {
        assert!(is_url("https://example.com/@a"));
        assert!(is_url("HTTP://example.com"));
        assert!(!is_url("alice"));
        assert!(!is_url("ftp://example.com"));
        assert!(!is_url("http"));
    }
}
