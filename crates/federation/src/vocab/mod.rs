//! The ActivityStreams vocabulary as other servers really send it, and as Hamlet sends it.
//!
//! Reading is two layers:
//!
//! 1. [`raw`]: serde structs that accept anything plausible. A field may be one value or
//!    an array, an object or a link, of the wrong type (then it is `None`), or unknown
//!    (then it is ignored, as are `proof`, `signature` and `@context`).
//! 2. Typed values the rest of Hamlet uses ([`Activity`], [`RemoteActor`],
//!    [`RemoteNote`], [`RemoteCollection`]): ids are absolute http(s) URLs, texts and
//!    lists are bounded ([`limits`]: a document over a bound is refused, never truncated),
//!    the public collection has one spelling ([`audience::PUBLIC`]), and embedded objects
//!    are read one level deep (a `Create`'s `Note` is read, that note's `inReplyTo`
//!    object only for its id).
//!
//! Unknown activity types are [`Activity::Unknown`], never an error. HTML is kept as
//! received: sanitizing is done before it is stored or shown, not here.
//!
//! Writing is [`out`]: `Serialize` shapes for the documents Hamlet serves and sends, with
//! Mastodon's field names and `@context`.

pub mod activity;
pub mod actor;
pub mod audience;
pub mod collection;
pub mod limits;
pub mod out;
pub mod post;
pub mod raw;

use url::Url;

pub use activity::{Activity, ActivityRef, InnerActivity, PostOrRef, Updated};
pub use actor::{ActorKind, Image, ProfileField, PublicKeyInfo, RemoteActor};
pub use audience::{Audience, PUBLIC, is_public, visibility};
pub use collection::{CollectionItem, CollectionKind, RemoteCollection};
pub use post::{
    Attachment, AttachmentKind, CustomEmoji, Hashtag, Mention, Poll, PollOption, PostKind,
    RemoteNote,
};

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabError {
    #[error("not a JSON object: {0}")]
    Json(String),
    #[error("document larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("JSON nested deeper than {max} levels")]
    TooDeep { max: usize },
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("{field} is not an absolute http(s) URL")]
    InvalidUrl { field: &'static str },
    #[error("{field} is longer than {max} bytes")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} has more than {max} entries")]
    TooMany { field: &'static str, max: usize },
    #[error("{field} contains a NUL character")]
    NulCharacter { field: &'static str },
    #[error("expected {expected}, found type {found:?}")]
    UnexpectedType {
        expected: &'static str,
        found: String,
    },
    #[error("the public key belongs to another actor")]
    KeyOwnerMismatch,
}

/// Any document, by its type.
#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    Activity(Box<Activity>),
    Actor(Box<RemoteActor>),
    Post(Box<RemoteNote>),
    Collection(Box<RemoteCollection>),
    /// A deleted object (`Tombstone`), as servers answer for it.
    Tombstone {
        id: Url,
    },
    /// Neither an activity nor anything else Hamlet reads.
    Unknown {
        id: Option<Url>,
        kind: String,
    },
}

/// Reads the lenient layer, after refusing documents over [`limits::MAX_DOCUMENT_BYTES`]
/// or nested deeper than [`limits::MAX_JSON_DEPTH`]. The top level must be an object.
pub fn parse_raw(json: &[u8]) -> Result<raw::Object, VocabError> {
    limits::check_document(json)?;
    let value: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| VocabError::Json(e.to_string()))?;
    if !value.is_object() {
        return Err(VocabError::Json("the top level is not an object".into()));
    }
    serde_json::from_value(value).map_err(|e| VocabError::Json(e.to_string()))
}

/// An inbox activity. Unknown types are [`Activity::Unknown`].
pub fn parse_activity(json: &[u8]) -> Result<Activity, VocabError> {
    Activity::from_raw(&parse_raw(json)?)
}

/// An actor document.
pub fn parse_actor(json: &[u8]) -> Result<RemoteActor, VocabError> {
    RemoteActor::from_raw(&parse_raw(json)?)
}

/// A post: `Note`, `Article`, `Page` or `Question`.
pub fn parse_post(json: &[u8]) -> Result<RemoteNote, VocabError> {
    RemoteNote::from_raw(&parse_raw(json)?)
}

/// A collection or collection page.
pub fn parse_collection(json: &[u8]) -> Result<RemoteCollection, VocabError> {
    RemoteCollection::from_raw(&parse_raw(json)?)
}

/// Any document, read according to its `type`: what a fetch by id returns.
pub fn parse_document(json: &[u8]) -> Result<Document, VocabError> {
    Document::from_raw(&parse_raw(json)?)
}

impl Document {
    pub fn from_raw(raw: &raw::Object) -> Result<Document, VocabError> {
        let kind = raw.kind().unwrap_or_default();
        Ok(if PostKind::from_type(kind).is_some() {
            Document::Post(Box::new(RemoteNote::from_raw(raw)?))
        } else if ActorKind::from_type(kind).is_some() {
            Document::Actor(Box::new(RemoteActor::from_raw(raw)?))
        } else if CollectionKind::from_type(kind).is_some() {
            Document::Collection(Box::new(RemoteCollection::from_raw(raw)?))
        } else if kind == "Tombstone" {
            Document::Tombstone {
                id: limits::required_url(raw.id.as_deref(), "id")?,
            }
        } else if activity::ACTIVITY_TYPES.contains(&kind) || !raw.actor.is_empty() {
            Document::Activity(Box::new(Activity::from_raw(raw)?))
        } else {
            Document::Unknown {
                id: limits::loose_url(raw.id.as_deref()),
                kind: limits::type_label(kind),
            }
        })
    }
}
