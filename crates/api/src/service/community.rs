//! The community as members and apps see it: the configuration file's values, with what
//! admins changed at run time taking precedence, and its rules.

use hamlet_core::Timestamp;
use hamlet_core::community::{self as rules, Invalid};
use hamlet_store::CommunitySettings;

use crate::AppState;
use crate::error::ApiResult;

/// The community's settings in effect now.
#[derive(Clone, Debug)]
pub struct Community {
    pub name: String,
    /// Plain text; may be empty.
    pub description: String,
    /// May be empty.
    pub contact_email: String,
    pub default_local_only: bool,
    /// Visitors who are not signed in see only the front page and sign-in.
    pub private: bool,
    /// Whether members have a federated timeline.
    pub federated_timeline: bool,
}

/// Reads the community's settings in effect (one query).
pub async fn current(state: &AppState) -> ApiResult<Community> {
    let stored = state.store.community_settings().await?;
    let configured = &state.settings.instance;
    Ok(Community {
        name: stored.name.unwrap_or_else(|| configured.name.clone()),
        description: stored
            .description
            .unwrap_or_else(|| configured.description.clone()),
        contact_email: stored
            .contact_email
            .unwrap_or_else(|| configured.contact_email.clone()),
        default_local_only: stored.default_local_only,
        private: stored.private_community,
        federated_timeline: stored.federated_timeline,
    })
}

/// What an admin submits about the community, before it is checked.
pub struct CommunityForm<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub contact_email: &'a str,
    pub default_local_only: bool,
    pub private: bool,
    pub federated_timeline: bool,
}

/// Checks and stores an admin's changes; `Err` says what is wrong and changes nothing.
pub async fn update(state: &AppState, form: CommunityForm<'_>) -> ApiResult<Result<(), Invalid>> {
    let checked = (|| {
        Ok::<_, Invalid>(CommunitySettings {
            name: Some(rules::name(form.name)?),
            description: Some(rules::description(form.description)?),
            contact_email: Some(rules::contact_email(form.contact_email)?),
            default_local_only: form.default_local_only,
            private_community: form.private,
            federated_timeline: form.federated_timeline,
        })
    })();
    let settings = match checked {
        Ok(settings) => settings,
        Err(invalid) => return Ok(Err(invalid)),
    };
    state
        .store
        .set_community_settings(settings, Timestamp::now())
        .await?;
    Ok(Ok(()))
}
