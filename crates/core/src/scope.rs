//! OAuth 2 scopes as Mastodon defines them, and the rule for whether a granted set covers
//! what an endpoint requires.

use std::collections::BTreeSet;
use std::fmt;

/// Every scope a client may ask for.
pub const KNOWN: &[&str] = &[
    "profile",
    "read",
    "write",
    "push",
    "follow",
    "admin:read",
    "admin:write",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "admin:read:accounts",
    "admin:read:canonical_email_blocks",
    "admin:read:domain_allows",
    "admin:read:domain_blocks",
    "admin:read:email_domain_blocks",
    "admin:read:ip_blocks",
    "admin:read:reports",
    "admin:write:accounts",
    "admin:write:canonical_email_blocks",
    "admin:write:domain_allows",
    "admin:write:domain_blocks",
    "admin:write:email_domain_blocks",
    "admin:write:ip_blocks",
    "admin:write:reports",
];

/// The deprecated `follow` scope still grants these, as it does on Mastodon.
const FOLLOW_GRANTS: &[&str] = &[
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
];

/// A non-empty set of known scopes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Scopes(BTreeSet<&'static str>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScopeError {
    #[error("unknown scope {0:?}")]
    Unknown(String),
}

impl Scopes {
    /// Parses a space-separated scope string (`+` also separates, as in form-encoded
    /// query strings some clients send unescaped). An empty string means `read`, the
    /// default Mastodon applies.
    pub fn parse(input: &str) -> Result<Scopes, ScopeError> {
        let mut set = BTreeSet::new();
        for word in input.split([' ', '+', ',']).filter(|w| !w.is_empty()) {
            let known = KNOWN
                .iter()
                .find(|k| **k == word)
                .ok_or_else(|| ScopeError::Unknown(word.to_owned()))?;
            set.insert(*known);
        }
        if set.is_empty() {
            set.insert("read");
        }
        Ok(Scopes(set))
    }

    /// Whether this grant covers `required`: exactly, through its parent (`read` covers
    /// `read:statuses`, `admin:read` covers `admin:read:accounts`), or through the
    /// deprecated `follow` scope.
    pub fn allows(&self, required: &str) -> bool {
        if self.0.contains(required) {
            return true;
        }
        if let Some((parent, _)) = required.rsplit_once(':')
            && self.0.contains(parent)
        {
            return true;
        }
        self.0.contains("follow") && FOLLOW_GRANTS.contains(&required)
    }

    /// Whether every scope in `self` is covered by `granted`.
    pub fn is_covered_by(&self, granted: &Scopes) -> bool {
        self.0.iter().all(|scope| granted.allows(scope))
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().copied()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for scope in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(scope)?;
            first = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_defaults_to_read() {
        assert_eq!(Scopes::parse("").unwrap().to_string(), "read");
        assert_eq!(
            Scopes::parse("write read  read").unwrap().to_string(),
            "read write"
        );
        assert_eq!(
            Scopes::parse("read+write:statuses").unwrap().to_string(),
            "read write:statuses"
        );
        assert_eq!(
            Scopes::parse("read bogus"),
            Err(ScopeError::Unknown("bogus".into()))
        );
        assert!(Scopes::parse("read:").is_err());
    }

    #[test]
    fn parent_scopes_cover_children_but_not_the_reverse() {
        let read = Scopes::parse("read").unwrap();
        assert!(read.allows("read:accounts"));
        assert!(!read.allows("write:accounts"));
        let narrow = Scopes::parse("read:accounts").unwrap();
        assert!(narrow.allows("read:accounts"));
        assert!(!narrow.allows("read"));
        assert!(!narrow.allows("read:statuses"));
        let admin = Scopes::parse("admin:read").unwrap();
        assert!(admin.allows("admin:read:accounts"));
        assert!(!admin.allows("admin:write:accounts"));
        assert!(!read.allows("admin:read:accounts"));
    }

    #[test]
    fn follow_grants_relationship_scopes() {
        let follow = Scopes::parse("follow").unwrap();
        assert!(follow.allows("write:follows"));
        assert!(follow.allows("read:blocks"));
        assert!(!follow.allows("read:statuses"));
    }

    #[test]
    fn coverage_of_requested_by_registered() {
        let app = Scopes::parse("read write").unwrap();
        assert!(
            Scopes::parse("read:accounts write")
                .unwrap()
                .is_covered_by(&app)
        );
        assert!(!Scopes::parse("follow").unwrap().is_covered_by(&app));
    }
}
