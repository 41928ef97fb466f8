//! Members' filters: words and posts they would rather be warned about, or not see, in
//! chosen places.

use std::fmt;
use std::str::FromStr;

use crate::{Id, Timestamp};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_KEYWORD_CHARS: usize = 200;
pub const MAX_KEYWORDS: usize = 100;

/// Where a filter applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FilterContext {
    Home,
    Notifications,
    Public,
    Thread,
    Account,
}

impl FilterContext {
    pub const ALL: [FilterContext; 5] = [
        FilterContext::Home,
        FilterContext::Notifications,
        FilterContext::Public,
        FilterContext::Thread,
        FilterContext::Account,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FilterContext::Home => "home",
            FilterContext::Notifications => "notifications",
            FilterContext::Public => "public",
            FilterContext::Thread => "thread",
            FilterContext::Account => "account",
        }
    }
}

impl fmt::Display for FilterContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FilterContext {
    type Err = String;

    fn from_str(s: &str) -> Result<FilterContext, String> {
        FilterContext::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a filter context"))
    }
}

/// What a matching filter does to a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum FilterAction {
    /// Shown behind a warning naming the filter.
    #[default]
    Warn,
    /// Left out entirely.
    Hide,
    /// Media hidden behind a warning.
    Blur,
}

impl FilterAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FilterAction::Warn => "warn",
            FilterAction::Hide => "hide",
            FilterAction::Blur => "blur",
        }
    }
}

impl FromStr for FilterAction {
    type Err = String;

    fn from_str(s: &str) -> Result<FilterAction, String> {
        match s {
            "warn" => Ok(FilterAction::Warn),
            "hide" => Ok(FilterAction::Hide),
            "blur" => Ok(FilterAction::Blur),
            other => Err(format!("{other:?} is not warn, hide or blur")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyword {
    pub id: Id,
    pub keyword: String,
    pub whole_word: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilteredStatus {
    pub id: Id,
    pub status_id: Id,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub id: Id,
    pub title: String,
    pub contexts: Vec<FilterContext>,
    pub action: FilterAction,
    pub expires_at: Option<Timestamp>,
    pub keywords: Vec<Keyword>,
    pub statuses: Vec<FilteredStatus>,
}

/// How a post matched a filter.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Match {
    pub keywords: Vec<String>,
    pub status: bool,
}

impl Filter {
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }

    /// How the post (`status_id`, whose readable text is `text`) matches, if it does.
    /// Keywords match regardless of case; whole-word keywords only between non-word
    /// characters.
    pub fn matches(&self, status_id: Id, text: &str) -> Option<Match> {
        let lowered = text.to_lowercase();
        let keywords: Vec<String> = self
            .keywords
            .iter()
            .filter(|k| keyword_matches(&lowered, &k.keyword.to_lowercase(), k.whole_word))
            .map(|k| k.keyword.clone())
            .collect();
        let status = self.statuses.iter().any(|s| s.status_id == status_id);
        (status || !keywords.is_empty()).then_some(Match { keywords, status })
    }
}

fn keyword_matches(text: &str, keyword: &str, whole_word: bool) -> bool {
    if keyword.is_empty() {
        return false;
    }
    if !whole_word {
        return text.contains(keyword);
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(keyword).any(|(start, found)| {
        let before = text[..start].chars().next_back();
        let after = text[start + found.len()..].chars().next();
        before.is_none_or(|c| !is_word(c)) && after.is_none_or(|c| !is_word(c))
    })
}

/// The readable text of a post's HTML, for keyword matching: what a reader sees, with
/// entities decoded and paragraphs and line breaks as whitespace (remote HTML included).
pub fn readable_text(html: &str) -> String {
    crate::sanitize::html_to_plain_text(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(keywords: &[(&str, bool)]) -> Filter {
        Filter {
            id: Id::from_i64(1),
            title: "t".into(),
            contexts: vec![FilterContext::Home],
            action: FilterAction::Warn,
            expires_at: None,
            keywords: keywords
                .iter()
                .map(|(k, w)| Keyword {
                    id: Id::from_i64(2),
                    keyword: (*k).into(),
                    whole_word: *w,
                })
                .collect(),
            statuses: vec![FilteredStatus {
                id: Id::from_i64(3),
                status_id: Id::from_i64(99),
            }],
        }
    }

    #[test]
    fn keywords_match_by_case_and_word() {
        let f = filter(&[("Spoiler", true), ("cat", false)]);
        let m = f
            .matches(Id::from_i64(5), "no SPOILER here, concatenate")
            .unwrap();
        assert_eq!(m.keywords, vec!["Spoiler", "cat"]);
        assert!(f.matches(Id::from_i64(5), "spoilers everywhere").is_none());
        assert!(f.matches(Id::from_i64(5), "dog").is_none());
        assert!(f.matches(Id::from_i64(99), "dog").unwrap().status);
    }

    #[test]
    fn expiry_and_readable_text() {
        let mut f = filter(&[]);
        f.expires_at = Some(Timestamp::from_millis(10));
        assert!(f.is_active(Timestamp::from_millis(9)));
        assert!(!f.is_active(Timestamp::from_millis(10)));
        assert_eq!(readable_text("<p>a &amp; <b>b</b></p>").trim(), "a & b");
        assert_eq!(
            readable_text("<p>one</p><p>two<br>three</p>"),
            "one\n\ntwo\nthree"
        );
    }
}
