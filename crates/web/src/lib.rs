//! Hamlet's web interface: server-rendered pages (askama templates, assets embedded in
//! the binary), usable without JavaScript. Handlers stay thin: they read the session,
//! call the same services and store methods as the client API (so every page applies
//! the one audience rule), and render a template.
//!
//! Pages send the strict Content-Security-Policy of `hamlet_api::pages::html`: nothing
//! is loaded from another host and no inline script runs; one small script of this
//! server's own (`assets/web.js`) spares page loads where it can, and every page works
//! without it.

mod account;
mod actions;
mod admin;
mod pages;
mod posts;
mod search;
mod session;
mod views;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hamlet_api::AppState;
use hamlet_api::auth::ClientIp;
use hamlet_api::error::ApiError;
use hamlet_api::pages::{Csrf, html, message};
use hamlet_api::rate_limit::Bucket;
use hamlet_api::service::community;
use hamlet_api::service::members;
use hamlet_api::service::statuses::{self, NewPost};
use hamlet_core::role::Role;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{MemberFilter, Page};
use serde::Deserialize;

use crate::pages::{ComposeForm, FrontPage, SignInPage, TimelinePage, VISIBILITIES};
use crate::session::{MaybeSignedIn, SignedIn};
use crate::views::{Chrome, Older};

const STYLESHEET_PATH: &str = "/assets/web.css";
const SCRIPT_PATH: &str = "/assets/web.js";
/// Posts a timeline page shows.
const TIMELINE_LENGTH: u32 = 30;

/// The web interface's routes, for `hamlet_api::app_with`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(front))
        .route("/auth/sign_in", get(sign_in_form).post(sign_in))
        .route("/auth/sign_out", post(sign_out))
        .route("/home", get(home))
        .route("/local", get(local))
        .route("/federated", get(federated))
        .route("/favourites", get(favourites))
        .route("/bookmarks", get(bookmarks))
        .route("/statuses", post(compose))
        .route("/statuses/{id}/{action}", post(actions::act))
        .route("/notifications", get(account::notifications))
        .route(
            "/settings",
            get(account::settings).post(account::save_settings),
        )
        .route("/settings/password", post(account::change_password))
        .route("/settings/pictures", post(account::save_pictures))
        .route(
            "/settings/sign_out_everywhere",
            post(account::sign_out_everywhere),
        )
        .route("/settings/apps/{id}/revoke", post(account::revoke_app))
        .route("/follow_requests", get(posts::follow_requests))
        .route(
            "/follow_requests/{acct}/{answer}",
            post(posts::answer_follow_request),
        )
        .route("/search", get(search::search))
        .route("/tags/{name}", get(search::tag))
        .route("/admin", get(admin::home))
        .route("/admin/community", post(admin::save_community))
        .route("/admin/rules", post(admin::add_rule))
        .route("/admin/rules/{id}/{change}", post(admin::change_rule))
        .route(
            "/admin/members/{username}/{change}",
            post(admin::change_member),
        )
        .route("/@{acct}", get(posts::profile))
        // A post's page, and the buttons of a profile (`follow`, `mute`, `block`, ...).
        .route(
            "/@{acct}/{id}",
            get(posts::thread).post(posts::change_relation),
        )
        .route(STYLESHEET_PATH, get(stylesheet))
        .route(SCRIPT_PATH, get(script))
}

async fn stylesheet() -> Response {
    asset(include_str!("../assets/web.css"), "text/css; charset=utf-8")
}

async fn script() -> Response {
    asset(
        include_str!("../assets/web.js"),
        "text/javascript; charset=utf-8",
    )
}

/// An embedded file with its type; `nosniff` comes with every response.
fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// `GET /`: the community's front page; members go to their home timeline.
async fn front(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    headers: HeaderMap,
) -> Response {
    if session.is_some() {
        return see_other("/home");
    }
    let result: Result<Response, ApiError> = async {
        let csrf = Csrf::for_request(&headers);
        let community = community::current(&state).await?;
        let rules = state.store.community_rules().await?;
        let admins = state
            .store
            .list_members(MemberFilter {
                role: Some(Role::Admin),
                suspended: Some(false),
            })
            .await?;
        let page = FrontPage {
            chrome: Chrome::with(&community, None, csrf.token.clone()),
            paragraphs: views::paragraphs(&community.description),
            rules: rules
                .into_iter()
                .map(|rule| (rule.text, rule.hint))
                .collect(),
            contact_email: community.contact_email.clone(),
            admins: admins
                .iter()
                .map(|admin| admin.account.username.clone())
                .collect(),
            private: community.private,
        };
        Ok(csrf.attach(&state.settings, html(StatusCode::OK, &page)))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn sign_in_page(
    state: &AppState,
    csrf: &Csrf,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Response {
    let page = SignInPage {
        chrome: Chrome::load(state, None, csrf.token.clone()).await,
        username,
        error,
    };
    csrf.attach(&state.settings, html(status, &page))
}

/// `GET /auth/sign_in`.
async fn sign_in_form(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    headers: HeaderMap,
) -> Response {
    if session.is_some() {
        return see_other("/home");
    }
    let csrf = Csrf::for_request(&headers);
    sign_in_page(&state, &csrf, StatusCode::OK, "", None).await
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /auth/sign_in`: checks the password (rate limited per client address) and
/// starts a session.
async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SignInForm>,
) -> Response {
    let csrf = Csrf::for_request(&headers);
    let username = form.username.trim();
    if !Csrf::verify(&headers, &form.csrf_token) {
        return sign_in_page(
            &state,
            &csrf,
            StatusCode::FORBIDDEN,
            username,
            Some("This form expired. Please try again."),
        )
        .await;
    }
    if state.limiter.check(Bucket::SignIn, ip).is_err() {
        return sign_in_page(
            &state,
            &csrf,
            StatusCode::TOO_MANY_REQUESTS,
            username,
            Some("Too many attempts. Please wait a few minutes."),
        )
        .await;
    }
    let member = match members::check_password(&state.store, username, &form.password).await {
        Ok(Some(member)) => member,
        Ok(None) => {
            return sign_in_page(
                &state,
                &csrf,
                StatusCode::UNAUTHORIZED,
                username,
                Some("Wrong username or password."),
            )
            .await;
        }
        Err(error) => return ApiError::from(error).into_response(),
    };
    if member.account.is_suspended() {
        return sign_in_page(
            &state,
            &csrf,
            StatusCode::FORBIDDEN,
            username,
            Some("Your account is suspended."),
        )
        .await;
    }
    match session::start(&state, &member).await {
        Ok(cookie) => {
            let mut response = see_other("/home");
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(response) => response,
    }
}

/// `POST /auth/sign_out`: ends this browser's session.
async fn sign_out(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    axum::Form(form): axum::Form<session::CsrfOnly>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return forbidden(&state);
    }
    if let Err(error) = state
        .store
        .delete_web_session(&session.token_digest())
        .await
    {
        return ApiError::from(error).into_response();
    }
    let mut response = see_other("/");
    response
        .headers_mut()
        .append(header::SET_COOKIE, session::cleared(&state.settings));
    response
}

pub(crate) fn forbidden(state: &AppState) -> Response {
    message(
        &state.settings,
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form is no longer valid. Go back, reload the page and try again.",
    )
}

/// The compose form with the member's defaults.
pub(crate) async fn compose_form(
    state: &AppState,
    member: &hamlet_core::account::Member,
) -> Result<ComposeForm, ApiError> {
    let community = state.store.community_settings().await?;
    let defaults = &member.user.defaults;
    Ok(ComposeForm {
        max_characters: state.settings.instance.max_characters,
        visibilities: VISIBILITIES,
        visibility: defaults.privacy.as_str(),
        local_only: defaults.local_only.unwrap_or(community.default_local_only),
        error: None,
        notice: None,
    })
}

async fn home_page(
    state: &AppState,
    session: &session::Session,
    compose: ComposeForm,
    older: &Older,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let member = &session.member;
    let ids = state
        .store
        .home_timeline(
            member.account.id,
            older.page(TIMELINE_LENGTH)?,
            Timestamp::now(),
        )
        .await?;
    let page = TimelinePage {
        chrome: Chrome::load(state, Some(member), session.csrf_token())
            .await
            .at("/home"),
        heading: "Home".to_owned(),
        compose: Some(compose),
        posts: views::posts(state, Some(member), &ids).await?,
        older: views::older_link("/home", &ids, TIMELINE_LENGTH),
    };
    Ok(html(status, &page))
}

/// `GET /home`: the compose form and the member's home timeline.
async fn home(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Query(older): Query<Older>,
) -> Response {
    let result = async {
        let compose = compose_form(&state, &session.member).await?;
        home_page(&state, &session, compose, &older, StatusCode::OK).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// A list of posts a member reads (besides home, which has the compose form).
#[derive(Clone, Copy)]
enum List {
    /// Members' public posts, local-only included.
    Community,
    /// Public posts from everywhere Hamlet knows of.
    Federated,
    Favourites,
    Bookmarks,
}

impl List {
    fn heading(self) -> &'static str {
        match self {
            List::Community => "Community",
            List::Federated => "Federated",
            List::Favourites => "Favourites",
            List::Bookmarks => "Bookmarks",
        }
    }

    fn path(self) -> &'static str {
        match self {
            List::Community => "/local",
            List::Federated => "/federated",
            List::Favourites => "/favourites",
            List::Bookmarks => "/bookmarks",
        }
    }

    /// The posts of one page, and the ids the list pages by (a post's own id in
    /// timelines, the favourite's or bookmark's in those lists).
    async fn page(
        self,
        state: &AppState,
        member: &hamlet_core::account::Member,
        page: Page,
    ) -> Result<(Vec<Id>, Vec<Id>), ApiError> {
        let me = member.account.id;
        let timeline = |local| async move {
            let ids = state
                .store
                .public_timeline(Some(me), local, None, page, Timestamp::now())
                .await?;
            Ok::<_, ApiError>((ids.clone(), ids))
        };
        let marked = |mark| async move {
            let marked = state.store.marked_statuses(mark, me, page).await?;
            Ok::<_, ApiError>(marked.into_iter().unzip())
        };
        match self {
            List::Community => timeline(Some(true)).await,
            List::Federated => timeline(None).await,
            List::Favourites => marked(hamlet_store::Mark::Favourite).await,
            List::Bookmarks => marked(hamlet_store::Mark::Bookmark).await,
        }
    }
}

async fn list(state: AppState, session: session::Session, list: List, older: Older) -> Response {
    let result: Result<Response, ApiError> = async {
        let member = &session.member;
        let community = community::current(&state).await?;
        if matches!(list, List::Federated) && !community.federated_timeline {
            return Ok(posts::not_found(&state, Some(&session)).await);
        }
        let (cursors, ids) = list
            .page(&state, member, older.page(TIMELINE_LENGTH)?)
            .await?;
        let page = TimelinePage {
            chrome: Chrome::with(&community, Some(member), session.csrf_token()).at(list.path()),
            heading: list.heading().to_owned(),
            compose: None,
            posts: views::posts(&state, Some(member), &ids).await?,
            older: views::older_link(list.path(), &cursors, TIMELINE_LENGTH),
        };
        Ok(html(StatusCode::OK, &page))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /local`.
async fn local(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Query(older): Query<Older>,
) -> Response {
    list(state, session, List::Community, older).await
}

/// `GET /federated` (unless an admin switched it off).
async fn federated(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Query(older): Query<Older>,
) -> Response {
    list(state, session, List::Federated, older).await
}

/// `GET /favourites`.
async fn favourites(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Query(older): Query<Older>,
) -> Response {
    list(state, session, List::Favourites, older).await
}

/// `GET /bookmarks`.
async fn bookmarks(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Query(older): Query<Older>,
) -> Response {
    list(state, session, List::Bookmarks, older).await
}

#[derive(Deserialize)]
struct ComposeFields {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    #[serde(default)]
    visibility: String,
    /// A ticked checkbox sends its value; an unticked one sends nothing (federated).
    local_only: Option<String>,
    /// Set by the reply form of a post's page.
    #[serde(default)]
    in_reply_to_id: String,
}

/// `POST /statuses`: writes a post from the compose form, then shows the home timeline.
async fn compose(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    axum::Form(form): axum::Form<ComposeFields>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return forbidden(&state);
    }
    let result: Result<Response, ApiError> = async {
        let visibility = match form.visibility.as_str() {
            "" => None,
            other => Some(
                other
                    .parse()
                    .map_err(|e| ApiError::Validation(format!("Who can see it: {e}")))?,
            ),
        };
        let written = statuses::create(
            &state,
            &session.member,
            NewPost {
                text: form.status.clone(),
                spoiler_text: form.spoiler_text.clone(),
                sensitive: None,
                visibility,
                language: None,
                in_reply_to_id: Some(form.in_reply_to_id.clone()).filter(|id| !id.is_empty()),
                idempotency_key: None,
                application_id: None,
                local_only: Some(form.local_only.is_some()),
                // The web composer attaches no pictures yet; apps can.
                media_ids: Vec::new(),
            },
        )
        .await;
        match written {
            // A reply is shown in its thread; a new post at the top of the home timeline.
            Ok(status) if status.in_reply_to_id.is_some() => Ok(see_other(&format!(
                "/@{}/{}",
                session.member.account.username, status.id
            ))),
            Ok(_) => Ok(see_other("/home")),
            Err(ApiError::Validation(problem)) => {
                let mut compose = compose_form(&state, &session.member).await?;
                compose.error = Some(problem);
                home_page(
                    &state,
                    &session,
                    compose,
                    &Older::default(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
