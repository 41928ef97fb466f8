//! Who is asking: the bearer token on a request, the scopes it grants, and the member it
//! acts for. Tokens are looked up by digest; a revoked token is gone from the store, so
//! it stops working on the very next request.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use hamlet_core::account::Member;
use hamlet_core::secret;
use hamlet_store::AccessToken;

use crate::AppState;
use crate::error::ApiError;

/// A request with a valid bearer token.
pub struct Auth {
    pub token: AccessToken,
    /// The member the token acts for; `None` for client-credentials tokens.
    pub member: Option<Member>,
}

impl Auth {
    /// Checks that the token grants at least one of `scopes` (Mastodon lists
    /// alternatives, e.g. `profile` or `read:accounts`).
    pub fn require_scope(&self, scopes: &[&str]) -> Result<(), ApiError> {
        if scopes.iter().any(|s| self.token.scopes.allows(s)) {
            Ok(())
        } else {
            Err(ApiError::OutsideScopes)
        }
    }

    /// The member, after checking the scope: the order Mastodon checks them in.
    pub fn member_with_scope(&self, scopes: &[&str]) -> Result<&Member, ApiError> {
        self.require_scope(scopes)?;
        self.member.as_ref().ok_or(ApiError::UserRequired)
    }
}

/// The signed-in member behind an optional token, if any, after checking that the token
/// grants one of `scopes`. Endpoints readable without signing in use this.
pub fn optional_member<'a>(
    auth: &'a Option<Auth>,
    scopes: &[&str],
) -> Result<Option<&'a Member>, ApiError> {
    match auth {
        Some(auth) => {
            auth.require_scope(scopes)?;
            Ok(auth.member.as_ref())
        }
        None => Ok(None),
    }
}

fn bearer_token(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::InvalidToken)?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::InvalidToken)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::InvalidToken);
    }
    Ok(Some(token.trim()))
}

async fn authenticate(token: &str, state: &AppState) -> Result<Auth, ApiError> {
    let token = state
        .store
        .access_token_by_digest(&secret::digest(token))
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let member = match token.account_id {
        None => None,
        Some(id) => {
            let member = state
                .store
                .member_by_id(id)
                .await?
                .ok_or(ApiError::InvalidToken)?;
            if member.account.is_suspended() {
                return Err(ApiError::LoginDisabled);
            }
            Some(member)
        }
    };
    Ok(Auth { token, member })
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Auth, ApiError> {
        let token = bearer_token(parts)?.ok_or(ApiError::InvalidToken)?;
        authenticate(token, state).await
    }
}

/// `Option<Auth>`: no token is fine, but a token that is presented must be valid.
impl OptionalFromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Auth>, ApiError> {
        match bearer_token(parts)? {
            None => Ok(None),
            Some(token) => authenticate(token, state).await.map(Some),
        }
    }
}

/// The client's address, for rate limiting only (it is never stored or logged). Behind a
/// trusted proxy it is the last address the proxy appended to `X-Forwarded-For`.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if state.settings.trust_proxy_headers
            && let Some(ip) = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
                .next_back()
        {
            return Ok(ClientIp(ip));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| ApiError::internal("the server was started without peer addresses"))?;
        Ok(ClientIp(peer))
    }
}
