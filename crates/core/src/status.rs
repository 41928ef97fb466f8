//! Posts ("statuses" in Mastodon's API) and the rules for writing one.

use crate::account::Language;
use crate::limits::CHARACTERS_RESERVED_PER_URL;
use crate::visibility::Visibility;
use crate::{Id, Timestamp};

/// A post as every part of Hamlet sees it, local or remote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub id: Id,
    pub account_id: Id,
    /// The ActivityPub id of a remote post; `None` for local posts, whose addresses are
    /// derived from the instance's URL.
    pub uri: Option<String>,
    /// The page of a remote post for people, when its server names one.
    pub url: Option<String>,
    pub in_reply_to_id: Option<Id>,
    pub in_reply_to_account_id: Option<Id>,
    /// Set on boosts, which carry no text of their own.
    pub reblog_of_id: Option<Id>,
    /// What the author wrote (local posts); kept for editing and redrafting.
    pub text: String,
    /// The HTML shown to readers.
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: Visibility,
    pub language: Option<Language>,
    pub local: bool,
    /// For this community alone: never sent, served or shown to anyone else (see
    /// `audience`). Fixed when the post is written.
    pub local_only: bool,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
}

pub const MAX_SPOILER_CHARS: usize = 1000;

/// Written in a post's text or content warning, makes it local-only (Hometown's
/// convention, for apps without a toggle). It is removed before the post is stored.
pub const LOCAL_ONLY_MARKER: &str = ":local_only:";

/// `text` without the local-only marker, and whether it carried one. Whitespace left
/// doubled or dangling where the marker stood is tidied.
pub fn strip_local_only_marker(text: &str) -> (String, bool) {
    if !text.contains(LOCAL_ONLY_MARKER) {
        return (text.to_owned(), false);
    }
    let stripped: Vec<String> = text
        .split('\n')
        .map(|line| {
            if !line.contains(LOCAL_ONLY_MARKER) {
                return line.to_owned();
            }
            line.split(LOCAL_ONLY_MARKER)
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    (stripped.join("\n").trim().to_owned(), true)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    #[error("Text can't be blank")]
    Blank,
    #[error("Text character limit of {limit} exceeded")]
    TooLong { limit: usize },
    #[error("Content warning is too long (maximum is {MAX_SPOILER_CHARS} characters)")]
    SpoilerTooLong,
    #[error("Text contains control characters")]
    ControlCharacters,
}

/// Counts characters as Mastodon does for the limit: every web address counts as
/// [`CHARACTERS_RESERVED_PER_URL`], and a remote mention counts only its `@user` part.
pub fn counted_length(text: &str) -> usize {
    let mut count = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let trimmed = word.trim_end();
        let trailing = word.chars().count() - trimmed.chars().count();
        count += trailing
            + if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
                CHARACTERS_RESERVED_PER_URL as usize
            } else if let Some(rest) = trimmed.strip_prefix('@')
                && let Some((user, _domain)) = rest.split_once('@')
            {
                1 + user.chars().count()
            } else {
                trimmed.chars().count()
            };
    }
    count
}

/// Checks the text and content warning of a new or edited post.
/// `with_media`: a post with attachments may have no text.
pub fn validate_post(
    text: &str,
    spoiler_text: &str,
    limit: usize,
    with_media: bool,
) -> Result<(), PostError> {
    if text.trim().is_empty() && !with_media {
        return Err(PostError::Blank);
    }
    if counted_length(text) + spoiler_text.chars().count() > limit {
        return Err(PostError::TooLong { limit });
    }
    if spoiler_text.chars().count() > MAX_SPOILER_CHARS {
        return Err(PostError::SpoilerTooLong);
    }
    let control = |s: &str| {
        s.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    };
    if control(text) || control(spoiler_text) {
        return Err(PostError::ControlCharacters);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_only_marker_is_found_and_removed() {
        assert_eq!(
            strip_local_only_marker("hello :local_only: world"),
            ("hello world".to_owned(), true)
        );
        assert_eq!(
            strip_local_only_marker(":local_only:\n  indented\nlast :local_only:"),
            ("indented\nlast".to_owned(), true)
        );
        assert_eq!(
            strip_local_only_marker("  keep  spacing :local_only"),
            ("  keep  spacing :local_only".to_owned(), false)
        );
        assert_eq!(
            strip_local_only_marker(":local_only:"),
            (String::new(), true)
        );
    }

    #[test]
    fn counts_like_mastodon() {
        assert_eq!(counted_length("hello"), 5);
        assert_eq!(
            counted_length("see https://example.com/a/very/long/path/indeed"),
            4 + 23
        );
        assert_eq!(counted_length("hi @alice@remote.example"), 3 + 6);
        assert_eq!(counted_length("héllo wörld"), 11);
    }

    #[test]
    fn validates_posts() {
        assert_eq!(validate_post("  ", "", 500, false), Err(PostError::Blank));
        assert_eq!(
            validate_post(&"x".repeat(11), "", 10, false),
            Err(PostError::TooLong { limit: 10 })
        );
        assert_eq!(
            validate_post("12345", "123456", 10, false),
            Err(PostError::TooLong { limit: 10 })
        );
        assert_eq!(
            validate_post("a\u{0}b", "", 10, false),
            Err(PostError::ControlCharacters)
        );
        assert!(validate_post("fine\nlines", "cw", 500, false).is_ok());
        assert!(validate_post("", "", 500, true).is_ok(), "a picture alone");
    }
}
