//! Actors from other servers: `Person`, and the other actor types Hamlet follows and is
//! followed by (`Service`, `Application`, `Group`, `Organization`).

use hamlet_core::Timestamp;
use url::Url;

use super::VocabError;
use super::limits::{
    MAX_ALIASES, MAX_CONTENT_BYTES, MAX_DESCRIPTION_BYTES, MAX_NAME_BYTES, MAX_PROFILE_FIELDS,
    MAX_PUBLIC_KEY_BYTES, MAX_TAGS, bounded, bounded_opt, check_count, http_url, loose_url,
    required_url, type_label,
};
use super::post::{CustomEmoji, media_type, page_url, tags, timestamp};
use super::raw::{self, OneOrMany, Ref};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActorKind {
    Person,
    /// Mastodon shows `Service` and `Application` actors as bots.
    Service,
    Application,
    Group,
    Organization,
}

impl ActorKind {
    pub fn from_type(kind: &str) -> Option<ActorKind> {
        match kind {
            "Person" => Some(ActorKind::Person),
            "Service" => Some(ActorKind::Service),
            "Application" => Some(ActorKind::Application),
            "Group" => Some(ActorKind::Group),
            "Organization" => Some(ActorKind::Organization),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Person => "Person",
            ActorKind::Service => "Service",
            ActorKind::Application => "Application",
            ActorKind::Group => "Group",
            ActorKind::Organization => "Organization",
        }
    }

    /// Whether Mastodon would show the account as a bot.
    pub fn is_bot(self) -> bool {
        matches!(self, ActorKind::Service | ActorKind::Application)
    }
}

/// A validated actor document.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteActor {
    pub id: Url,
    pub kind: ActorKind,
    /// The WebFinger user part; never empty.
    pub preferred_username: String,
    /// Display name; `None` when absent or empty.
    pub name: Option<String>,
    /// Bio, HTML as received.
    pub summary: Option<String>,
    /// The profile page, preferring a `text/html` link.
    pub url: Option<Url>,
    pub inbox: Url,
    /// `endpoints.sharedInbox` (or a top-level `sharedInbox`).
    pub shared_inbox: Option<Url>,
    pub outbox: Option<Url>,
    pub followers: Option<Url>,
    pub following: Option<Url>,
    /// Pinned posts.
    pub featured: Option<Url>,
    pub public_key: PublicKeyInfo,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub avatar: Option<Image>,
    pub header: Option<Image>,
    /// Profile metadata (`PropertyValue` attachments); values are HTML as received.
    pub fields: Vec<ProfileField>,
    /// Custom emojis used in the name, bio and fields.
    pub emojis: Vec<CustomEmoji>,
    pub published: Option<Timestamp>,
    pub moved_to: Option<Url>,
    pub also_known_as: Vec<Url>,
}

/// The actor's RSA key for HTTP signatures. `owner` is always the actor's id: a document
/// whose key names another owner is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKeyInfo {
    pub id: Url,
    pub owner: Url,
    pub pem: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub url: Url,
    pub media_type: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileField {
    pub name: String,
    pub value: String,
}

impl RemoteActor {
    pub fn from_raw(raw: &raw::Object) -> Result<RemoteActor, VocabError> {
        let found = raw.kind().unwrap_or_default();
        let kind = ActorKind::from_type(found).ok_or_else(|| VocabError::UnexpectedType {
            expected: "an actor (Person, Service, Application, Group or Organization)",
            found: type_label(found),
        })?;
        let id = required_url(raw.id.as_deref(), "id")?;
        let preferred_username = match raw.preferred_username.as_deref() {
            Some(name) if !name.is_empty() => bounded(name, "preferredUsername", MAX_NAME_BYTES)?,
            _ => return Err(VocabError::Missing("preferredUsername")),
        };
        let inbox = required_url(raw.inbox.as_ref().and_then(Ref::target), "inbox")?;
        let public_key = public_key(&raw.public_key, &id)?;

        check_count(raw.attachment.len(), "attachment", MAX_PROFILE_FIELDS)?;
        let fields = raw
            .attachment
            .iter()
            .filter(|media| media.kind() == Some("PropertyValue"))
            .filter_map(|media| Some((media.name.as_deref()?, media.value.as_deref()?)))
            .map(|(name, value)| {
                Ok(ProfileField {
                    name: bounded(name, "attachment.name", MAX_NAME_BYTES)?,
                    value: bounded(value, "attachment.value", MAX_DESCRIPTION_BYTES)?,
                })
            })
            .collect::<Result<Vec<_>, VocabError>>()?;
        check_count(raw.tag.len(), "tag", MAX_TAGS)?;
        let (_, _, emojis) = tags(&raw.tag)?;
        check_count(raw.also_known_as.len(), "alsoKnownAs", MAX_ALIASES)?;

        let shared_inbox = raw
            .endpoints
            .as_ref()
            .and_then(|endpoints| endpoints.shared_inbox.as_deref())
            .or(raw.shared_inbox.as_deref());
        Ok(RemoteActor {
            kind,
            preferred_username,
            name: bounded_opt(raw.name.as_deref(), "name", MAX_NAME_BYTES)?,
            summary: bounded_opt(raw.summary.as_deref(), "summary", MAX_CONTENT_BYTES)?,
            url: page_url(&raw.url),
            inbox,
            shared_inbox: loose_url(shared_inbox),
            outbox: reference(raw.outbox.as_ref()),
            followers: reference(raw.followers.as_ref()),
            following: reference(raw.following.as_ref()),
            featured: reference(raw.featured.as_ref()),
            public_key,
            manually_approves_followers: raw.manually_approves_followers.unwrap_or(false),
            discoverable: raw.discoverable.unwrap_or(false),
            indexable: raw.indexable.unwrap_or(false),
            avatar: image(&raw.icon),
            header: image(&raw.image),
            fields,
            emojis,
            published: timestamp(raw.published.as_deref()),
            moved_to: reference(raw.moved_to.as_ref()),
            also_known_as: raw
                .also_known_as
                .iter()
                .filter_map(|alias| loose_url(alias.target()))
                .collect(),
            id,
        })
    }
}

fn reference(value: Option<&Ref>) -> Option<Url> {
    loose_url(value.and_then(Ref::target))
}

fn image(media: &OneOrMany<raw::Media>) -> Option<Image> {
    media.iter().find_map(|media| {
        let url = media
            .url
            .iter()
            .find_map(|link| loose_url(link.href.as_deref()))
            .or_else(|| loose_url(media.href.as_deref()))?;
        Some(Image {
            url,
            media_type: media_type(media.media_type.as_deref()),
        })
    })
}

/// The first key with a PEM. Some servers list several keys; the one for HTTP
/// signatures comes first in every implementation seen.
fn public_key(keys: &OneOrMany<raw::PublicKey>, actor: &Url) -> Result<PublicKeyInfo, VocabError> {
    let key = keys
        .iter()
        .find(|key| {
            key.public_key_pem
                .as_deref()
                .is_some_and(|pem| !pem.is_empty())
        })
        .ok_or(VocabError::Missing("publicKey"))?;
    let id = required_url(key.id.as_deref(), "publicKey.id")?;
    let owner = match key.owner.as_ref().and_then(Ref::target) {
        Some(owner) => http_url(owner, "publicKey.owner")?,
        None => actor.clone(),
    };
    if &owner != actor {
        return Err(VocabError::KeyOwnerMismatch);
    }
    let pem = bounded(
        key.public_key_pem.as_deref().unwrap_or_default(),
        "publicKey.publicKeyPem",
        MAX_PUBLIC_KEY_BYTES,
    )?;
    Ok(PublicKeyInfo { id, owner, pem })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(json: &str) -> Result<RemoteActor, VocabError> {
        RemoteActor::from_raw(&serde_json::from_str(json).unwrap())
    }

    const KEY: &str = r#""publicKey": {"id": "https://a.example/u/al#main-key", "owner": "https://a.example/u/al",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"}"#;

    #[test]
    fn minimal_actor() {
        let a = actor(&format!(
            r#"{{"id": "https://a.example/u/al", "type": "Service", "preferredUsername": "al",
                "inbox": "https://a.example/u/al/inbox", {KEY}}}"#
        ))
        .unwrap();
        assert!(a.kind.is_bot());
        assert_eq!(a.public_key.owner, a.id);
        assert_eq!(
            (a.followers, a.shared_inbox, a.discoverable),
            (None, None, false)
        );
    }

    #[test]
    fn key_owned_by_someone_else_is_refused() {
        let json = format!(
            r#"{{"id": "https://a.example/u/bo", "type": "Person", "preferredUsername": "bo",
                "inbox": "https://a.example/u/bo/inbox", {KEY}}}"#
        );
        assert_eq!(actor(&json), Err(VocabError::KeyOwnerMismatch));
    }

    #[test]
    fn username_is_required() {
        let json = format!(
            r#"{{"id": "https://a.example/u/al", "type": "Person", "preferredUsername": "",
                "inbox": "https://a.example/u/al/inbox", {KEY}}}"#
        );
        assert_eq!(actor(&json), Err(VocabError::Missing("preferredUsername")));
    }
}
