//! Activities arriving in an inbox, validated into what the handlers act on.

use hamlet_core::Timestamp;
use url::Url;

use super::VocabError;
use super::actor::{ActorKind, RemoteActor};
use super::audience::Audience;
use super::limits::{http_url, loose_url, required_url, strict_url, type_label};
use super::post::{PostKind, RemoteNote, timestamp};
use super::raw::{self, IdOrObject, Ref};

/// An inbox activity. Every activity has an absolute http(s) `id` (handling is idempotent
/// by it) and an `actor`; whether the actor may do what it says (same origin as the
/// object, the signer) is for the inbox gate and handlers to check.
#[derive(Clone, Debug, PartialEq)]
pub enum Activity {
    Follow {
        id: Url,
        actor: Url,
        object: Url,
    },
    Accept {
        id: Url,
        actor: Url,
        object: InnerActivity,
    },
    Reject {
        id: Url,
        actor: Url,
        object: InnerActivity,
    },
    Undo {
        id: Url,
        actor: Url,
        object: InnerActivity,
    },
    /// A new post (`Note`, `Article`, `Page`, `Question`), embedded or by id. `Create` of
    /// any other type is [`Activity::Unknown`].
    Create {
        id: Url,
        actor: Url,
        object: PostOrRef,
    },
    Update {
        id: Url,
        actor: Url,
        object: Updated,
    },
    /// `object` is the id of what is deleted: a post (often given as a `Tombstone`) or
    /// the actor itself.
    Delete {
        id: Url,
        actor: Url,
        object: Url,
    },
    /// A boost. Its own addressing says who sees the boost.
    Announce {
        id: Url,
        actor: Url,
        object: PostOrRef,
        audience: Audience,
        published: Option<Timestamp>,
    },
    Like {
        id: Url,
        actor: Url,
        object: Url,
    },
    Block {
        id: Url,
        actor: Url,
        object: Url,
    },
    /// Account migration: `object` (normally the actor) moved to `target`.
    Move {
        id: Url,
        actor: Url,
        object: Url,
        target: Url,
    },
    /// Anything else (`EmojiReact`, `Add`, `Flag`, `Create` of an `Event`, an `Announce`
    /// of an activity, …): accepted and ignored, never an error. `kind` is the activity's
    /// type, `object_kind` the embedded object's, both cut to a short label.
    Unknown {
        id: Option<Url>,
        kind: String,
        object_kind: Option<String>,
    },
}

/// An embedded post or the id of one to fetch.
#[derive(Clone, Debug, PartialEq)]
pub enum PostOrRef {
    Ref(Url),
    Post(Box<RemoteNote>),
}

impl PostOrRef {
    pub fn id(&self) -> &Url {
        match self {
            PostOrRef::Ref(id) => id,
            PostOrRef::Post(post) => &post.id,
        }
    }
}

/// What an `Update` carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Updated {
    /// An edited post, or a poll with new counts.
    Post(Box<RemoteNote>),
    /// A changed profile.
    Actor(Box<RemoteActor>),
    /// Only the id: fetch it again.
    Ref(Url),
}

/// The activity an `Undo`, `Accept` or `Reject` refers to.
#[derive(Clone, Debug, PartialEq)]
pub enum InnerActivity {
    Follow(ActivityRef),
    Like(ActivityRef),
    Announce(ActivityRef),
    Block(ActivityRef),
    /// Only the id was given.
    Ref(Url),
    /// An embedded activity of another type.
    Other {
        id: Option<Url>,
        kind: String,
    },
}

impl InnerActivity {
    /// The referred activity's id, when known.
    pub fn id(&self) -> Option<&Url> {
        match self {
            InnerActivity::Follow(r)
            | InnerActivity::Like(r)
            | InnerActivity::Announce(r)
            | InnerActivity::Block(r) => r.id.as_ref(),
            InnerActivity::Ref(id) => Some(id),
            InnerActivity::Other { id, .. } => id.as_ref(),
        }
    }
}

/// An embedded activity, read one level deep: its `object` is taken as an id only. At
/// least one of `id` and `object` is present.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityRef {
    pub id: Option<Url>,
    pub actor: Option<Url>,
    pub object: Option<Url>,
}

/// The activity types [`Activity::from_raw`] knows; `parse_document` treats documents of
/// other types as activities when they have an `actor`.
pub(crate) const ACTIVITY_TYPES: &[&str] = &[
    "Follow", "Accept", "Reject", "Undo", "Create", "Update", "Delete", "Announce", "Like",
    "Block", "Move",
];

impl Activity {
    /// The activity's id (`None` only for some unknown activities).
    pub fn id(&self) -> Option<&Url> {
        match self {
            Activity::Follow { id, .. }
            | Activity::Accept { id, .. }
            | Activity::Reject { id, .. }
            | Activity::Undo { id, .. }
            | Activity::Create { id, .. }
            | Activity::Update { id, .. }
            | Activity::Delete { id, .. }
            | Activity::Announce { id, .. }
            | Activity::Like { id, .. }
            | Activity::Block { id, .. }
            | Activity::Move { id, .. } => Some(id),
            Activity::Unknown { id, .. } => id.as_ref(),
        }
    }

    /// The actor (`None` for unknown activities, whose actor is not read).
    pub fn actor(&self) -> Option<&Url> {
        match self {
            Activity::Follow { actor, .. }
            | Activity::Accept { actor, .. }
            | Activity::Reject { actor, .. }
            | Activity::Undo { actor, .. }
            | Activity::Create { actor, .. }
            | Activity::Update { actor, .. }
            | Activity::Delete { actor, .. }
            | Activity::Announce { actor, .. }
            | Activity::Like { actor, .. }
            | Activity::Block { actor, .. }
            | Activity::Move { actor, .. } => Some(actor),
            Activity::Unknown { .. } => None,
        }
    }

    pub fn from_raw(raw: &raw::Object) -> Result<Activity, VocabError> {
        let kind = raw.kind().unwrap_or_default();
        if !ACTIVITY_TYPES.contains(&kind) {
            return Ok(unknown(raw, None));
        }
        let id = required_url(raw.id.as_deref(), "id")?;
        let actor = required_url(raw.actor.first().and_then(Ref::target), "actor")?;
        let object = raw.object.first().ok_or(VocabError::Missing("object"))?;
        let object_id = || required_url(object.id(), "object");
        Ok(match kind {
            "Follow" => Activity::Follow {
                id,
                actor,
                object: object_id()?,
            },
            "Like" => Activity::Like {
                id,
                actor,
                object: object_id()?,
            },
            "Block" => Activity::Block {
                id,
                actor,
                object: object_id()?,
            },
            "Delete" => Activity::Delete {
                id,
                actor,
                object: object_id()?,
            },
            "Move" => Activity::Move {
                id,
                actor,
                object: object_id()?,
                target: required_url(raw.target.first().and_then(Ref::target), "target")?,
            },
            "Accept" => Activity::Accept {
                id,
                actor,
                object: InnerActivity::from_raw(object)?,
            },
            "Reject" => Activity::Reject {
                id,
                actor,
                object: InnerActivity::from_raw(object)?,
            },
            "Undo" => Activity::Undo {
                id,
                actor,
                object: InnerActivity::from_raw(object)?,
            },
            "Create" => match post_or_ref(object)? {
                Some(object) => Activity::Create { id, actor, object },
                None => unknown(raw, Some(object)),
            },
            "Announce" => match post_or_ref(object)? {
                Some(object) => Activity::Announce {
                    id,
                    actor,
                    object,
                    audience: Audience::from_raw(&raw.to, &raw.cc)?,
                    published: timestamp(raw.published.as_deref()),
                },
                None => unknown(raw, Some(object)),
            },
            "Update" => match object {
                IdOrObject::Id(object) => Activity::Update {
                    id,
                    actor,
                    object: Updated::Ref(http_url(object, "object")?),
                },
                IdOrObject::Object(embedded) => {
                    let embedded_kind = embedded.kind().unwrap_or_default();
                    let object = if PostKind::from_type(embedded_kind).is_some() {
                        Updated::Post(Box::new(RemoteNote::from_raw(embedded)?))
                    } else if ActorKind::from_type(embedded_kind).is_some() {
                        Updated::Actor(Box::new(RemoteActor::from_raw(embedded)?))
                    } else {
                        return Ok(unknown(raw, Some(object)));
                    };
                    Activity::Update { id, actor, object }
                }
            },
            _ => unreachable!("every type in ACTIVITY_TYPES is handled"),
        })
    }
}

/// An embedded post, an id, or `None` for an embedded object of another type.
fn post_or_ref(object: &IdOrObject<Box<raw::Object>>) -> Result<Option<PostOrRef>, VocabError> {
    match object {
        IdOrObject::Id(id) => Ok(Some(PostOrRef::Ref(http_url(id, "object")?))),
        IdOrObject::Object(embedded) => {
            if PostKind::from_type(embedded.kind().unwrap_or_default()).is_some() {
                Ok(Some(PostOrRef::Post(Box::new(RemoteNote::from_raw(
                    embedded,
                )?))))
            } else {
                Ok(None)
            }
        }
    }
}

fn unknown(raw: &raw::Object, object: Option<&IdOrObject<Box<raw::Object>>>) -> Activity {
    let object_kind = match object {
        Some(IdOrObject::Object(embedded)) => embedded.kind().map(type_label),
        _ => None,
    };
    Activity::Unknown {
        id: loose_url(raw.id.as_deref()),
        kind: type_label(raw.kind().unwrap_or_default()),
        object_kind,
    }
}

impl InnerActivity {
    fn from_raw(object: &IdOrObject<Box<raw::Object>>) -> Result<InnerActivity, VocabError> {
        let embedded = match object {
            IdOrObject::Id(id) => return Ok(InnerActivity::Ref(http_url(id, "object")?)),
            IdOrObject::Object(embedded) => embedded,
        };
        let id = strict_url(embedded.id.as_deref(), "object.id")?;
        let kind = embedded.kind().unwrap_or_default();
        let wrap: fn(ActivityRef) -> InnerActivity = match kind {
            "Follow" => InnerActivity::Follow,
            "Like" => InnerActivity::Like,
            "Announce" => InnerActivity::Announce,
            "Block" => InnerActivity::Block,
            _ => {
                return Ok(InnerActivity::Other {
                    id,
                    kind: type_label(kind),
                });
            }
        };
        let reference = ActivityRef {
            actor: strict_url(embedded.actor.first().and_then(Ref::target), "object.actor")?,
            object: strict_url(
                embedded.object.first().and_then(IdOrObject::id),
                "object.object",
            )?,
            id,
        };
        if reference.id.is_none() && reference.object.is_none() {
            return Err(VocabError::Missing("object.id"));
        }
        Ok(wrap(reference))
    }
}
