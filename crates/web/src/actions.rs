//! The buttons under a post: favourite, boost, bookmark and their undoing, through the
//! same services as the API. Each brings the member back to the page they were on.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use hamlet_api::AppState;
use hamlet_api::error::ApiError;
use hamlet_api::service::interactions;
use hamlet_store::Mark;
use serde::Deserialize;

use crate::session::SignedIn;

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    return_to: String,
}

/// A local path to go back to; anything else (another host, `//host`) is refused in
/// favour of the home timeline, so the form cannot be made an open redirect.
fn local_path(return_to: &str) -> &str {
    let local = return_to.starts_with('/')
        && !return_to.starts_with("//")
        && !return_to.contains('\\')
        && !return_to.chars().any(char::is_control);
    if local { return_to } else { "/home" }
}

/// `POST /statuses/{id}/{action}`.
pub async fn act(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((id, action)): Path<(String, String)>,
    axum::Form(form): axum::Form<ActionForm>,
) -> Response {
    if !session.verify_csrf(&form.csrf_token) {
        return crate::forbidden(&state);
    }
    let member = &session.member;
    let result: Result<(), ApiError> = async {
        let status = interactions::target(&state, member, &id).await?;
        match action.as_str() {
            "favourite" => {
                interactions::set_mark(&state, member, &status, Mark::Favourite, true).await
            }
            "unfavourite" => {
                interactions::set_mark(&state, member, &status, Mark::Favourite, false).await
            }
            "bookmark" => {
                interactions::set_mark(&state, member, &status, Mark::Bookmark, true).await
            }
            "unbookmark" => {
                interactions::set_mark(&state, member, &status, Mark::Bookmark, false).await
            }
            "boost" => interactions::reblog(&state, member, &status, None)
                .await
                .map(|_| ()),
            "unboost" => interactions::unreblog(&state, member, &status).await,
            _ => Err(ApiError::NotFound),
        }
    }
    .await;
    match result {
        Ok(()) => crate::see_other(local_path(&form.return_to)),
        Err(ApiError::NotFound) => crate::posts::not_found(&state, Some(&session)).await,
        Err(error) => error.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path("/@alice/1"), "/@alice/1");
        assert_eq!(local_path("//evil.example/x"), "/home");
        assert_eq!(local_path("https://evil.example"), "/home");
        assert_eq!(local_path("/\\evil.example"), "/home");
        assert_eq!(local_path(""), "/home");
    }
}
