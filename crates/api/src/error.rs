//! Errors as Mastodon clients expect them: a status code and `{"error": "..."}` (plus
//! `error_description` for OAuth errors, as RFC 6749 names them).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hamlet_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("The access token is invalid")]
    InvalidToken,
    #[error("This action is outside the authorized scopes")]
    OutsideScopes,
    #[error("This method requires an authenticated user")]
    UserRequired,
    /// A private community's API, asked without a token.
    #[error("This API requires an authenticated user")]
    AuthenticationRequired,
    #[error("Your login is currently disabled")]
    LoginDisabled,
    #[error("{0}")]
    Forbidden(String),
    #[error("Record not found")]
    NotFound,
    #[error("Request body too large (the limit is {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    #[error("Unsupported content type {0:?}")]
    UnsupportedMediaType(String),
    #[error("Validation failed: {0}")]
    Validation(String),
    #[error("Too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("{error}")]
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: String,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_description: Option<&'a str>,
    /// Mastodon's validation errors carry per-field details; Hamlet's messages name the
    /// field in `error`, so the map is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidToken | ApiError::AuthenticationRequired => StatusCode::UNAUTHORIZED,
            ApiError::OutsideScopes | ApiError::LoginDisabled | ApiError::Forbidden(_) => {
                StatusCode::FORBIDDEN
            }
            ApiError::UserRequired | ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::OAuth { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn oauth(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        ApiError::OAuth {
            status,
            error,
            description: description.into(),
        }
    }

    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(error.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict(what) => ApiError::Validation(format!("{what} is already taken")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message;
        let body = match &self {
            ApiError::OAuth {
                error, description, ..
            } => ErrorBody {
                error,
                error_description: Some(description),
                details: None,
            },
            ApiError::Internal(detail) => {
                // The detail is for the operator's log, not for the client.
                tracing::error!(%detail, "internal error");
                ErrorBody {
                    error: "Internal server error",
                    error_description: None,
                    details: None,
                }
            }
            other => {
                message = other.to_string();
                ErrorBody {
                    error: &message,
                    error_description: None,
                    details: matches!(other, ApiError::Validation(_)).then(serde_json::Map::new),
                }
            }
        };
        let mut response = (status, Json(&body)).into_response();
        if let ApiError::TooManyRequests { retry_after_secs } = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"Hamlet\", error=\"invalid_token\""),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
