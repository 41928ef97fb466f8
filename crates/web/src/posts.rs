//! Pages of posts and people: a post with its thread (and, for members, the reply
//! form), and a profile with its posts. Visitors see only what the audience rule lets
//! anyone see; anything else answers the same 404 page as what does not exist.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hamlet_api::AppState;
use hamlet_api::error::ApiError;
use hamlet_api::pages::html;
use hamlet_api::service::relationships::{self, FollowOptions};
use hamlet_api::service::statuses;
use hamlet_core::account::{Account, Member};
use hamlet_core::{Id, Timestamp, text};
use hamlet_store::{AccountStatusFilter, ListKind, Page};

use crate::pages::{
    FieldView, FollowRequestsPage, NotFoundPage, ProfilePage, RelationView, ThreadPage,
};
use crate::session::{CsrfOnly, Reader, Session, SignedIn};
use crate::views::{self, Chrome, Older};

/// Most posts shown above and below a post.
const THREAD_LIMIT: u32 = 60;

async fn chrome(state: &AppState, session: Option<&Session>) -> Chrome {
    Chrome::load(
        state,
        session.map(|s| &s.member),
        session.map(Session::csrf_token).unwrap_or_default(),
    )
    .await
}

pub async fn not_found(state: &AppState, session: Option<&Session>) -> Response {
    html(
        StatusCode::NOT_FOUND,
        &NotFoundPage {
            chrome: chrome(state, session).await,
        },
    )
}

/// `user` or `user@domain`, as the route captures it after `/@`, lowercased for
/// comparison.
fn handle(captured: &str) -> Option<String> {
    (!captured.is_empty()).then(|| captured.to_ascii_lowercase())
}

/// `GET /@{acct}/{id}`.
pub async fn thread(
    State(state): State<AppState>,
    Reader(session): Reader,
    Path((acct, id)): Path<(String, String)>,
) -> Response {
    let viewer = session.as_ref().map(|s| &s.member);
    let result: Result<Option<Response>, ApiError> = async {
        let status = match statuses::load_visible(&state, viewer, &id).await {
            Ok(status) => status,
            Err(ApiError::NotFound) => return Ok(None),
            Err(other) => return Err(other),
        };
        let Some(author) = state.store.account_by_id(status.account_id).await? else {
            return Ok(None);
        };
        if handle(&acct) != Some(author.acct().to_ascii_lowercase())
            || status.reblog_of_id.is_some()
        {
            return Ok(None);
        }
        let viewer_id = viewer.map(|m| m.account.id);
        let ancestors = state
            .store
            .ancestors(status.id, viewer_id, THREAD_LIMIT)
            .await?;
        let descendants = state
            .store
            .descendants(status.id, viewer_id, THREAD_LIMIT, Timestamp::now())
            .await?;
        let mut shown = views::posts(&state, viewer, &[status.id]).await?;
        let Some(post) = shown.pop() else {
            return Ok(None);
        };
        let reply = match viewer {
            Some(member) => Some(crate::compose_form(&state, member).await?),
            None => None,
        };
        let page = ThreadPage {
            chrome: chrome(&state, session.as_ref()).await.at(&format!(
                "/@{}/{}",
                author.acct(),
                status.id
            )),
            ancestors: views::posts(&state, viewer, &ancestors).await?,
            post,
            descendants: views::posts(&state, viewer, &descendants).await?,
            reply,
        };
        Ok(Some(html(StatusCode::OK, &page)))
    }
    .await;
    match result {
        Ok(Some(page)) => page,
        Ok(None) => not_found(&state, session.as_ref()).await,
        Err(error) => error.into_response(),
    }
}

/// `GET /@{acct}`: a profile and the posts the viewer may see.
pub async fn profile(
    State(state): State<AppState>,
    Reader(session): Reader,
    Path(acct): Path<String>,
    Query(older): Query<Older>,
) -> Response {
    let viewer: Option<&Member> = session.as_ref().map(|s| &s.member);
    let result: Result<Option<Response>, ApiError> = async {
        let Some(account) = account_named(&state, &acct).await? else {
            return Ok(None);
        };
        let ids: Vec<Id> = state
            .store
            .account_statuses(
                account.id,
                viewer.map(|m| m.account.id),
                AccountStatusFilter::default(),
                older.page(crate::TIMELINE_LENGTH)?,
            )
            .await?;
        let note = if account.is_local() {
            text::plain_to_html(&account.note)
        } else {
            account.note.clone()
        };
        let relation = match viewer {
            Some(member) if member.account.id != account.id => {
                let found = state
                    .store
                    .relationships(member.account.id, &[account.id], Timestamp::now())
                    .await?;
                let found = found.first().copied().unwrap_or_default();
                Some(RelationView {
                    following: found.following,
                    requested: found.requested,
                    followed_by: found.followed_by,
                    blocking: found.blocking,
                    muting: found.muting,
                })
            }
            _ => None,
        };
        let path = format!("/@{}", account.acct());
        let page = ProfilePage {
            chrome: chrome(&state, session.as_ref()).await.at(&path),
            name: views::shown_name(&account),
            acct: account.acct(),
            note,
            avatar: views::avatar_path(&account),
            header: views::header_path(&account),
            fields: account
                .fields
                .iter()
                .map(|field| FieldView {
                    name: field.name.clone(),
                    value: if account.is_local() {
                        text::plain_to_html(&field.value)
                    } else {
                        field.value.clone()
                    },
                })
                .collect(),
            relation,
            posts: views::posts(&state, viewer, &ids).await?,
            older: views::older_link(&path, &ids, crate::TIMELINE_LENGTH),
        };
        Ok(Some(html(StatusCode::OK, &page)))
    }
    .await;
    match result {
        Ok(Some(page)) => page,
        Ok(None) => not_found(&state, session.as_ref()).await,
        Err(error) => error.into_response(),
    }
}

/// The (not suspended) account a profile address names: `user` here, `user@domain`
/// elsewhere.
async fn account_named(state: &AppState, captured: &str) -> Result<Option<Account>, ApiError> {
    let Some(handle) = handle(captured) else {
        return Ok(None);
    };
    let (username, domain) = match handle.split_once('@') {
        Some((user, domain)) if domain == state.settings.domain().to_ascii_lowercase() => {
            (user.to_owned(), None)
        }
        Some((user, domain)) => (user.to_owned(), Some(domain.to_owned())),
        None => (handle.clone(), None),
    };
    let account = state
        .store
        .account_by_acct(&username, domain.as_deref())
        .await?;
    Ok(account.filter(|a| !a.is_suspended()))
}

/// `POST /@{acct}/{change}`: the buttons of a profile (follow, unfollow, mute,
/// unmute, block, unblock), through the same services as the API.
pub async fn change_relation(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((acct, change)): Path<(String, String)>,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let member = &session.member;
    let result: Result<Option<Response>, ApiError> = async {
        let Some(target) = account_named(&state, &acct).await? else {
            return Ok(None);
        };
        match change.as_str() {
            "follow" => {
                relationships::follow(&state, member, &target, FollowOptions::default()).await?
            }
            "unfollow" => relationships::unfollow(&state, member, &target).await?,
            "mute" => relationships::mute(&state, member, &target, true, None).await?,
            "unmute" => relationships::unmute(&state, member, &target).await?,
            "block" => relationships::block(&state, member, &target).await?,
            "unblock" => relationships::unblock(&state, member, &target).await?,
            _ => return Ok(None),
        }
        Ok(Some(crate::see_other(&format!("/@{}", target.acct()))))
    }
    .await;
    match result {
        Ok(Some(response)) => response,
        Ok(None) | Err(ApiError::NotFound) => not_found(&state, Some(&session)).await,
        Err(error) => error.into_response(),
    }
}

/// `GET /follow_requests`: who asks to follow the member.
pub async fn follow_requests(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Response {
    let result: Result<Response, ApiError> = async {
        let listed = state
            .store
            .related_accounts(
                session.member.account.id,
                ListKind::FollowRequests,
                Page::newest(80),
                Timestamp::now(),
            )
            .await?;
        let page = FollowRequestsPage {
            chrome: chrome(&state, Some(&session)).await.at("/follow_requests"),
            requests: listed.iter().map(|l| l.account.acct()).collect(),
        };
        Ok(html(StatusCode::OK, &page))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /follow_requests/{acct}/{accept|reject}`.
pub async fn answer_follow_request(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((acct, answer)): Path<(String, String)>,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let accept = match answer.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return not_found(&state, Some(&session)).await,
    };
    let result: Result<(), ApiError> = async {
        let Some(requester) = account_named(&state, &acct).await? else {
            return Err(ApiError::NotFound);
        };
        relationships::answer_follow_request(&state, &session.member, &requester, accept).await
    }
    .await;
    match result {
        Ok(()) => crate::see_other("/follow_requests"),
        Err(ApiError::NotFound) => not_found(&state, Some(&session)).await,
        Err(error) => error.into_response(),
    }
}
