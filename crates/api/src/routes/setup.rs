//! `/setup`: the page behind the one-time link printed at first start, where the person
//! running the server creates the first admin account.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hamlet_core::password::Password;
use hamlet_core::username::Username;
use hamlet_core::{Timestamp, secret};
use hamlet_store::FirstAdminError;
use serde::Deserialize;

use crate::AppState;
use crate::auth::ClientIp;
use crate::error::ApiError;
use crate::pages::{self, Csrf, SetupPage};
use crate::params::{Params, Query, flex};
use crate::rate_limit::Bucket;
use crate::service::members;

#[derive(Deserialize)]
pub struct SetupParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    token: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    password_confirmation: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    csrf_token: Option<String>,
}

fn invalid_link(state: &AppState) -> Response {
    pages::message(
        &state.settings,
        StatusCode::NOT_FOUND,
        "Link not valid",
        "This setup link is unknown, used or expired. Restart the server to print a new one \
         (only while no admin exists), or create an admin with `hamlet admin user create`.",
    )
}

fn form(
    state: &AppState,
    csrf: &Csrf,
    status: StatusCode,
    token: &str,
    username: &str,
    error: Option<&str>,
) -> Response {
    let page = SetupPage {
        instance_name: &state.settings.instance.name,
        token,
        username,
        csrf_token: &csrf.token,
        error,
    };
    csrf.attach(&state.settings, pages::html(status, &page))
}

/// `GET /setup?token=...`.
pub async fn form_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<SetupParams>,
) -> Response {
    let token = params.token.unwrap_or_default();
    match state
        .store
        .setup_link_is_valid(&secret::digest(&token), Timestamp::now())
        .await
    {
        Ok(true) => form(
            &state,
            &Csrf::for_request(&headers),
            StatusCode::OK,
            &token,
            "",
            None,
        ),
        Ok(false) => invalid_link(&state),
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// `POST /setup`.
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Params(params): Params<SetupParams>,
) -> Response {
    if let Err(error) = state.limiter.check(Bucket::SignIn, ip) {
        return error.into_response();
    }
    let token = params.token.unwrap_or_default();
    let username_input = params.username.unwrap_or_default().trim().to_owned();
    let csrf = Csrf::for_request(&headers);
    if !Csrf::verify(&headers, params.csrf_token.as_deref().unwrap_or_default()) {
        return pages::message(
            &state.settings,
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form expired or did not come from this server. Open the setup link again.",
        );
    }
    let retry = |message: String| {
        form(
            &state,
            &csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            &username_input,
            Some(&message),
        )
    };
    let username = match Username::parse(&username_input) {
        Ok(username) => username,
        Err(e) => return retry(format!("Username {e}.")),
    };
    let password_input = params.password.unwrap_or_default();
    if params.password_confirmation.as_deref() != Some(password_input.as_str()) {
        return retry("The two passwords differ.".into());
    }
    let password = match Password::parse(&password_input) {
        Ok(password) => password,
        Err(e) => return retry(format!("Password {e}.")),
    };
    match members::create_first_admin(&state.store, &token, username, password).await {
        Ok(admin) => pages::message(
            &state.settings,
            StatusCode::CREATED,
            "Admin account created",
            &format!(
                "@{} is the admin of this community. Sign in from any Mastodon app with the address {}.",
                admin.account.username,
                state.settings.public_url.as_str().trim_end_matches('/')
            ),
        ),
        Err(FirstAdminError::InvalidLink) => invalid_link(&state),
        Err(FirstAdminError::Store(hamlet_store::StoreError::Conflict(_))) => {
            retry("That username is taken.".into())
        }
        Err(FirstAdminError::Store(error)) => ApiError::from(error).into_response(),
    }
}
