//! Addressing: the public collection in its three spellings, and the visibility a post's
//! `to`/`cc` give it, classified as Mastodon does.

use hamlet_core::visibility::Visibility;
use url::Url;

use super::VocabError;
use super::limits::{MAX_AUDIENCE, check_count, loose_url};
use super::raw::{OneOrMany, Ref};

/// The public collection, in the one form Hamlet keeps and sends.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Whether an address names the public collection: the full IRI, or the compact forms
/// `as:Public` and `Public` that JSON-LD compaction produces and some servers send.
pub fn is_public(addr: &str) -> bool {
    matches!(addr, PUBLIC | "as:Public" | "Public")
}

/// [`PUBLIC`] as a URL.
pub fn public() -> Url {
    Url::parse(PUBLIC).expect("the public collection IRI is a valid URL")
}

/// Who a post or activity is addressed to, normalized: every spelling of the public
/// collection is [`PUBLIC`], entries that are neither that nor an absolute http(s) URL
/// are dropped (which can only narrow the audience, never widen it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Audience {
    pub to: Vec<Url>,
    pub cc: Vec<Url>,
}

impl Audience {
    pub(crate) fn from_raw(
        to: &OneOrMany<Ref>,
        cc: &OneOrMany<Ref>,
    ) -> Result<Audience, VocabError> {
        check_count(to.len(), "to", MAX_AUDIENCE)?;
        check_count(cc.len(), "cc", MAX_AUDIENCE)?;
        Ok(Audience {
            to: normalize(to),
            cc: normalize(cc),
        })
    }

    /// Public is in `to` or `cc`.
    pub fn is_public(&self) -> bool {
        self.to
            .iter()
            .chain(&self.cc)
            .any(|addr| addr.as_str() == PUBLIC)
    }

    /// Whether `addr` is addressed in `to` or `cc`.
    pub fn contains(&self, addr: &Url) -> bool {
        self.to.iter().chain(&self.cc).any(|entry| entry == addr)
    }

    /// Every address in `to` then `cc`, public collection included.
    pub fn addresses(&self) -> impl Iterator<Item = &Url> {
        self.to.iter().chain(&self.cc)
    }

    /// The visibility, given the author's followers collection (from their actor
    /// document; `None` if they publish none).
    pub fn visibility(&self, followers: Option<&Url>) -> Visibility {
        visibility(&self.to, &self.cc, followers)
    }
}

fn normalize(entries: &OneOrMany<Ref>) -> Vec<Url> {
    entries
        .iter()
        .filter_map(|entry| {
            let addr = entry.target()?;
            if is_public(addr) {
                Some(public())
            } else {
                loose_url(Some(addr))
            }
        })
        .collect()
}

/// Mastodon's classification of a post by its addressing:
///
/// - **public**: the public collection is in `to`;
/// - **unlisted**: it is in `cc` (and not in `to`);
/// - **private** (followers-only): no public collection, and the author's followers
///   collection is in `to` or `cc`;
/// - **direct**: neither; only the actors addressed (normally those mentioned) see it.
///
/// Addresses may be in any of the spellings [`is_public`] accepts.
pub fn visibility<A: AsRef<str>>(to: &[A], cc: &[A], followers: Option<&Url>) -> Visibility {
    if to.iter().any(|addr| is_public(addr.as_ref())) {
        Visibility::Public
    } else if cc.iter().any(|addr| is_public(addr.as_ref())) {
        Visibility::Unlisted
    } else if followers.is_some_and(|followers| {
        to.iter()
            .chain(cc)
            .any(|addr| addr.as_ref() == followers.as_str())
    }) {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn public_has_three_spellings() {
        assert!(is_public(PUBLIC));
        assert!(is_public("as:Public"));
        assert!(is_public("Public"));
        assert!(!is_public("https://www.w3.org/ns/activitystreams#public"));
        assert!(!is_public("https://example.com/users/a/followers"));
    }

    #[test]
    fn classifies_like_mastodon() {
        let followers = url("https://a.example/users/al/followers");
        let friend = "https://b.example/users/bo";
        let f = followers.as_str();
        let v = |to: &[&str], cc: &[&str]| visibility(to, cc, Some(&followers));
        assert_eq!(v(&[PUBLIC], &[f]), Visibility::Public);
        assert_eq!(v(&["as:Public"], &[]), Visibility::Public);
        assert_eq!(v(&[f], &["Public"]), Visibility::Unlisted);
        assert_eq!(v(&[f], &[friend]), Visibility::Private);
        assert_eq!(v(&[friend], &[f]), Visibility::Private);
        assert_eq!(v(&[friend], &[]), Visibility::Direct);
        assert_eq!(v(&[], &[]), Visibility::Direct);
        // Without a known followers collection, a followers-only post cannot be told
        // apart from a direct one: the narrower reading wins.
        assert_eq!(visibility(&[f], &[], None), Visibility::Direct);
    }

    #[test]
    fn audience_normalizes_and_drops_junk() {
        let to: OneOrMany<Ref> = serde_json::from_str(
            r#"["as:Public", "https://b.example/u", "acct:x@y", "/relative"]"#,
        )
        .unwrap();
        let cc: OneOrMany<Ref> = serde_json::from_str(r#""Public""#).unwrap();
        let audience = Audience::from_raw(&to, &cc).unwrap();
        assert_eq!(audience.to, vec![public(), url("https://b.example/u")]);
        assert_eq!(audience.cc, vec![public()]);
        assert!(audience.is_public());
        assert!(audience.contains(&url("https://b.example/u")));
    }
}
