//! OAuth 2 as Mastodon clients use it: app registration, the authorization-code flow
//! (with PKCE S256 and the out-of-band redirect), the password and client-credentials
//! grants, revocation, and server metadata (RFC 8414).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hamlet_core::account::Member;
use hamlet_core::scope::{self, Scopes};
use hamlet_core::{Timestamp, secret};
use hamlet_store::{
    Application, CodeRedemption, NewAccessToken, NewApplication, NewAuthorizationCode,
};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::AppState;
use crate::auth::{Auth, ClientIp};
use crate::browser_session;
use crate::entities::{self, CredentialApplication, Token};
use crate::error::{ApiError, ApiResult};
use crate::pages::{self, AuthorizePage, Csrf, MessagePage};
use crate::params::{Params, Query, flex};
use crate::rate_limit::Bucket;
use crate::service::members;

/// The redirect URI that shows the code to the member instead of redirecting.
pub const OUT_OF_BAND: &str = "urn:ietf:wg:oauth:2.0:oob";
const CODE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(600);
const MAX_APP_NAME_CHARS: usize = 60;
const MAX_URI_CHARS: usize = 2000;
const MAX_REDIRECT_URIS: usize = 10;

#[derive(Deserialize)]
pub struct RegisterAppParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    client_name: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string_list")]
    redirect_uris: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex::opt_string_list")]
    scopes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    website: Option<String>,
}

fn validate_redirect_uri(uri: &str) -> Result<(), String> {
    if uri == OUT_OF_BAND {
        return Ok(());
    }
    if uri.chars().count() > MAX_URI_CHARS {
        return Err("redirect_uris contains a URI that is too long".into());
    }
    let parsed =
        Url::parse(uri).map_err(|_| format!("redirect_uris: {uri:?} is not an absolute URI"))?;
    if parsed.fragment().is_some() {
        return Err("redirect_uris must not contain fragments".into());
    }
    // Apps use their own schemes (`com.example.app://`); schemes that run code or read
    // local files in a browser are never a place to send a code.
    if matches!(
        parsed.scheme(),
        "javascript" | "data" | "vbscript" | "file" | "blob" | "about"
    ) {
        return Err(format!(
            "redirect_uris: the {} scheme is not allowed",
            parsed.scheme()
        ));
    }
    if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_none() {
        return Err(format!("redirect_uris: {uri:?} has no host"));
    }
    Ok(())
}

fn parse_scope_words(words: Option<Vec<String>>) -> Result<Scopes, scope::ScopeError> {
    Scopes::parse(&words.unwrap_or_default().join(" "))
}

/// `POST /api/v1/apps`.
pub async fn register_app(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Params(params): Params<RegisterAppParams>,
) -> ApiResult<Json<CredentialApplication>> {
    state.limiter.check(Bucket::AppRegistration, ip)?;
    let name = params.client_name.unwrap_or_default().trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::Validation("client_name can't be blank".into()));
    }
    if name.chars().count() > MAX_APP_NAME_CHARS {
        return Err(ApiError::Validation(format!(
            "client_name is too long (maximum is {MAX_APP_NAME_CHARS} characters)"
        )));
    }
    let redirect_uris: Vec<String> = params
        .redirect_uris
        .unwrap_or_default()
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(str::to_owned)
        .collect();
    if redirect_uris.is_empty() {
        return Err(ApiError::Validation("redirect_uris can't be blank".into()));
    }
    if redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(ApiError::Validation("too many redirect_uris".into()));
    }
    for uri in &redirect_uris {
        validate_redirect_uri(uri).map_err(ApiError::Validation)?;
    }
    let scopes = parse_scope_words(params.scopes)
        .map_err(|e| ApiError::Validation(format!("scopes: {e}")))?;
    let website = params
        .website
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty());
    if let Some(website) = &website {
        let valid = website.chars().count() <= MAX_URI_CHARS
            && Url::parse(website).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !valid {
            return Err(ApiError::Validation(
                "website is not a valid http(s) URL".into(),
            ));
        }
    }
    let client_id = secret::generate();
    let client_secret = secret::generate();
    let app = state
        .store
        .insert_application(NewApplication {
            client_id: client_id.clone(),
            client_secret_digest: secret::digest(&client_secret),
            name,
            website,
            redirect_uris,
            scopes,
            created_at: Timestamp::now(),
        })
        .await?;
    Ok(Json(CredentialApplication {
        application: entities::Application::new(&app),
        client_id,
        client_secret,
        client_secret_expires_at: 0,
    }))
}

/// `GET /api/v1/apps/verify_credentials`: the app a token belongs to.
pub async fn verify_app(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<entities::Application>> {
    let app = state
        .store
        .application_by_id(auth.token.application_id)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    Ok(Json(entities::Application::new(&app)))
}

/// The parameters of an authorization request, as the app sends them to `GET` and as the
/// consent form posts them back.
#[derive(Deserialize, Default)]
pub struct AuthorizeParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    response_type: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    redirect_uri: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    scope: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    code_challenge: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    code_challenge_method: Option<String>,
    // The consent form's own fields.
    #[serde(default, deserialize_with = "flex::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    decision: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    csrf_token: Option<String>,
}

/// An authorization request that has passed every check.
struct AuthorizationRequest {
    app: Application,
    redirect_uri: String,
    scopes: Scopes,
    state: String,
    code_challenge: Option<String>,
}

/// Why an authorization request cannot proceed. Errors about the client or its redirect
/// URI are shown to the member (redirecting would send them to an unverified place);
/// the others go back to the app's redirect URI, as RFC 6749 §4.1.2.1 says.
enum AuthorizeFailure {
    Page(StatusCode, &'static str, String),
    Redirect {
        redirect_uri: String,
        state: String,
        error: &'static str,
        description: String,
    },
    Api(ApiError),
}

impl From<ApiError> for AuthorizeFailure {
    fn from(error: ApiError) -> Self {
        AuthorizeFailure::Api(error)
    }
}

impl From<hamlet_store::StoreError> for AuthorizeFailure {
    fn from(error: hamlet_store::StoreError) -> Self {
        AuthorizeFailure::Api(error.into())
    }
}

fn is_pkce_challenge(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn validate_authorization(
    state: &AppState,
    params: &AuthorizeParams,
) -> Result<AuthorizationRequest, AuthorizeFailure> {
    let client_id = params.client_id.as_deref().unwrap_or_default();
    let Some(app) = state.store.application_by_client_id(client_id).await? else {
        return Err(AuthorizeFailure::Page(
            StatusCode::BAD_REQUEST,
            "Unknown app",
            "The app that sent you here is not registered with this server.".into(),
        ));
    };
    let redirect_uri = match params.redirect_uri.as_deref().filter(|u| !u.is_empty()) {
        Some(uri) if app.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
        None if app.redirect_uris.len() == 1 => app.redirect_uris[0].clone(),
        _ => {
            return Err(AuthorizeFailure::Page(
                StatusCode::BAD_REQUEST,
                "Invalid redirect URI",
                "The app asked to return to an address it did not register.".into(),
            ));
        }
    };
    let oauth_state = params.state.clone().unwrap_or_default();
    let fail = |error: &'static str, description: &str| AuthorizeFailure::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: oauth_state.clone(),
        error,
        description: description.to_owned(),
    };
    if params.response_type.as_deref() != Some("code") {
        return Err(fail(
            "unsupported_response_type",
            "Only response_type=code is supported.",
        ));
    }
    let scopes = Scopes::parse(params.scope.as_deref().unwrap_or_default())
        .map_err(|e| fail("invalid_scope", &e.to_string()))?;
    if !scopes.is_covered_by(&app.scopes) {
        return Err(fail(
            "invalid_scope",
            "The requested scope is more than the app registered.",
        ));
    }
    let code_challenge = match params.code_challenge.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(challenge) => {
            if params.code_challenge_method.as_deref() != Some("S256") {
                return Err(fail(
                    "invalid_request",
                    "code_challenge_method must be S256.",
                ));
            }
            if !is_pkce_challenge(challenge) {
                return Err(fail("invalid_request", "code_challenge is malformed."));
            }
            Some(challenge.to_owned())
        }
    };
    Ok(AuthorizationRequest {
        app,
        redirect_uri,
        scopes,
        state: oauth_state,
        code_challenge,
    })
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    match Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (key, value) in pairs {
                    if !value.is_empty() {
                        query.append_pair(key, value);
                    }
                }
            }
            let mut response = Redirect::to(url.as_str()).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => ApiError::BadRequest("invalid redirect_uri".into()).into_response(),
    }
}

fn failure_response(state: &AppState, failure: AuthorizeFailure) -> Response {
    match failure {
        AuthorizeFailure::Page(status, title, message) => {
            pages::message(&state.settings, status, title, &message)
        }
        AuthorizeFailure::Redirect {
            redirect_uri,
            state: oauth_state,
            error,
            description,
        } => {
            if redirect_uri == OUT_OF_BAND {
                pages::message(
                    &state.settings,
                    StatusCode::BAD_REQUEST,
                    error,
                    &description,
                )
            } else {
                redirect_with(
                    &redirect_uri,
                    &[
                        ("error", error),
                        ("error_description", &description),
                        ("state", &oauth_state),
                    ],
                )
            }
        }
        AuthorizeFailure::Api(error) => error.into_response(),
    }
}

/// Who answers the consent page: a member already signed in through this browser, or
/// whoever types a username and password.
enum Answerer<'a> {
    SignedIn(&'a Member),
    Typing(&'a str),
}

fn consent_page(
    state: &AppState,
    request: &AuthorizationRequest,
    csrf: &Csrf,
    status: StatusCode,
    answerer: Answerer<'_>,
    error: Option<&str>,
) -> Response {
    let (signed_in_as, username) = match answerer {
        Answerer::SignedIn(member) => (Some(member.account.username.as_str()), ""),
        Answerer::Typing(username) => (None, username),
    };
    let page = AuthorizePage {
        instance_name: &state.settings.instance.name,
        signed_in_as,
        app_name: &request.app.name,
        app_website: request.app.website.as_deref(),
        scopes: request.scopes.iter().collect(),
        scope: request.scopes.to_string(),
        client_id: &request.app.client_id,
        redirect_uri: &request.redirect_uri,
        state: &request.state,
        code_challenge: request.code_challenge.as_deref().unwrap_or_default(),
        code_challenge_method: if request.code_challenge.is_some() {
            "S256"
        } else {
            ""
        },
        username,
        csrf_token: &csrf.token,
        error,
    };
    csrf.attach(&state.settings, pages::html(status, &page))
}

/// `GET /oauth/authorize`: the sign-in and consent page.
pub async fn authorize_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    match validate_authorization(&state, &params).await {
        Ok(request) => {
            let csrf = Csrf::for_request(&headers);
            let signed_in = browser_session::signed_in(&state, &headers).await;
            let answerer = match &signed_in {
                Some((member, _)) => Answerer::SignedIn(member),
                None => Answerer::Typing(""),
            };
            consent_page(&state, &request, &csrf, StatusCode::OK, answerer, None)
        }
        Err(failure) => failure_response(&state, failure),
    }
}

/// `POST /oauth/authorize`: the member's answer.
pub async fn authorize_decision(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Params(params): Params<AuthorizeParams>,
) -> Response {
    let request = match validate_authorization(&state, &params).await {
        Ok(request) => request,
        Err(failure) => return failure_response(&state, failure),
    };
    let submitted = params.csrf_token.as_deref().unwrap_or_default();
    if !Csrf::verify(&headers, submitted) {
        return pages::message(
            &state.settings,
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form expired or did not come from this server. Go back to the app and try again.",
        );
    }
    if params.decision.as_deref() == Some("deny") {
        return failure_response(
            &state,
            AuthorizeFailure::Redirect {
                redirect_uri: request.redirect_uri,
                state: request.state,
                error: "access_denied",
                description: "The member denied the request.".into(),
            },
        );
    }
    let member = match browser_session::signed_in(&state, &headers).await {
        // Signed in through this browser: the session is the proof of who answers, as
        // the password would be (the CSRF token proves the answer came from this page).
        Some((member, _)) => member,
        None => match check_typed_password(&state, &request, &headers, ip, &params).await {
            Ok(member) => member,
            Err(response) => return response,
        },
    };
    let code = secret::generate();
    let now = Timestamp::now();
    let stored = state
        .store
        .insert_authorization_code(NewAuthorizationCode {
            code_digest: secret::digest(&code),
            application_id: request.app.id,
            account_id: member.account.id,
            redirect_uri: request.redirect_uri.clone(),
            scopes: request.scopes.clone(),
            code_challenge: request.code_challenge.clone(),
            created_at: now,
            expires_at: now.plus(CODE_LIFETIME),
        })
        .await;
    if let Err(error) = stored {
        return ApiError::from(error).into_response();
    }
    if request.redirect_uri == OUT_OF_BAND {
        let page = MessagePage {
            instance_name: &state.settings.instance.name,
            title: "Authorization code",
            message: "Copy this code and paste it into the app.",
            code: Some(&code),
        };
        return pages::html(StatusCode::OK, &page);
    }
    redirect_with(
        &request.redirect_uri,
        &[("code", &code), ("state", &request.state)],
    )
}

/// The member whose username and password the consent form carries, or the page again
/// saying what went wrong.
async fn check_typed_password(
    state: &AppState,
    request: &AuthorizationRequest,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    params: &AuthorizeParams,
) -> Result<Member, Response> {
    let csrf = Csrf::for_request(headers);
    let username = params.username.as_deref().unwrap_or_default().trim();
    state
        .limiter
        .check(Bucket::SignIn, ip)
        .map_err(IntoResponse::into_response)?;
    let password = params.password.as_deref().unwrap_or_default();
    let member = match members::check_password(&state.store, username, password).await {
        Ok(Some(member)) => member,
        Ok(None) => {
            return Err(consent_page(
                state,
                request,
                &csrf,
                StatusCode::UNAUTHORIZED,
                Answerer::Typing(username),
                Some("Wrong username or password."),
            ));
        }
        Err(error) => return Err(ApiError::from(error).into_response()),
    };
    if member.account.is_suspended() {
        return Err(consent_page(
            state,
            request,
            &csrf,
            StatusCode::FORBIDDEN,
            Answerer::Typing(username),
            Some("Your login is currently disabled."),
        ));
    }
    Ok(member)
}

#[derive(Deserialize)]
pub struct TokenParams {
    #[serde(default, deserialize_with = "flex::opt_string")]
    grant_type: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    client_secret: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    code: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    redirect_uri: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    code_verifier: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_string_list")]
    scope: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex::opt_string")]
    token: Option<String>,
}

fn invalid_request(description: &str) -> ApiError {
    ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn invalid_grant(description: &str) -> ApiError {
    ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn invalid_client() -> ApiError {
    ApiError::oauth(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Client authentication failed: unknown client, no client authentication included, or unsupported authentication method.",
    )
}

fn invalid_scope(description: &str) -> ApiError {
    ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_scope", description)
}

/// The client's credentials, from HTTP Basic authentication or the body.
fn client_credentials(
    headers: &HeaderMap,
    params: &TokenParams,
) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(id, secret)| (percent_decode(id), percent_decode(secret)))
        });
    match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (params.client_id.clone(), params.client_secret.clone()),
    }
}

/// RFC 6749 §2.3.1 form-encodes Basic credentials.
fn percent_decode(value: &str) -> String {
    url::form_urlencoded::parse(format!("v={value}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Which client is asking, and whether it proved it with its secret.
struct Client {
    app: Application,
    authenticated: bool,
}

async fn identify_client(
    state: &AppState,
    headers: &HeaderMap,
    params: &TokenParams,
) -> ApiResult<Client> {
    let (client_id, client_secret) = client_credentials(headers, params);
    let client_id = client_id
        .filter(|c| !c.is_empty())
        .ok_or_else(invalid_client)?;
    let app = state
        .store
        .application_by_client_id(&client_id)
        .await?
        .ok_or_else(invalid_client)?;
    let authenticated = match client_secret.filter(|s| !s.is_empty()) {
        None => false,
        Some(presented) => {
            let matches = secret::constant_time_eq(
                secret::digest(&presented).as_bytes(),
                app.client_secret_digest.as_bytes(),
            );
            if !matches {
                return Err(invalid_client());
            }
            true
        }
    };
    Ok(Client { app, authenticated })
}

fn requested_scopes(params: &TokenParams, app: &Application) -> ApiResult<Scopes> {
    let scopes =
        parse_scope_words(params.scope.clone()).map_err(|e| invalid_scope(&e.to_string()))?;
    if !scopes.is_covered_by(&app.scopes) {
        return Err(invalid_scope(
            "The requested scope is more than the app registered.",
        ));
    }
    Ok(scopes)
}

fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    well_formed
        && secret::constant_time_eq(
            URL_SAFE_NO_PAD
                .encode(secret::sha256(verifier.as_bytes()))
                .as_bytes(),
            challenge.as_bytes(),
        )
}

/// `POST /oauth/token`.
pub async fn token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Params(params): Params<TokenParams>,
) -> ApiResult<Response> {
    state.limiter.check(Bucket::Token, ip)?;
    let grant_type = params
        .grant_type
        .clone()
        .ok_or_else(|| invalid_request("Missing required parameter: grant_type."))?;
    let client = identify_client(&state, &headers, &params).await?;
    let now = Timestamp::now();
    let (account_id, scopes, code_digest) = match grant_type.as_str() {
        "authorization_code" => {
            let code = params
                .code
                .as_deref()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| invalid_request("Missing required parameter: code."))?;
            let digest = secret::digest(code);
            let grant = match state.store.redeem_authorization_code(&digest, now).await? {
                CodeRedemption::Redeemed(grant) => grant,
                CodeRedemption::Replayed => {
                    return Err(invalid_grant(
                        "The authorization code was already used; tokens issued for it have been revoked.",
                    ));
                }
                CodeRedemption::Unknown => {
                    return Err(invalid_grant("The authorization code is invalid."));
                }
            };
            if grant.application_id != client.app.id {
                return Err(invalid_grant(
                    "The authorization code was issued to another client.",
                ));
            }
            if grant.expires_at <= now {
                return Err(invalid_grant("The authorization code has expired."));
            }
            let redirect_uri = params
                .redirect_uri
                .as_deref()
                .unwrap_or(&grant.redirect_uri);
            if redirect_uri != grant.redirect_uri {
                return Err(invalid_grant(
                    "The redirect URI does not match the authorization request.",
                ));
            }
            match (&grant.code_challenge, params.code_verifier.as_deref()) {
                (Some(challenge), Some(verifier)) if pkce_matches(verifier, challenge) => {}
                (Some(_), _) => {
                    return Err(invalid_grant("The PKCE code verifier does not match."));
                }
                (None, Some(_)) => {
                    return Err(invalid_grant(
                        "A code verifier was sent for a code issued without a challenge.",
                    ));
                }
                // A client without PKCE must prove itself with its secret.
                (None, None) if !client.authenticated => return Err(invalid_client()),
                (None, None) => {}
            }
            // A member suspended since approving gets nothing (suspension also deletes
            // pending codes; this holds even for one approved a moment before).
            let member = state.store.member_by_id(grant.account_id).await?;
            if member.is_none_or(|m| m.account.is_suspended()) {
                return Err(invalid_grant("Your login is currently disabled."));
            }
            (Some(grant.account_id), grant.scopes, Some(digest))
        }
        "password" => {
            if !client.authenticated {
                return Err(invalid_client());
            }
            let scopes = requested_scopes(&params, &client.app)?;
            let (Some(username), Some(password)) = (&params.username, &params.password) else {
                return Err(invalid_request(
                    "Missing required parameters: username and password.",
                ));
            };
            state.limiter.check(Bucket::SignIn, ip)?;
            let member = members::check_password(&state.store, username.trim(), password)
                .await?
                .ok_or_else(|| invalid_grant("Invalid username or password."))?;
            if member.account.is_suspended() {
                return Err(invalid_grant("Your login is currently disabled."));
            }
            (Some(member.account.id), scopes, None)
        }
        "client_credentials" => {
            if !client.authenticated {
                return Err(invalid_client());
            }
            (None, requested_scopes(&params, &client.app)?, None)
        }
        _ => {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported.",
            ));
        }
    };
    let access_token = secret::generate();
    let stored = state
        .store
        .insert_access_token(NewAccessToken {
            token_digest: secret::digest(&access_token),
            application_id: client.app.id,
            account_id,
            authorization_code_digest: code_digest,
            scopes,
            created_at: now,
        })
        .await?;
    let mut response = Json(Token {
        access_token,
        token_type: "Bearer",
        scope: stored.scopes.to_string(),
        created_at: now.as_secs(),
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /oauth/revoke` (RFC 7009): the client must authenticate; the answer is the same
/// whether or not the token existed.
pub async fn revoke(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Params(params): Params<TokenParams>,
) -> ApiResult<Json<serde_json::Value>> {
    state.limiter.check(Bucket::Token, ip)?;
    let client = identify_client(&state, &headers, &params).await?;
    if !client.authenticated {
        return Err(invalid_client());
    }
    let token = params
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_request("Missing required parameter: token."))?;
    state
        .store
        .revoke_access_token(&secret::digest(token), client.app.id)
        .await?;
    Ok(Json(json!({})))
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub async fn server_metadata(State(state): State<AppState>) -> Json<serde_json::Value> {
    let settings = &state.settings;
    Json(json!({
        "issuer": settings.url("/"),
        "authorization_endpoint": settings.url("/oauth/authorize"),
        "token_endpoint": settings.url("/oauth/token"),
        "revocation_endpoint": settings.url("/oauth/revoke"),
        "userinfo_endpoint": settings.url("/oauth/userinfo"),
        "app_registration_endpoint": settings.url("/api/v1/apps"),
        "scopes_supported": scope::KNOWN,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "service_documentation": "https://docs.joinmastodon.org/",
    }))
}

/// `GET|POST /oauth/userinfo`: OpenID Connect claims about the token's member, for
/// "sign in with your Hamlet account" on other sites. Only the `profile` scope reaches
/// it, as on Mastodon: it reveals who the member is and nothing they wrote.
pub async fn userinfo(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<serde_json::Value>> {
    let member = auth.member_with_scope(&["profile"])?;
    let account = entities::Account::new(&member.account, &Default::default(), &state.settings);
    Ok(Json(json!({
        "iss": state.settings.url("/"),
        "sub": account.uri,
        "name": account.display_name,
        "preferred_username": account.username,
        "profile": account.url,
        "picture": account.avatar,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_rfc_7636_example() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(&verifier.replace('d', "e"), challenge));
        assert!(!pkce_matches("short", challenge));
        assert!(is_pkce_challenge(challenge));
    }

    #[test]
    fn redirect_uri_rules() {
        assert!(validate_redirect_uri(OUT_OF_BAND).is_ok());
        assert!(validate_redirect_uri("https://app.example/callback").is_ok());
        assert!(validate_redirect_uri("com.tapbots.ivory://oauth").is_ok());
        assert!(validate_redirect_uri("javascript:alert(1)").is_err());
        assert!(validate_redirect_uri("data:text/html,x").is_err());
        assert!(validate_redirect_uri("https://app.example/cb#frag").is_err());
        assert!(validate_redirect_uri("/relative").is_err());
    }
}
