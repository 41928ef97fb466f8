//! Accounts (local members and, later, remote actors) and the rules for editing a profile.

use crate::role::Role;
use crate::visibility::Visibility;
use crate::{Id, Timestamp};

pub const MAX_DISPLAY_NAME_CHARS: usize = 30;
pub const MAX_NOTE_CHARS: usize = 500;
pub const MAX_FIELDS: usize = 4;
pub const MAX_FIELD_NAME_CHARS: usize = 255;
pub const MAX_FIELD_VALUE_CHARS: usize = 255;

#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct ProfileField {
    pub name: String,
    pub value: String,
}

/// An account as every part of Hamlet sees it. `domain` is `None` for local accounts;
/// nothing else assumes the account is local.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: Id,
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    /// Local accounts: the member's plain text. Remote accounts: sanitized HTML.
    pub note: String,
    pub fields: Vec<ProfileField>,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub suspended_at: Option<Timestamp>,
    pub public_key_pem: String,
    /// The keys of the avatar and header in the media storage, served under `/media/`.
    pub avatar_file: Option<String>,
    pub header_file: Option<String>,
    /// Where a remote account lives; `None` for local accounts, whose addresses derive
    /// from the instance's own URL.
    pub remote: Option<RemoteLinks>,
}

/// The addresses of a remote account, as its server published them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteLinks {
    /// The ActivityPub id of the actor.
    pub uri: String,
    /// The profile page for people, when the actor names one.
    pub url: Option<String>,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
}

impl Account {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    pub fn is_suspended(&self) -> bool {
        self.suspended_at.is_some()
    }

    /// `user` for local accounts, `user@domain` for remote ones, as Mastodon's `acct`.
    pub fn acct(&self) -> String {
        match &self.domain {
            None => self.username.clone(),
            Some(domain) => format!("{}@{domain}", self.username),
        }
    }
}

/// Figures shown with an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AccountStats {
    /// Posts and boosts, not counting direct messages.
    pub statuses: u64,
    pub followers: u64,
    pub following: u64,
    pub last_status_at: Option<Timestamp>,
}

/// What a member's posts default to.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PostingDefaults {
    pub privacy: Visibility,
    pub sensitive: bool,
    pub language: Option<Language>,
    /// Whether new posts are for the community alone; `None` follows the community's
    /// default.
    pub local_only: Option<bool>,
}

/// The sign-in side of a local account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalUser {
    pub role: Role,
    pub email: Option<String>,
    pub defaults: PostingDefaults,
}

/// A local account together with its sign-in data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub account: Account,
    pub user: LocalUser,
}

/// An ISO 639 language code (`en`, `de`, `fil`), lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Language(String);

impl Language {
    pub fn parse(input: &str) -> Result<Language, ProfileError> {
        let valid =
            (2..=3).contains(&input.len()) && input.bytes().all(|b| b.is_ascii_alphabetic());
        if valid {
            Ok(Language(input.to_ascii_lowercase()))
        } else {
            Err(ProfileError::new(
                "source[language]",
                "is not a valid ISO 639 language code",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A rejected profile value, naming the field as clients send it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {message}")]
pub struct ProfileError {
    pub field: &'static str,
    pub message: String,
}

impl ProfileError {
    fn new(field: &'static str, message: impl Into<String>) -> ProfileError {
        ProfileError {
            field,
            message: message.into(),
        }
    }
}

/// A validated change to a member's profile and preferences; `None` leaves a value as is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: Option<bool>,
    pub fields: Option<Vec<ProfileField>>,
    pub privacy: Option<Visibility>,
    pub sensitive: Option<bool>,
    /// `Some(None)` clears the default language.
    pub language: Option<Option<Language>>,
    /// `Some(None)` returns to the community's default locality.
    pub local_only: Option<Option<bool>>,
    /// The key of a new avatar or header file in the media storage; `Some(None)`
    /// returns to the default picture.
    pub avatar_file: Option<Option<String>>,
    pub header_file: Option<Option<String>>,
}

impl ProfileUpdate {
    pub fn is_empty(&self) -> bool {
        *self == ProfileUpdate::default()
    }

    /// Whether it changes what others see of the account (not only posting defaults).
    pub fn changes_profile(&self) -> bool {
        let defaults_only = ProfileUpdate {
            privacy: self.privacy,
            sensitive: self.sensitive,
            language: self.language.clone(),
            local_only: self.local_only,
            ..ProfileUpdate::default()
        };
        *self != defaults_only
    }

    /// `account` as it is after this update (what the store writes, applied in memory:
    /// the profile other servers are sent in the same transaction).
    pub fn applied_to(&self, account: &Account, now: Timestamp) -> Account {
        let mut updated = account.clone();
        if let Some(display_name) = &self.display_name {
            updated.display_name = display_name.clone();
        }
        if let Some(note) = &self.note {
            updated.note = note.clone();
        }
        if let Some(fields) = &self.fields {
            updated.fields = fields.clone();
        }
        updated.locked = self.locked.unwrap_or(account.locked);
        updated.bot = self.bot.unwrap_or(account.bot);
        updated.discoverable = self.discoverable.unwrap_or(account.discoverable);
        updated.indexable = self.indexable.unwrap_or(account.indexable);
        if let Some(avatar) = &self.avatar_file {
            updated.avatar_file = avatar.clone();
        }
        if let Some(header) = &self.header_file {
            updated.header_file = header.clone();
        }
        updated.updated_at = now;
        updated
    }
}

/// Trims and length-checks a display name; control characters are not allowed.
pub fn display_name(input: &str) -> Result<String, ProfileError> {
    let value = input.trim();
    check_text("display_name", value, MAX_DISPLAY_NAME_CHARS, false)?;
    Ok(value.to_owned())
}

/// Length-checks a bio; line breaks are kept, other control characters refused.
pub fn note(input: &str) -> Result<String, ProfileError> {
    let value = input.trim_end();
    check_text("note", value, MAX_NOTE_CHARS, true)?;
    Ok(value.to_owned())
}

/// Validates profile fields; pairs whose name and value are both blank are dropped, as
/// Mastodon's settings form submits empty rows.
pub fn fields(input: Vec<ProfileField>) -> Result<Vec<ProfileField>, ProfileError> {
    let kept: Vec<ProfileField> = input
        .into_iter()
        .map(|f| ProfileField {
            name: f.name.trim().to_owned(),
            value: f.value.trim().to_owned(),
        })
        .filter(|f| !(f.name.is_empty() && f.value.is_empty()))
        .collect();
    if kept.len() > MAX_FIELDS {
        return Err(ProfileError::new(
            "fields_attributes",
            format!("must have at most {MAX_FIELDS} entries"),
        ));
    }
    for field in &kept {
        check_text(
            "fields_attributes",
            &field.name,
            MAX_FIELD_NAME_CHARS,
            false,
        )?;
        check_text(
            "fields_attributes",
            &field.value,
            MAX_FIELD_VALUE_CHARS,
            false,
        )?;
    }
    Ok(kept)
}

fn check_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
    allow_newlines: bool,
) -> Result<(), ProfileError> {
    if value.chars().count() > max_chars {
        return Err(ProfileError::new(
            field,
            format!("is too long (maximum is {max_chars} characters)"),
        ));
    }
    let bad = value
        .chars()
        .any(|c| c.is_control() && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t')));
    if bad {
        return Err(ProfileError::new(field, "contains control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_rules() {
        assert_eq!(display_name("  Alice  ").unwrap(), "Alice");
        assert!(display_name(&"x".repeat(31)).is_err());
        assert!(display_name("a\u{0}b").is_err());
        assert_eq!(display_name(&"é".repeat(30)).unwrap().chars().count(), 30);
    }

    #[test]
    fn note_keeps_line_breaks() {
        assert_eq!(note("one\ntwo\n").unwrap(), "one\ntwo");
        assert!(note(&"x".repeat(501)).is_err());
        assert!(note("bell\u{7}").is_err());
    }

    #[test]
    fn field_rules() {
        let f = |n: &str, v: &str| ProfileField {
            name: n.into(),
            value: v.into(),
        };
        assert_eq!(
            fields(vec![f(" a ", "b"), f("", "")]).unwrap(),
            vec![f("a", "b")]
        );
        assert!(fields(vec![f("a", "b"); 5]).is_err());
        assert!(fields(vec![f(&"n".repeat(256), "v")]).is_err());
    }

    #[test]
    fn language_codes() {
        assert_eq!(Language::parse("EN").unwrap().as_str(), "en");
        assert!(Language::parse("english").is_err());
        assert!(Language::parse("e1").is_err());
    }
}
