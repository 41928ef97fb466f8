//! What Hamlet sends and serves: plain `Serialize` shapes with Mastodon's field names.
//!
//! Wrap a top-level document in [`WithContext`] to add the standard `@context`; embedded
//! objects (the `Note` in a `Create`, the `Follow` in an `Accept`) go without.
//!
//! Local-only posts cannot be written in these shapes. Everything that names a post (a
//! `Note`, a `Tombstone`, the object of an `Announce` or `Like`, `inReplyTo`, the items
//! of a replies collection) holds a [`PostId`], and the only way to make one, or a
//! [`Note`], is from a [`Federable`] post, which `hamlet_core::audience` refuses to make
//! from a local-only post or a reply to one.
//!
//! Every `kind` field is a zero-sized marker that serializes as the type name, so a value
//! of these types cannot carry the wrong `type`: write `kind: Default::default()`.

use std::collections::BTreeMap;

use hamlet_core::audience::Federable;

use crate::instance::LocalInstance;
use hamlet_core::{Id, Timestamp};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use url::Url;

/// The ActivityStreams context.
pub const ACTIVITYSTREAMS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";
/// The security vocabulary (`publicKey`, `publicKeyPem`, `owner`).
pub const SECURITY_CONTEXT: &str = "https://w3id.org/security/v1";

/// The `@context` of every document Hamlet sends: ActivityStreams, security, and the
/// Mastodon extension terms it uses.
pub fn context() -> Value {
    json!([
        ACTIVITYSTREAMS_CONTEXT,
        SECURITY_CONTEXT,
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "movedTo": { "@id": "as:movedTo", "@type": "@id" },
            "alsoKnownAs": { "@id": "as:alsoKnownAs", "@type": "@id" },
            "toot": "http://joinmastodon.org/ns#",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "blurhash": "toot:blurhash",
            "focalPoint": { "@container": "@list", "@id": "toot:focalPoint" },
            "Emoji": "toot:Emoji",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ])
}

/// Serializes as [`context()`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context;

impl Serialize for Context {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        context().serialize(serializer)
    }
}

/// A top-level document: `@context` followed by the object's own fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WithContext<T> {
    #[serde(rename = "@context")]
    pub context: Context,
    #[serde(flatten)]
    pub object: T,
}

impl<T> WithContext<T> {
    pub fn new(object: T) -> WithContext<T> {
        WithContext {
            context: Context,
            object,
        }
    }
}

/// Zero-sized type names.
pub mod kind {
    use serde::{Serialize, Serializer};

    macro_rules! kinds {
        ($($name:ident),* $(,)?) => {$(
            #[doc = concat!("Serializes as `\"", stringify!($name), "\"`.")]
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
            pub struct $name;

            impl Serialize for $name {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(stringify!($name))
                }
            }
        )*};
    }

    kinds!(
        Note,
        Image,
        Document,
        PropertyValue,
        Tombstone,
        Create,
        Update,
        Delete,
        Announce,
        Like,
        Follow,
        Accept,
        Reject,
        Undo,
        Block,
        Move,
        OrderedCollection,
        OrderedCollectionPage,
    );
}

/// `2019-12-08T03:48:33Z`: ActivityStreams date-times as Mastodon writes them (UTC,
/// whole seconds).
pub fn datetime(timestamp: Timestamp) -> String {
    let seconds = timestamp.as_secs();
    let dt = time::OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

fn ser_datetime<S: Serializer>(timestamp: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&datetime(*timestamp))
}

fn ser_opt_datetime<S: Serializer>(
    timestamp: &Option<Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match timestamp {
        Some(timestamp) => ser_datetime(timestamp, serializer),
        None => serializer.serialize_none(),
    }
}

/// The actor types Hamlet publishes: members are `Person`, bots `Service`, the instance
/// actor `Application`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ActorType {
    Person,
    Service,
    Application,
    Group,
    Organization,
}

/// An actor document, field for field as Mastodon serves one.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: ActorType,
    pub following: Url,
    pub followers: Url,
    pub inbox: Url,
    pub outbox: Url,
    pub featured: Url,
    pub preferred_username: String,
    /// Display name; Mastodon sends `""` when there is none.
    pub name: String,
    /// Bio, as HTML.
    pub summary: String,
    /// The profile page.
    pub url: Url,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub indexable: bool,
    #[serde(serialize_with = "ser_datetime")]
    pub published: Timestamp,
    pub public_key: PublicKey,
    /// Custom emojis of the name and bio, and featured hashtags.
    pub tag: Vec<Tag>,
    /// Profile fields.
    pub attachment: Vec<PropertyValue>,
    pub endpoints: Endpoints,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<Image>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<Url>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_known_as: Vec<Url>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    /// `{actor}#main-key`.
    pub id: Url,
    pub owner: Url,
    pub public_key_pem: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Url,
}

/// An avatar, header or emoji icon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    #[serde(rename = "type")]
    pub kind: kind::Image,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub url: Url,
}

impl Image {
    pub fn new(url: Url, media_type: Option<String>) -> Image {
        Image {
            kind: kind::Image,
            media_type,
            url,
        }
    }
}

/// A profile field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PropertyValue {
    #[serde(rename = "type")]
    pub kind: kind::PropertyValue,
    pub name: String,
    /// HTML.
    pub value: String,
}

impl PropertyValue {
    pub fn new(name: String, value: String) -> PropertyValue {
        PropertyValue {
            kind: kind::PropertyValue,
            name,
            value,
        }
    }
}

/// An entry of `tag`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum Tag {
    /// `name` is `@user@domain`, `href` the actor's id.
    Mention { href: Url, name: String },
    /// `name` is `#tag`, `href` the tag's page.
    Hashtag { href: Url, name: String },
    /// `name` is `:shortcode:`.
    Emoji {
        id: Url,
        name: String,
        #[serde(serialize_with = "ser_datetime")]
        updated: Timestamp,
        icon: Image,
    },
}

/// The ActivityPub id of a post that may leave this server. Made only by
/// [`PostId::of`] from a [`Federable`] post, so no document or activity can name a
/// local-only post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostId {
    url: Url,
    status: Id,
}

impl PostId {
    /// A remote post's own id, or the id of a local post by `author_username`.
    pub fn of(post: Federable<'_>, local: &LocalInstance, author_username: &str) -> Option<PostId> {
        let status = post.status();
        let url = match &status.uri {
            Some(uri) => Url::parse(uri).ok()?,
            None => local.status_url(author_username, &status.id.to_string()),
        };
        Some(PostId {
            url,
            status: status.id,
        })
    }

    pub fn url(&self) -> &Url {
        &self.url
    }
}

impl Serialize for PostId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.url.serialize(serializer)
    }
}

/// How a [`Note`] is addressed and linked: everything about it that does not come from
/// the post itself.
#[derive(Clone, Debug, PartialEq)]
pub struct NoteAddressing {
    /// The post's page.
    pub url: Url,
    pub attributed_to: Url,
    pub to: Vec<Url>,
    pub cc: Vec<Url>,
    pub tag: Vec<Tag>,
    pub attachment: Vec<MediaAttachment>,
    /// The post it replies to, when it is a reply.
    pub in_reply_to: Option<PostId>,
    /// The replies collection, when served.
    pub replies: Option<Url>,
}

/// A post, field for field as Mastodon sends one. Made only by [`Note::of`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    id: PostId,
    #[serde(rename = "type")]
    kind: kind::Note,
    /// The content warning; `null` when there is none, as Mastodon sends it.
    summary: Option<String>,
    /// `null` when not a reply.
    in_reply_to: Option<PostId>,
    #[serde(serialize_with = "ser_datetime")]
    published: Timestamp,
    /// Set once edited.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_datetime"
    )]
    updated: Option<Timestamp>,
    /// The post's page.
    url: Url,
    attributed_to: Url,
    to: Vec<Url>,
    cc: Vec<Url>,
    sensitive: bool,
    /// HTML.
    content: String,
    /// `{language: content}` when the language is known.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    content_map: BTreeMap<String, String>,
    attachment: Vec<MediaAttachment>,
    tag: Vec<Tag>,
    /// The replies collection, when served.
    #[serde(skip_serializing_if = "Option::is_none")]
    replies: Option<Url>,
}

impl Note {
    /// The Note of `post`, whose id is `id`; its text, content warning, dates and
    /// language come from the post. `None` when `id` is another post's.
    pub fn of(post: Federable<'_>, id: PostId, addressing: NoteAddressing) -> Option<Note> {
        let status = post.status();
        if id.status != status.id {
            return None;
        }
        let content_map = status
            .language
            .as_ref()
            .map(|language| [(language.as_str().to_owned(), status.content.clone())].into())
            .unwrap_or_default();
        Some(Note {
            id,
            kind: kind::Note,
            summary: (!status.spoiler_text.is_empty()).then(|| status.spoiler_text.clone()),
            in_reply_to: addressing.in_reply_to,
            published: status.created_at,
            updated: status.edited_at,
            url: addressing.url,
            attributed_to: addressing.attributed_to,
            to: addressing.to,
            cc: addressing.cc,
            sensitive: status.sensitive,
            content: status.content.clone(),
            content_map,
            attachment: addressing.attachment,
            tag: addressing.tag,
            replies: addressing.replies,
        })
    }

    pub fn id(&self) -> &PostId {
        &self.id
    }

    /// The post's page.
    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn attributed_to(&self) -> &Url {
        &self.attributed_to
    }

    pub fn to(&self) -> &[Url] {
        &self.to
    }

    pub fn cc(&self) -> &[Url] {
        &self.cc
    }

    pub fn published(&self) -> Timestamp {
        self.published
    }

    pub fn updated(&self) -> Option<Timestamp> {
        self.updated
    }
}

/// A media attachment. Mastodon sends type `Document` for images, video and audio alike;
/// `mediaType` says which.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaAttachment {
    #[serde(rename = "type")]
    pub kind: kind::Document,
    pub media_type: String,
    pub url: Url,
    /// Alt text; `null` when there is none.
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blurhash: Option<String>,
    /// `[x, y]`, each in -1.0..=1.0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focal_point: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// A deleted post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tombstone {
    pub id: PostId,
    #[serde(rename = "type")]
    pub kind: kind::Tombstone,
}

impl Tombstone {
    pub fn new(id: PostId) -> Tombstone {
        Tombstone {
            id,
            kind: kind::Tombstone,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Create {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::Create,
    pub actor: Url,
    #[serde(serialize_with = "ser_datetime")]
    pub published: Timestamp,
    pub to: Vec<Url>,
    pub cc: Vec<Url>,
    pub object: Note,
}

impl Create {
    /// The `Create` of `note`, addressed as it is, with the id `{note id}/activity`.
    pub fn of(note: Note) -> Create {
        let mut id = note.id.url.clone();
        id.set_path(&format!("{}/activity", id.path().trim_end_matches('/')));
        Create {
            id,
            kind: kind::Create,
            actor: note.attributed_to.clone(),
            published: note.published,
            to: note.to.clone(),
            cc: note.cc.clone(),
            object: note,
        }
    }
}

/// A profile change (object: `Person`) or an edit (object: `Note`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Update {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::Update,
    pub actor: Url,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_datetime"
    )]
    pub published: Option<Timestamp>,
    pub to: Vec<Url>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<Url>,
    pub object: Updatable,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Updatable {
    Note(Box<Note>),
    Person(Box<Person>),
}

/// A deleted post (object: `Tombstone`) or account (object: the actor's id).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Delete {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::Delete,
    pub actor: Url,
    pub to: Vec<Url>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<Url>,
    pub object: Deletable,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Deletable {
    Tombstone(Tombstone),
    Actor(Url),
}

/// A boost: `object` is the boosted post's id.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Announce {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::Announce,
    pub actor: Url,
    #[serde(serialize_with = "ser_datetime")]
    pub published: Timestamp,
    pub to: Vec<Url>,
    pub cc: Vec<Url>,
    pub object: PostId,
}

/// A favourite: `object` is the post's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Like {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::Like,
    pub actor: Url,
    pub object: PostId,
}

impl Like {
    pub fn new(id: Url, actor: Url, object: PostId) -> Like {
        Like {
            id,
            kind: kind::Like,
            actor,
            object,
        }
    }
}

macro_rules! simple_activity {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
        pub struct $name {
            pub id: Url,
            #[serde(rename = "type")]
            pub kind: kind::$name,
            pub actor: Url,
            pub object: Url,
        }

        impl $name {
            pub fn new(id: Url, actor: Url, object: Url) -> $name {
                $name { id, kind: kind::$name, actor, object }
            }
        }
    )*};
}

simple_activity!(
    /// `object` is the followed actor's id.
    Follow,
    /// `object` is the blocked actor's id.
    Block,
);

/// Approves a follow request; `object` is the `Follow` as received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Accept {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::Accept,
    pub actor: Url,
    pub object: Follow,
}

/// Refuses a follow request, or removes a follower; `object` is their `Follow`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reject {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::Reject,
    pub actor: Url,
    pub object: Follow,
}

/// Takes back a follow, favourite, boost or block; `object` is that activity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Undo {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::Undo,
    pub actor: Url,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Url>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<Url>,
    pub object: Undoable,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Undoable {
    Follow(Follow),
    Like(Like),
    Announce(Announce),
    Block(Block),
}

/// Account migration: `object` (the old account, the actor) moved to `target`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Move {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::Move,
    pub actor: Url,
    pub object: Url,
    pub target: Url,
}

/// A collection: outbox, followers, following, featured. Either `first` points to the
/// pages, or (small collections such as featured) `orderedItems` holds everything.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollection<T> {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::OrderedCollection,
    pub total_items: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_items: Option<Vec<T>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollectionPage<T> {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: kind::OrderedCollectionPage,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_items: Option<u64>,
    pub part_of: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<Url>,
    pub ordered_items: Vec<T>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_are_whole_seconds_utc() {
        assert_eq!(
            datetime(Timestamp::from_millis(1_575_776_913_901)),
            "2019-12-08T03:48:33Z"
        );
    }

    #[test]
    fn kinds_serialize_as_their_names() {
        assert_eq!(
            serde_json::to_value(kind::OrderedCollectionPage).unwrap(),
            "OrderedCollectionPage"
        );
        let follow = Follow::new(
            Url::parse("https://h.example/follows/1").unwrap(),
            Url::parse("https://h.example/users/a").unwrap(),
            Url::parse("https://r.example/users/b").unwrap(),
        );
        let value = serde_json::to_value(WithContext::new(follow)).unwrap();
        assert_eq!(value["type"], "Follow");
        assert_eq!(value["@context"], context());
        assert_eq!(value["object"], "https://r.example/users/b");
    }

    fn status(id: i64, local_only: bool) -> hamlet_core::status::Status {
        hamlet_core::status::Status {
            id: Id::from_i64(id),
            account_id: Id::from_i64(1),
            uri: None,
            url: None,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            reblog_of_id: None,
            text: "hello".into(),
            content: "<p>hello</p>".into(),
            spoiler_text: String::new(),
            sensitive: false,
            visibility: hamlet_core::visibility::Visibility::Public,
            language: None,
            local: true,
            local_only,
            created_at: Timestamp::from_millis(1_575_776_913_901),
            edited_at: None,
        }
    }

    fn addressing() -> NoteAddressing {
        let actor = Url::parse("https://h.example/users/a").unwrap();
        NoteAddressing {
            url: Url::parse("https://h.example/@a/7").unwrap(),
            attributed_to: actor.clone(),
            to: vec![actor],
            cc: Vec::new(),
            tag: Vec::new(),
            attachment: Vec::new(),
            in_reply_to: None,
            replies: None,
        }
    }

    #[test]
    fn a_note_takes_its_id_and_text_from_one_federable_post() {
        let origin = LocalInstance::new(&Url::parse("https://h.example").unwrap());
        let (seven, eight) = (status(7, false), status(8, false));
        let seven = Federable::check(&seven, None).unwrap();
        let eight = Federable::check(&eight, None).unwrap();
        let id = PostId::of(seven, &origin, "a").unwrap();
        assert_eq!(id.url().as_str(), "https://h.example/users/a/statuses/7");
        assert!(Note::of(eight, id.clone(), addressing()).is_none());
        let note = Note::of(seven, id, addressing()).unwrap();
        let value = serde_json::to_value(&note).unwrap();
        assert_eq!(value["id"], "https://h.example/users/a/statuses/7");
        assert_eq!(value["content"], "<p>hello</p>");
        let create = serde_json::to_value(Create::of(note)).unwrap();
        assert_eq!(
            create["id"],
            "https://h.example/users/a/statuses/7/activity"
        );
    }
}
