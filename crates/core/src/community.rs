//! The community itself: its name, description and contact address as admins edit them
//! at run time, and its rules. Values are checked here once, whichever door they came
//! in by (web admin page, command line).

use std::fmt;

use crate::Id;

/// Longest community name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest community description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
/// Longest contact address, in characters.
pub const MAX_CONTACT_EMAIL_CHARS: usize = 254;
/// Longest rule, in characters (Mastodon's limit for a rule's text).
pub const MAX_RULE_CHARS: usize = 300;
/// Longest explanation of a rule, in characters.
pub const MAX_RULE_HINT_CHARS: usize = 2000;
/// Most rules a community may have.
pub const MAX_RULES: usize = 100;

/// One of the community's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: Id,
    pub text: String,
    /// A longer explanation; may be empty.
    pub hint: String,
}

/// What is wrong with a value an admin entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Invalid {}

fn bounded(value: &str, max: usize, what: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Invalid(format!(
            "{what} may have at most {max} characters."
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Invalid(format!("{what} contains control characters.")));
    }
    Ok(value.replace("\r\n", "\n"))
}

/// A rule's text and explanation, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleText {
    text: String,
    hint: String,
}

impl RuleText {
    pub fn parse(text: &str, hint: &str) -> Result<RuleText, Invalid> {
        let text = bounded(text, MAX_RULE_CHARS, "A rule")?;
        if text.is_empty() {
            return Err(Invalid("A rule needs some text.".into()));
        }
        let hint = bounded(hint, MAX_RULE_HINT_CHARS, "A rule's explanation")?;
        Ok(RuleText { text, hint })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn hint(&self) -> &str {
        &self.hint
    }
}

/// The community's name as an admin entered it: not empty, one line.
pub fn name(input: &str) -> Result<String, Invalid> {
    let name = bounded(input, MAX_NAME_CHARS, "The name")?;
    if name.is_empty() {
        return Err(Invalid("The community needs a name.".into()));
    }
    if name.contains('\n') {
        return Err(Invalid("The name must fit on one line.".into()));
    }
    Ok(name)
}

/// The community's description (plain text; may be empty).
pub fn description(input: &str) -> Result<String, Invalid> {
    bounded(input, MAX_DESCRIPTION_CHARS, "The description")
}

/// The address people write to about the community: empty, or one plausible address.
pub fn contact_email(input: &str) -> Result<String, Invalid> {
    let email = bounded(input, MAX_CONTACT_EMAIL_CHARS, "The contact address")?;
    if email.is_empty() {
        return Ok(email);
    }
    let plausible = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>')
                && !domain.contains('@')
        }
        None => false,
    };
    if !plausible {
        return Err(Invalid(
            "The contact address is not an email address.".into(),
        ));
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_need_text_and_stay_within_bounds() {
        let rule = RuleText::parse("  Be kind  ", " Really.\r\nAlways. ").unwrap();
        assert_eq!(rule.text(), "Be kind");
        assert_eq!(rule.hint(), "Really.\nAlways.");
        assert!(RuleText::parse("   ", "").is_err());
        assert!(RuleText::parse(&"x".repeat(MAX_RULE_CHARS + 1), "").is_err());
        assert!(RuleText::parse(&"x".repeat(MAX_RULE_CHARS), "").is_ok());
        assert!(RuleText::parse("ok", &"h".repeat(MAX_RULE_HINT_CHARS + 1)).is_err());
        assert!(RuleText::parse("a\u{0}b", "").is_err());
    }

    #[test]
    fn names_are_one_nonempty_line() {
        assert_eq!(name(" Our Hamlet ").unwrap(), "Our Hamlet");
        assert!(name("").is_err());
        assert!(name("two\nlines").is_err());
        assert!(name(&"n".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn contact_addresses_are_empty_or_plausible() {
        assert_eq!(contact_email("").unwrap(), "");
        assert_eq!(
            contact_email(" admin@hamlet.example ").unwrap(),
            "admin@hamlet.example"
        );
        for bad in [
            "admin", "@x.y", "a@b", "a@.b", "a@b.", "a b@c.d", "<a@b.c>", "a@b@c.d",
        ] {
            assert!(contact_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn descriptions_keep_paragraphs() {
        assert_eq!(description("a\r\n\r\nb").unwrap(), "a\n\nb");
        assert!(description(&"d".repeat(MAX_DESCRIPTION_CHARS + 1)).is_err());
    }
}
