//! The cookie of a browser signed in to the web interface. The web crate starts and
//! ends sessions; the API's own pages (OAuth consent) only recognise them, so a member
//! already signed in authorizes an app without typing their password again.

use axum::http::HeaderMap;
use hamlet_core::account::Member;
use hamlet_core::{Timestamp, secret};

use crate::AppState;
use crate::pages::cookie;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "hamlet_session";

/// The member the request's session cookie signs in, with the cookie's token, if the
/// session is valid now (not expired, member not suspended).
pub async fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<(Member, String)> {
    let token = cookie(headers, SESSION_COOKIE)?;
    // Tokens are 256-bit values in unpadded base64url: anything else is not ours.
    if token.len() != 43 {
        return None;
    }
    match state
        .store
        .web_session_member(&secret::digest(token), Timestamp::now())
        .await
    {
        Ok(member) => member.map(|member| (member, token.to_owned())),
        Err(error) => {
            tracing::error!(%error, "could not read a web session");
            None
        }
    }
}
