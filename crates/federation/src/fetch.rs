//! Learning about remote actors: fetching their documents through the one client,
//! checking them, sanitizing what people will read, and storing the result.

use hamlet_core::Timestamp;
use hamlet_core::account::{MAX_DISPLAY_NAME_CHARS, ProfileField};
use hamlet_core::sanitize;
use hamlet_store::{RemoteAccount, RemoteAccountUpsert};
use serde_json::Value;
use url::Url;

use crate::client::{FetchError, FetchedDocument, RequestSigner};
use crate::routes::FederationState;
use crate::vocab::{self, RemoteActor, VocabError};

/// A stored actor younger than this is used as is; older ones are refetched when needed.
pub const ACTOR_FRESHNESS: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
/// Keys are refetched at most this often per actor when a signature fails to verify.
pub const KEY_REFETCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("fetch failed: {0}")]
    Fetch(#[from] FetchError),
    #[error("invalid document: {0}")]
    Invalid(#[from] VocabError),
    #[error("the document is not an actor")]
    NotAnActor,
    #[error("the actor's key is not {0}")]
    KeyMismatch(String),
    #[error("the address is on this instance")]
    Local,
    #[error("WebFinger gave no ActivityPub actor")]
    NoActor,
    #[error(transparent)]
    Store(#[from] hamlet_store::StoreError),
}

impl FederationState {
    /// The actor with id `uri`: stored if fresh enough, fetched otherwise.
    pub async fn resolve_actor(&self, uri: &Url) -> Result<RemoteAccount, ResolveError> {
        if self.local.is_local(uri) {
            return Err(ResolveError::Local);
        }
        if let Some(known) = self.store.remote_account_by_uri(uri.as_str()).await?
            && is_fresh(&known, ACTOR_FRESHNESS)
        {
            return Ok(known);
        }
        self.fetch_actor(uri).await
    }

    /// Fetches the actor `uri` (signed as the instance actor) and stores it.
    pub async fn fetch_actor(&self, uri: &Url) -> Result<RemoteAccount, ResolveError> {
        Ok(self.fetch_actor_document(uri).await?.1)
    }

    /// Like [`fetch_actor`](Self::fetch_actor), also returning the document as read.
    pub async fn fetch_actor_document(
        &self,
        uri: &Url,
    ) -> Result<(RemoteActor, RemoteAccount), ResolveError> {
        if self.local.is_local(uri) {
            return Err(ResolveError::Local);
        }
        let document = self.fetch_signed(uri).await?;
        let actor = parse_actor_value(&document.json)?;
        if actor.id != *uri && document.final_url != *uri {
            // The document at `uri` describes another actor: not what was asked for.
            return Err(ResolveError::NotAnActor);
        }
        let stored = self.store_actor(&actor).await?;
        Ok((actor, stored))
    }

    /// Refetches up to `limit` remote actors not fetched for [`ACTOR_FRESHNESS`], so
    /// profiles stay current even when their servers send no `Update`. Returns how many
    /// were refreshed.
    pub async fn refresh_stale_actors(&self, limit: u32) -> Result<usize, ResolveError> {
        let before = Timestamp::from_millis(
            Timestamp::now().as_millis() - ACTOR_FRESHNESS.as_millis() as i64,
        );
        let mut refreshed = 0;
        for uri in self.store.stale_remote_accounts(before, limit).await? {
            let Ok(url) = Url::parse(&uri) else { continue };
            match self.fetch_actor(&url).await {
                Ok(_) => refreshed += 1,
                Err(ResolveError::Store(error)) => return Err(ResolveError::Store(error)),
                Err(error) => tracing::debug!(%uri, %error, "could not refresh a remote actor"),
            }
        }
        Ok(refreshed)
    }

    /// The actor that signs with `key_id`: stored, or fetched through the key's URL (an
    /// actor document naming that key, or a key document naming its owner).
    pub async fn resolve_key(&self, key_id: &Url) -> Result<RemoteAccount, ResolveError> {
        if self.local.is_local(key_id) {
            return Err(ResolveError::Local);
        }
        if let Some(known) = self.store.remote_account_by_key_id(key_id.as_str()).await? {
            return Ok(known);
        }
        self.fetch_key(key_id).await
    }

    /// Fetches the key `key_id` afresh (after a failed verification, at most once per
    /// [`KEY_REFETCH_INTERVAL`] per actor: the caller checks `fetched_at`).
    pub async fn fetch_key(&self, key_id: &Url) -> Result<RemoteAccount, ResolveError> {
        let mut document_url = key_id.clone();
        document_url.set_fragment(None);
        let document = self.fetch_signed(&document_url).await?;
        let actor = match parse_actor_value(&document.json) {
            Ok(actor) => actor,
            // A key document (`{id, owner, publicKeyPem}`): the owner holds the key.
            Err(ResolveError::NotAnActor) => {
                let owner = document
                    .json
                    .get("owner")
                    .and_then(Value::as_str)
                    .and_then(|owner| Url::parse(owner).ok())
                    .ok_or(ResolveError::NotAnActor)?;
                if owner.origin() != key_id.origin() {
                    return Err(ResolveError::KeyMismatch(key_id.to_string()));
                }
                let document = self.fetch_signed(&owner).await?;
                parse_actor_value(&document.json)?
            }
            Err(other) => return Err(other),
        };
        if actor.public_key.id != *key_id {
            return Err(ResolveError::KeyMismatch(key_id.to_string()));
        }
        self.store_actor(&actor).await
    }

    /// `user@domain` through WebFinger, then the actor it names.
    pub async fn resolve_handle(
        &self,
        username: &str,
        domain: &str,
    ) -> Result<RemoteAccount, ResolveError> {
        if domain.eq_ignore_ascii_case(&self.local.domain()) {
            return Err(ResolveError::Local);
        }
        if let Some(known) = self
            .store
            .account_by_acct(username, Some(domain))
            .await?
            .and_then(|account| account.remote.map(|remote| remote.uri))
            && let Ok(uri) = Url::parse(&known)
        {
            return self.resolve_actor(&uri).await;
        }
        let scheme = if self.client.config().insecure_local_federation {
            self.local.origin().scheme().to_owned()
        } else {
            "https".to_owned()
        };
        let mut url = Url::parse(&format!("{scheme}://{domain}/.well-known/webfinger"))
            .map_err(|_| ResolveError::NoActor)?;
        url.query_pairs_mut()
            .append_pair("resource", &format!("acct:{username}@{domain}"));
        let jrd = self.client.fetch_jrd(&url).await?;
        let actor = actor_link(&jrd.json).ok_or(ResolveError::NoActor)?;
        self.resolve_actor(&actor).await
    }

    /// An ActivityStreams document fetched through the one client, signed as the
    /// instance actor (servers that require signed fetches answer only those).
    pub async fn fetch_signed(&self, url: &Url) -> Result<FetchedDocument, ResolveError> {
        let signer = self.instance_signer().await?;
        Ok(self
            .client
            .fetch_object(url, Some(signer.as_ref() as &dyn RequestSigner))
            .await?)
    }

    async fn store_actor(&self, actor: &RemoteActor) -> Result<RemoteAccount, ResolveError> {
        let upsert = account_from_actor(actor, Timestamp::now());
        Ok(self.store.upsert_remote_account(&upsert).await?)
    }
}

fn is_fresh(account: &RemoteAccount, freshness: std::time::Duration) -> bool {
    account
        .fetched_at
        .is_some_and(|at| at.plus(freshness) > Timestamp::now())
}

/// Whether the stored key of `account` may be refetched now.
pub fn may_refetch_key(account: &RemoteAccount) -> bool {
    !is_fresh(account, KEY_REFETCH_INTERVAL)
}

fn parse_actor_value(json: &Value) -> Result<RemoteActor, ResolveError> {
    let kind = json.get("type").and_then(Value::as_str).unwrap_or_default();
    if vocab::ActorKind::from_type(kind).is_none() {
        return Err(ResolveError::NotAnActor);
    }
    let bytes = serde_json::to_vec(json).map_err(|e| VocabError::Json(e.to_string()))?;
    Ok(vocab::parse_actor(&bytes)?)
}

/// The `self` link of type ActivityPub in a WebFinger answer.
fn actor_link(jrd: &Value) -> Option<Url> {
    jrd.get("links")?.as_array()?.iter().find_map(|link| {
        let rel = link.get("rel")?.as_str()?;
        let kind = link.get("type").and_then(Value::as_str).unwrap_or_default();
        let is_activitypub = kind.starts_with("application/activity+json")
            || kind.starts_with("application/ld+json");
        if rel == "self" && is_activitypub {
            Url::parse(link.get("href")?.as_str()?).ok()
        } else {
            None
        }
    })
}

/// `host` or `host:port`: the domain part of a remote account's handle.
pub fn handle_domain(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// What is stored of an actor: HTML sanitized, plain texts bounded, addresses as given
/// (already checked to be absolute http(s) URLs by the vocabulary).
pub fn account_from_actor(actor: &RemoteActor, now: Timestamp) -> RemoteAccountUpsert {
    RemoteAccountUpsert {
        uri: actor.id.to_string(),
        username: actor.preferred_username.clone(),
        domain: handle_domain(&actor.id),
        actor_type: actor.kind.as_str().to_owned(),
        display_name: sanitize::remote_single_line(
            actor.name.as_deref().unwrap_or_default(),
            MAX_DISPLAY_NAME_CHARS * 4,
        ),
        note: sanitize::sanitize_remote_html(actor.summary.as_deref().unwrap_or_default()),
        fields: actor
            .fields
            .iter()
            .map(|field| ProfileField {
                name: sanitize::remote_single_line(&field.name, 255),
                value: sanitize::sanitize_remote_html(&field.value),
            })
            .collect(),
        locked: actor.manually_approves_followers,
        bot: actor.kind.is_bot(),
        discoverable: actor.discoverable,
        indexable: actor.indexable,
        public_key_pem: actor.public_key.pem.clone(),
        key_id: actor.public_key.id.to_string(),
        inbox_url: actor.inbox.to_string(),
        shared_inbox_url: actor.shared_inbox.as_ref().map(Url::to_string),
        outbox_url: actor.outbox.as_ref().map(Url::to_string),
        followers_url: actor.followers.as_ref().map(Url::to_string),
        following_url: actor.following.as_ref().map(Url::to_string),
        featured_url: actor.featured.as_ref().map(Url::to_string),
        url: actor.url.as_ref().map(Url::to_string),
        avatar_url: actor.avatar.as_ref().map(|image| image.url.to_string()),
        header_url: actor.header.as_ref().map(|image| image.url.to_string()),
        also_known_as: actor.also_known_as.iter().map(Url::to_string).collect(),
        created_at: actor.published.unwrap_or(now),
        fetched_at: now,
    }
}
