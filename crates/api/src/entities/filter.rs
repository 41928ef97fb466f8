use hamlet_core::Timestamp;
use hamlet_core::filter::{Filter as CoreFilter, FilteredStatus, Keyword};
use serde::Serialize;

/// Mastodon's `FilterKeyword`.
#[derive(Serialize, Debug, Clone)]
pub struct FilterKeyword {
    pub id: String,
    pub keyword: String,
    pub whole_word: bool,
}

/// Mastodon's `FilterStatus`.
#[derive(Serialize, Debug, Clone)]
pub struct FilterStatus {
    pub id: String,
    pub status_id: String,
}

/// Mastodon's `Filter` (v2).
#[derive(Serialize, Debug, Clone)]
pub struct Filter {
    pub id: String,
    pub title: String,
    pub context: Vec<&'static str>,
    pub expires_at: Option<String>,
    pub filter_action: &'static str,
    pub keywords: Vec<FilterKeyword>,
    pub statuses: Vec<FilterStatus>,
}

/// Mastodon's `FilterResult`: why a post shown to the member matched one of their
/// filters.
#[derive(Serialize, Debug, Clone)]
pub struct FilterResult {
    pub filter: Filter,
    pub keyword_matches: Option<Vec<String>>,
    pub status_matches: Option<Vec<String>>,
}

impl FilterKeyword {
    pub fn new(k: &Keyword) -> FilterKeyword {
        FilterKeyword {
            id: k.id.to_string(),
            keyword: k.keyword.clone(),
            whole_word: k.whole_word,
        }
    }
}

impl FilterStatus {
    pub fn new(s: &FilteredStatus) -> FilterStatus {
        FilterStatus {
            id: s.id.to_string(),
            status_id: s.status_id.to_string(),
        }
    }
}

impl Filter {
    pub fn new(f: &CoreFilter) -> Filter {
        Filter {
            id: f.id.to_string(),
            title: f.title.clone(),
            context: f.contexts.iter().map(|c| c.as_str()).collect(),
            expires_at: f.expires_at.map(Timestamp::to_api_string),
            filter_action: f.action.as_str(),
            keywords: f.keywords.iter().map(FilterKeyword::new).collect(),
            statuses: f.statuses.iter().map(FilterStatus::new).collect(),
        }
    }
}
