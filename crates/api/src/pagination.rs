//! Mastodon's paging: `max_id`, `since_id`, `min_id` and `limit` in, a `Link` header with
//! `next` (older) and `prev` (newer) out.

use axum::http::{HeaderMap, HeaderValue, header};
use hamlet_core::Id;
use hamlet_store::Page;
use serde::Deserialize;

use crate::Settings;
use crate::error::ApiError;
use crate::params::flex;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 40;

#[derive(Deserialize, Default, Debug)]
pub struct PageParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    pub max_id: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    pub since_id: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    pub min_id: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    pub limit: Option<String>,
}

fn parse_id(name: &str, value: &Option<String>) -> Result<Option<Id>, ApiError> {
    match value.as_deref().filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| ApiError::Validation(format!("{name} must be a status or account id"))),
    }
}

impl PageParams {
    /// The page asked for; `limit` is clamped to 1..=40 as Mastodon does.
    pub fn page(&self) -> Result<Page, ApiError> {
        self.page_within(DEFAULT_LIMIT, MAX_LIMIT)
    }

    /// The page asked for, with an endpoint's own default and largest `limit`.
    pub fn page_within(&self, default: u32, max: u32) -> Result<Page, ApiError> {
        let limit = match self.limit.as_deref().filter(|l| !l.is_empty()) {
            None => default,
            Some(l) => l
                .parse::<i64>()
                .map_err(|_| ApiError::Validation("limit must be a number".into()))?
                .clamp(1, i64::from(max)) as u32,
        };
        Ok(Page {
            max_id: parse_id("max_id", &self.max_id)?,
            since_id: parse_id("since_id", &self.since_id)?,
            min_id: parse_id("min_id", &self.min_id)?,
            limit,
        })
    }
}

/// The `Link` header for a page whose items (newest first) have these ids. `path` is the
/// endpoint's path; `query` the other parameters to carry along.
pub fn link_header(
    settings: &Settings,
    path: &str,
    query: &[(&str, String)],
    ids: &[Id],
    limit: u32,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let (Some(newest), Some(oldest)) = (ids.first(), ids.last()) else {
        return headers;
    };
    let url = |key: &str, id: &Id| {
        let mut url = url::Url::parse(&settings.url(path)).expect("instance URLs parse");
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
            pairs.append_pair("limit", &limit.to_string());
            pairs.append_pair(key, &id.to_string());
        }
        url.to_string()
    };
    let value = format!(
        "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
        url("max_id", oldest),
        url("min_id", newest)
    );
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(header::LINK, value);
    }
    headers
}
