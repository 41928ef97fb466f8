//! Signed-in browsers: a random token in an `HttpOnly` cookie, its digest in the store
//! (`web_sessions`). Forms of signed-in pages carry a CSRF token derived from the
//! session's token, so it needs no storage and changes with every session; forms of
//! signed-out pages use the double-submit cookie of `hamlet_api::pages::Csrf`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use hamlet_api::browser_session::{self, SESSION_COOKIE};
use hamlet_api::service::community;
use hamlet_api::{AppState, Settings};
use hamlet_core::account::Member;
use hamlet_core::{Timestamp, secret};

/// How long a browser stays signed in.
const SESSION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// A member signed in through this browser.
pub struct Session {
    pub member: Member,
    token: String,
}

impl Session {
    /// The CSRF token of this session's forms.
    pub fn csrf_token(&self) -> String {
        csrf_for(&self.token)
    }

    /// Whether a submitted form's token is this session's.
    pub fn verify_csrf(&self, submitted: &str) -> bool {
        secret::constant_time_eq(self.csrf_token().as_bytes(), submitted.as_bytes())
    }

    pub fn token_digest(&self) -> String {
        secret::digest(&self.token)
    }

    /// The same session, with the member as just reloaded.
    pub fn with_member(self, member: Member) -> Session {
        Session { member, ..self }
    }
}

fn csrf_for(session_token: &str) -> String {
    secret::digest(&format!("csrf {session_token}"))
}

/// The session the request's cookie names, if it is valid now.
pub async fn current(state: &AppState, headers: &HeaderMap) -> Option<Session> {
    let (member, token) = browser_session::signed_in(state, headers).await?;
    Some(Session { member, token })
}

/// Starts a session for `member`; the cookie to set.
pub async fn start(state: &AppState, member: &Member) -> Result<HeaderValue, Response> {
    let token = secret::generate();
    let now = Timestamp::now();
    state
        .store
        .insert_web_session(
            &secret::digest(&token),
            member.account.id,
            now,
            now.plus(SESSION_LIFETIME),
        )
        .await
        .map_err(|e| hamlet_api::error::ApiError::from(e).into_response())?;
    let value = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_LIFETIME.as_secs(),
        secure(&state.settings)
    );
    HeaderValue::from_str(&value)
        .map_err(|_| hamlet_api::error::ApiError::Internal("session cookie".into()).into_response())
}

/// The cookie that removes the session cookie.
pub fn cleared(settings: &Settings) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        secure(settings)
    ))
    .expect("a static cookie")
}

fn secure(settings: &Settings) -> &'static str {
    if settings.is_https() { "; Secure" } else { "" }
}

/// A form that carries nothing but its CSRF token (buttons).
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf_token: String,
}

/// Pages for members only: the signed-in member, or a redirect to the sign-in page.
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<SignedIn, Response> {
        match current(state, &parts.headers).await {
            Some(session) => Ok(SignedIn(session)),
            None => Err(Redirect::to("/auth/sign_in").into_response()),
        }
    }
}

/// Pages visitors may read too, unless the community is private: then a visitor who is
/// not signed in is sent to the sign-in page instead.
pub struct Reader(pub Option<Session>);

impl FromRequestParts<AppState> for Reader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Reader, Response> {
        let session = current(state, &parts.headers).await;
        if session.is_none() {
            let community = community::current(state)
                .await
                .map_err(IntoResponse::into_response)?;
            if community.private {
                return Err(Redirect::to("/auth/sign_in").into_response());
            }
        }
        Ok(Reader(session))
    }
}

/// Any page: the session if there is one.
pub struct MaybeSignedIn(pub Option<Session>);

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<MaybeSignedIn, std::convert::Infallible> {
        Ok(MaybeSignedIn(current(state, &parts.headers).await))
    }
}
