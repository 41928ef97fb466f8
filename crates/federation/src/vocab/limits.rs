//! Bounds on what a remote document may contain, and the checks that enforce them.
//!
//! **Every bound rejects; none truncates.** A document over a bound is refused whole, with
//! an error naming the field. Honest servers stay far below every number here, and a
//! half-kept document would misrepresent its author: a truncated `to` list changes who a
//! post is for, a truncated content changes what it says. The one exception is the type
//! name carried by `Unknown` values, which is only a label for logs and is cut to
//! [`MAX_TYPE_BYTES`].

use url::Url;

use super::VocabError;

/// Largest document the parser accepts, in bytes (Mastodon refuses bigger JSON too).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Deepest nesting of arrays and objects, counted before any parsing. Real documents stay
/// under 10 (Create → Note → replies → first → items → …); serde_json's own limit is 128,
/// and the raw types bound embedded objects themselves ([`super::raw::MAX_EMBEDDED_DEPTH`]).
pub const MAX_JSON_DEPTH: usize = 32;
/// Longest URL kept (ids, inboxes, links), in bytes.
pub const MAX_URL_BYTES: usize = 4096;
/// Longest post content or actor summary (HTML as received), in bytes.
pub const MAX_CONTENT_BYTES: usize = 100_000;
/// Longest content warning (`summary` of a post), in bytes.
pub const MAX_SUMMARY_BYTES: usize = 10_000;
/// Longest short text: display name, username, title, tag and mention names, poll
/// options, profile field names, media types, in bytes.
pub const MAX_NAME_BYTES: usize = 2_000;
/// Longest description: media alt text, profile field values, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 10_000;
/// Longest PEM-encoded public key, in bytes (an RSA-8192 key is about 1.5 KB).
pub const MAX_PUBLIC_KEY_BYTES: usize = 16_384;
/// Longest type name kept in `Unknown` values (truncated, not refused).
pub const MAX_TYPE_BYTES: usize = 128;

/// Most entries in a `tag` array (mentions, hashtags, emojis and unknown kinds together).
pub const MAX_TAGS: usize = 200;
/// Most entries in a post's `attachment` array.
pub const MAX_ATTACHMENTS: usize = 20;
/// Most entries in each of `to` and `cc`.
pub const MAX_AUDIENCE: usize = 1000;
/// Most entries in an actor's `attachment` array (profile fields).
pub const MAX_PROFILE_FIELDS: usize = 50;
/// Most entries in an actor's `alsoKnownAs`.
pub const MAX_ALIASES: usize = 100;
/// Most options of a poll (`oneOf` or `anyOf`).
pub const MAX_POLL_OPTIONS: usize = 50;
/// Most items (`items` plus `orderedItems`) in one collection or page.
pub const MAX_COLLECTION_ITEMS: usize = 1000;

/// Refuses documents that are too large or nested too deeply, before serde sees them.
///
/// The scan is iterative, so no input can exhaust the stack here; serde_json would skip
/// deep nesting in unknown fields without a limit, so this is the check that holds.
pub fn check_document(json: &[u8]) -> Result<(), VocabError> {
    if json.len() > MAX_DOCUMENT_BYTES {
        return Err(VocabError::TooLarge {
            max: MAX_DOCUMENT_BYTES,
        });
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in json {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(VocabError::TooDeep {
                        max: MAX_JSON_DEPTH,
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// An absolute `http` or `https` URL with a host, of bounded length.
pub(crate) fn http_url(value: &str, field: &'static str) -> Result<Url, VocabError> {
    if value.len() > MAX_URL_BYTES {
        return Err(VocabError::TooLong {
            field,
            max: MAX_URL_BYTES,
        });
    }
    match Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        _ => Err(VocabError::InvalidUrl { field }),
    }
}

/// A required reference: missing is [`VocabError::Missing`], malformed is refused.
pub(crate) fn required_url(value: Option<&str>, field: &'static str) -> Result<Url, VocabError> {
    http_url(value.ok_or(VocabError::Missing(field))?, field)
}

/// An optional reference where a malformed value is refused rather than dropped.
pub(crate) fn strict_url(
    value: Option<&str>,
    field: &'static str,
) -> Result<Option<Url>, VocabError> {
    value.map(|value| http_url(value, field)).transpose()
}

/// A display link (profile URL, avatar, hashtag page): a malformed one is dropped.
pub(crate) fn loose_url(value: Option<&str>) -> Option<Url> {
    value.and_then(|value| http_url(value, "").ok())
}

/// Text kept as received, within a bound and free of NUL (which PostgreSQL cannot store).
pub(crate) fn bounded(value: &str, field: &'static str, max: usize) -> Result<String, VocabError> {
    if value.len() > max {
        return Err(VocabError::TooLong { field, max });
    }
    if value.contains('\0') {
        return Err(VocabError::NulCharacter { field });
    }
    Ok(value.to_owned())
}

/// Like [`bounded`], but an absent or empty text is `None`.
pub(crate) fn bounded_opt(
    value: Option<&str>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, VocabError> {
    match value {
        Some(value) if !value.is_empty() => bounded(value, field, max).map(Some),
        _ => Ok(None),
    }
}

pub(crate) fn check_count(len: usize, field: &'static str, max: usize) -> Result<(), VocabError> {
    if len > max {
        return Err(VocabError::TooMany { field, max });
    }
    Ok(())
}

/// A type name for `Unknown` values, cut at a character boundary.
pub(crate) fn type_label(value: &str) -> String {
    if value.len() <= MAX_TYPE_BYTES {
        return value.to_owned();
    }
    let mut end = MAX_TYPE_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    value[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_only_outside_strings() {
        let deep = "[".repeat(MAX_JSON_DEPTH + 1);
        assert_eq!(
            check_document(deep.as_bytes()),
            Err(VocabError::TooDeep {
                max: MAX_JSON_DEPTH
            })
        );
        let inside = format!("{{\"a\":\"{}\\\"{}\"}}", "[".repeat(100), "{".repeat(100));
        assert_eq!(check_document(inside.as_bytes()), Ok(()));
        let exact = format!(
            "{}{}",
            "[".repeat(MAX_JSON_DEPTH),
            "]".repeat(MAX_JSON_DEPTH)
        );
        assert_eq!(check_document(exact.as_bytes()), Ok(()));
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(http_url("https://example.com/users/a#main-key", "id").is_ok());
        assert!(http_url("http://127.0.0.1:8380/users/mira", "id").is_ok());
        for bad in [
            "ftp://example.com/x",
            "/users/a",
            "acct:a@example.com",
            "https://",
            "data:text/plain,hi",
        ] {
            assert_eq!(
                http_url(bad, "id"),
                Err(VocabError::InvalidUrl { field: "id" }),
                "{bad}"
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES));
        assert!(matches!(
            http_url(&long, "id"),
            Err(VocabError::TooLong { .. })
        ));
    }

    #[test]
    fn text_bounds_reject_and_labels_truncate() {
        assert!(bounded("abc", "name", 3).is_ok());
        assert!(matches!(
            bounded("abcd", "name", 3),
            Err(VocabError::TooLong { .. })
        ));
        assert!(matches!(
            bounded("a\0b", "name", 3),
            Err(VocabError::NulCharacter { .. })
        ));
        assert_eq!(bounded_opt(Some(""), "name", 3), Ok(None));
        let label = type_label(&"é".repeat(MAX_TYPE_BYTES));
        assert!(label.len() <= MAX_TYPE_BYTES && label.chars().all(|c| c == 'é'));
    }
}
