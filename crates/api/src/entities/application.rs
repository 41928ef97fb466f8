use serde::Serialize;

use hamlet_store::Application as StoredApplication;

/// Mastodon's `Application`.
#[derive(Serialize, Debug, Clone)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub scopes: Vec<&'static str>,
    pub redirect_uri: String,
    pub redirect_uris: Vec<String>,
    /// Web Push is not offered yet; Mastodon sends the server's VAPID key here.
    pub vapid_key: String,
}

/// Mastodon's `CredentialApplication`: the registration answer, the only time the
/// client secret is shown.
#[derive(Serialize, Debug, Clone)]
pub struct CredentialApplication {
    #[serde(flatten)]
    pub application: Application,
    pub client_id: String,
    pub client_secret: String,
    pub client_secret_expires_at: i64,
}

impl Application {
    pub fn new(app: &StoredApplication) -> Application {
        Application {
            id: app.id.to_string(),
            name: app.name.clone(),
            website: app.website.clone(),
            scopes: app.scopes.iter().collect(),
            redirect_uri: app.redirect_uris.join("\n"),
            redirect_uris: app.redirect_uris.clone(),
            vapid_key: String::new(),
        }
    }
}
