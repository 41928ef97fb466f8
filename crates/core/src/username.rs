//! Local usernames: Mastodon's alphabet (`a-z`, `0-9`, `_`; letters of either case, unique
//! regardless of case), at most 30 characters, and not one of the names that would
//! impersonate the service or collide with its routes.

use std::fmt;

pub const MAX_LENGTH: usize = 30;

/// Names nobody may register: they look official, or are paths and roles of the server.
const RESERVED: &[&str] = &[
    "abuse",
    "about",
    "admin",
    "administrator",
    "api",
    "auth",
    "contact",
    "help",
    "hamlet",
    "hostmaster",
    "inbox",
    "info",
    "instance",
    "mod",
    "moderator",
    "moderators",
    "null",
    "oauth",
    "owner",
    "postmaster",
    "root",
    "security",
    "settings",
    "setup",
    "staff",
    "support",
    "system",
    "undefined",
    "users",
    "webmaster",
    "well_known",
    "www",
];

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Username(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UsernameError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("may only contain letters, numbers and underscores")]
    InvalidCharacter,
    #[error("is reserved")]
    Reserved,
}

impl Username {
    pub fn parse(input: &str) -> Result<Username, UsernameError> {
        if input.is_empty() {
            return Err(UsernameError::Empty);
        }
        if !input
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(UsernameError::InvalidCharacter);
        }
        if input.len() > MAX_LENGTH {
            return Err(UsernameError::TooLong);
        }
        if RESERVED.contains(&input.to_ascii_lowercase().as_str()) {
            return Err(UsernameError::Reserved);
        }
        Ok(Username(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mastodon_usernames() {
        for ok in ["alice", "Bob_2", "_", "a".repeat(30).as_str()] {
            assert_eq!(Username::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_invalid_and_reserved_names() {
        assert_eq!(Username::parse(""), Err(UsernameError::Empty));
        assert_eq!(
            Username::parse(&"a".repeat(31)),
            Err(UsernameError::TooLong)
        );
        for bad in ["al ice", "alice@host", "élodie", "a-b", "a.b", "a\0"] {
            assert_eq!(
                Username::parse(bad),
                Err(UsernameError::InvalidCharacter),
                "{bad:?}"
            );
        }
        for reserved in ["admin", "ADMIN", "Root", "api", "oauth"] {
            assert_eq!(Username::parse(reserved), Err(UsernameError::Reserved));
        }
    }
}
