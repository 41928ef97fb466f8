//! Search and hashtag pages. Everything found is what the member may see: accounts,
//! hashtags on posts they may read, posts by the audience rule. `@user@server` is
//! looked up on its server (through the one outbound client) when not known here.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hamlet_api::AppState;
use hamlet_api::error::ApiError;
use hamlet_api::pages::html;
use hamlet_api::service::resolve;
use hamlet_core::Timestamp;
use serde::Deserialize;

use crate::pages::{SearchPage, TimelinePage};
use crate::session::{Reader, SignedIn};
use crate::views::{self, Chrome, Older};

const RESULTS: u32 = 20;
const MAX_QUERY_CHARS: usize = 200;

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /search?q=...`.
pub async fn search(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Query(query): Query<SearchQuery>,
) -> Response {
    let q: String = query.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let result: Result<Response, ApiError> = async {
        let member = &session.member;
        let me = member.account.id;
        let (mut accounts, mut tags, mut posts) = (Vec::new(), Vec::new(), Vec::new());
        if !q.is_empty() {
            let mut found = Vec::new();
            if q.starts_with('@') && q[1..].contains('@') {
                found.extend(resolve::resolve_handle(&state, Some(member), &q).await?);
            }
            let name = q.trim_start_matches('@');
            let name = name.split('@').next().unwrap_or_default();
            for account in state.store.search_accounts(name, None, RESULTS, 0).await? {
                if !found
                    .iter()
                    .any(|a: &hamlet_core::account::Account| a.id == account.id)
                {
                    found.push(account);
                }
            }
            accounts = found
                .iter()
                .filter(|a| !a.is_suspended())
                .map(|a| (a.acct(), views::shown_name(a)))
                .collect();
            tags = state
                .store
                .search_tags(Some(me), q.trim_start_matches('#'), RESULTS, 0)
                .await?
                .into_iter()
                .map(|(_, name)| name.to_lowercase())
                .collect();
            let ids = state
                .store
                .search_statuses(me, &q, None, RESULTS, 0, Timestamp::now())
                .await?;
            posts = views::posts(&state, Some(member), &ids).await?;
        }
        let page = SearchPage {
            chrome: Chrome::load(&state, Some(member), session.csrf_token())
                .await
                .at(&format!("/search?q={}", encode(&q))),
            query: q.clone(),
            accounts,
            tags,
            posts,
        };
        Ok(html(StatusCode::OK, &page))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Percent-encodes a query value for a local path.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /tags/{name}`: the public posts with a hashtag that the viewer may see
/// (visitors: public federated posts only).
pub async fn tag(
    State(state): State<AppState>,
    Reader(session): Reader,
    Path(name): Path<String>,
    Query(older): Query<Older>,
) -> Response {
    let viewer = session.as_ref().map(|s| &s.member);
    let result: Result<Response, ApiError> = async {
        let ids = state
            .store
            .public_timeline(
                viewer.map(|m| m.account.id),
                None,
                Some(&name),
                older.page(crate::TIMELINE_LENGTH)?,
                Timestamp::now(),
            )
            .await?;
        let path = format!("/tags/{}", encode(&name));
        let chrome = Chrome::load(
            &state,
            viewer,
            session
                .as_ref()
                .map(crate::session::Session::csrf_token)
                .unwrap_or_default(),
        )
        .await
        .at(&path);
        let page = TimelinePage {
            chrome,
            heading: format!("#{}", name.to_lowercase()),
            compose: None,
            posts: views::posts(&state, viewer, &ids).await?,
            older: views::older_link(&path, &ids, crate::TIMELINE_LENGTH),
        };
        Ok(html(StatusCode::OK, &page))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
