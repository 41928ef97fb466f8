//! Layer one: serde structs that accept anything plausible.
//!
//! Every field is optional and lenient: a value of the wrong shape becomes `None` (or is
//! dropped from its array) instead of failing the document; a single value stands for a
//! one-element array; a reference may be a bare id or an object with an `id`; a link may
//! be a string or a `Link` object; unknown fields (`proof`, `signature`, `@context`, every
//! vendor extension) are ignored. Only malformed JSON itself is an error.
//!
//! Nothing here is validated: ids may be anything, strings any length. Layer two (the
//! rest of [`crate::vocab`]) turns these into checked values. Parse documents with
//! [`super::parse_raw`], which bounds size and nesting before serde runs.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Deserializes a field leniently: a value of the wrong shape becomes `None`. Errors of
/// the JSON text itself (syntax, nesting) still fail, since they come from the outer
/// deserializer.
pub fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).ok())
}

/// One value or an array of them, normalized to a list. Entries of the wrong shape are
/// dropped; `null` is the empty list.
#[derive(Clone, Debug, PartialEq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    pub fn first(&self) -> Option<&T> {
        self.0.first()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(OneOrMany(match Value::deserialize(deserializer)? {
            Value::Null => Vec::new(),
            Value::Array(items) => items
                .into_iter()
                .filter_map(|item| T::deserialize(item).ok())
                .collect(),
            other => T::deserialize(other).ok().into_iter().collect(),
        }))
    }
}

/// A reference that is either a bare id or an embedded object.
#[derive(Clone, Debug, PartialEq)]
pub enum IdOrObject<T> {
    Id(String),
    Object(T),
}

/// How deep (in JSON arrays and objects) an embedded object may go below the field that
/// holds it. Embedded objects are the only recursive part of these types; bounding them
/// here keeps the stack bounded however the types are used, even without
/// [`super::parse_raw`]'s pre-scan (which refuses much less deep documents first). Real
/// documents stay under 10 (a collection's first page, its items, their objects, tags,
/// icons). A deeper embedded object is treated as absent.
pub const MAX_EMBEDDED_DEPTH: usize = 16;

/// The nesting depth of a JSON value (a scalar is 0), computed without recursion.
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((value, level)) = stack.pop() {
        match value {
            Value::Array(items) => stack.extend(items.iter().map(|child| (child, level + 1))),
            Value::Object(map) => stack.extend(map.values().map(|child| (child, level + 1))),
            _ => continue,
        }
        deepest = deepest.max(level + 1);
    }
    deepest
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for IdOrObject<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(id) => Ok(IdOrObject::Id(id)),
            object @ Value::Object(_) if depth(&object) > MAX_EMBEDDED_DEPTH => {
                Err(D::Error::custom("embedded object nested too deeply"))
            }
            object @ Value::Object(_) => T::deserialize(object)
                .map(IdOrObject::Object)
                .map_err(D::Error::custom),
            _ => Err(D::Error::custom("expected an id or an object")),
        }
    }
}

impl IdOrObject<Box<Object>> {
    /// The id, whether given bare or inside the object.
    pub fn id(&self) -> Option<&str> {
        match self {
            IdOrObject::Id(id) => Some(id),
            IdOrObject::Object(object) => object.id.as_deref(),
        }
    }
}

/// A reference to another document that is never followed further: a bare id, or an
/// object of which only `id`, `type` and `href` are read (an embedded `inReplyTo` object,
/// an `attributedTo` actor, a `to` entry). This is what bounds embedded objects: an
/// embedded reply's own replies, authors and so on are skipped unread.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ref {
    pub id: Option<String>,
    pub kind: OneOrMany<String>,
    pub href: Option<String>,
}

#[derive(Deserialize)]
struct RefFields {
    #[serde(default, deserialize_with = "lenient")]
    id: Option<String>,
    #[serde(default, rename = "type")]
    kind: OneOrMany<String>,
    #[serde(default, deserialize_with = "lenient")]
    href: Option<String>,
}

impl<'de> Deserialize<'de> for Ref {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(id) => Ok(Ref {
                id: Some(id),
                ..Ref::default()
            }),
            object @ Value::Object(_) => {
                let fields = RefFields::deserialize(object).map_err(D::Error::custom)?;
                Ok(Ref {
                    id: fields.id,
                    kind: fields.kind,
                    href: fields.href,
                })
            }
            _ => Err(D::Error::custom("expected an id or an object")),
        }
    }
}

impl Ref {
    /// The referenced address: `id`, or `href` for a `Link`.
    pub fn target(&self) -> Option<&str> {
        self.id.as_deref().or(self.href.as_deref())
    }

    pub fn kind(&self) -> Option<&str> {
        self.kind.first().map(String::as_str)
    }
}

/// A `url` value: a string, or a `Link` (or other) object with `href` (or `url`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Link {
    pub href: Option<String>,
    pub media_type: Option<String>,
    pub kind: OneOrMany<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkFields {
    #[serde(default, deserialize_with = "lenient")]
    href: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    url: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    media_type: Option<String>,
    #[serde(default, rename = "type")]
    kind: OneOrMany<String>,
}

impl<'de> Deserialize<'de> for Link {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(href) => Ok(Link {
                href: Some(href),
                ..Link::default()
            }),
            object @ Value::Object(_) => {
                let fields = LinkFields::deserialize(object).map_err(D::Error::custom)?;
                Ok(Link {
                    href: fields.href.or(fields.url),
                    media_type: fields.media_type,
                    kind: fields.kind,
                })
            }
            _ => Err(D::Error::custom("expected a link")),
        }
    }
}

/// A media object: a post attachment (`Document`, `Image`, …), an avatar (`icon`), a
/// header (`image`), an emoji's icon, or a profile field (`PropertyValue`, which shares the
/// `attachment` array). A bare string stands for `{"url": string}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Media {
    pub kind: OneOrMany<String>,
    pub url: OneOrMany<Link>,
    pub href: Option<String>,
    pub media_type: Option<String>,
    pub name: Option<String>,
    pub value: Option<String>,
    pub blurhash: Option<String>,
    pub focal_point: Option<Vec<f64>>,
    pub width: Option<u64>,
    pub height: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MediaFields {
    #[serde(default, rename = "type")]
    kind: OneOrMany<String>,
    #[serde(default)]
    url: OneOrMany<Link>,
    #[serde(default, deserialize_with = "lenient")]
    href: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    media_type: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    value: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    blurhash: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    focal_point: Option<Vec<f64>>,
    #[serde(default, deserialize_with = "lenient")]
    width: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    height: Option<u64>,
}

impl<'de> Deserialize<'de> for Media {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(url) => Ok(Media {
                url: OneOrMany(vec![Link {
                    href: Some(url),
                    ..Link::default()
                }]),
                ..Media::default()
            }),
            object @ Value::Object(_) => {
                let f = MediaFields::deserialize(object).map_err(D::Error::custom)?;
                Ok(Media {
                    kind: f.kind,
                    url: f.url,
                    href: f.href,
                    media_type: f.media_type,
                    name: f.name,
                    value: f.value,
                    blurhash: f.blurhash,
                    focal_point: f.focal_point,
                    width: f.width,
                    height: f.height,
                })
            }
            _ => Err(D::Error::custom("expected a media object")),
        }
    }
}

impl Media {
    pub fn kind(&self) -> Option<&str> {
        self.kind.first().map(String::as_str)
    }
}

/// An entry of a `tag` array: `Mention`, `Hashtag`, `Emoji` or anything else.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    #[serde(default, rename = "type")]
    pub kind: OneOrMany<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub href: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default)]
    pub icon: OneOrMany<Media>,
    #[serde(default, deserialize_with = "lenient")]
    pub updated: Option<String>,
}

impl Tag {
    pub fn kind(&self) -> Option<&str> {
        self.kind.first().map(String::as_str)
    }
}

/// An actor's `publicKey`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub owner: Option<Ref>,
    #[serde(default, deserialize_with = "lenient")]
    pub public_key_pem: Option<String>,
}

/// An actor's `endpoints`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default, deserialize_with = "lenient")]
    pub shared_inbox: Option<String>,
}

/// One answer of a `Question` (`oneOf` / `anyOf` entry).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PollOption {
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub replies: Option<Replies>,
}

/// The vote count of a poll option, as `replies.totalItems`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Replies {
    #[serde(default, deserialize_with = "lenient")]
    pub total_items: Option<u64>,
}

/// Any ActivityStreams document: activity, actor, post, collection, tombstone. One
/// struct with every field Hamlet reads, all optional; the `type` says which apply.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Object {
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: OneOrMany<String>,

    // Activities.
    #[serde(default)]
    pub actor: OneOrMany<Ref>,
    #[serde(default)]
    pub object: OneOrMany<IdOrObject<Box<Object>>>,
    #[serde(default)]
    pub target: OneOrMany<Ref>,

    // Posts.
    #[serde(default)]
    pub attributed_to: OneOrMany<Ref>,
    #[serde(default, deserialize_with = "lenient")]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub content_map: Option<BTreeMap<String, Value>>,
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub sensitive: Option<bool>,
    #[serde(default)]
    pub in_reply_to: OneOrMany<Ref>,
    #[serde(default, deserialize_with = "lenient")]
    pub published: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub updated: Option<String>,
    #[serde(default)]
    pub to: OneOrMany<Ref>,
    #[serde(default)]
    pub cc: OneOrMany<Ref>,
    #[serde(default)]
    pub tag: OneOrMany<Tag>,
    #[serde(default)]
    pub attachment: OneOrMany<Media>,
    #[serde(default)]
    pub url: OneOrMany<Link>,
    #[serde(default)]
    pub quote: OneOrMany<Ref>,
    #[serde(default)]
    pub quote_url: OneOrMany<Ref>,
    #[serde(default)]
    pub quote_uri: OneOrMany<Ref>,
    #[serde(default, rename = "_misskey_quote")]
    pub misskey_quote: OneOrMany<Ref>,
    #[serde(default)]
    pub one_of: OneOrMany<PollOption>,
    #[serde(default)]
    pub any_of: OneOrMany<PollOption>,
    #[serde(default, deserialize_with = "lenient")]
    pub end_time: Option<String>,
    /// A date, or `true`.
    #[serde(default, deserialize_with = "lenient")]
    pub closed: Option<Value>,
    #[serde(default, deserialize_with = "lenient")]
    pub voters_count: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    pub former_type: Option<String>,

    // Actors.
    #[serde(default, deserialize_with = "lenient")]
    pub preferred_username: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub inbox: Option<Ref>,
    #[serde(default, deserialize_with = "lenient")]
    pub outbox: Option<Ref>,
    #[serde(default, deserialize_with = "lenient")]
    pub followers: Option<Ref>,
    #[serde(default, deserialize_with = "lenient")]
    pub following: Option<Ref>,
    #[serde(default, deserialize_with = "lenient")]
    pub featured: Option<Ref>,
    #[serde(default, deserialize_with = "lenient")]
    pub endpoints: Option<Endpoints>,
    #[serde(default, deserialize_with = "lenient")]
    pub shared_inbox: Option<String>,
    #[serde(default)]
    pub public_key: OneOrMany<PublicKey>,
    #[serde(default, deserialize_with = "lenient")]
    pub manually_approves_followers: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub discoverable: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub indexable: Option<bool>,
    #[serde(default)]
    pub icon: OneOrMany<Media>,
    #[serde(default)]
    pub image: OneOrMany<Media>,
    #[serde(default, deserialize_with = "lenient")]
    pub moved_to: Option<Ref>,
    #[serde(default)]
    pub also_known_as: OneOrMany<Ref>,

    // Collections.
    #[serde(default, deserialize_with = "lenient")]
    pub total_items: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    pub first: Option<IdOrObject<Box<Object>>>,
    #[serde(default, deserialize_with = "lenient")]
    pub next: Option<Ref>,
    #[serde(default, deserialize_with = "lenient")]
    pub prev: Option<Ref>,
    #[serde(default, deserialize_with = "lenient")]
    pub part_of: Option<Ref>,
    #[serde(default)]
    pub items: OneOrMany<IdOrObject<Box<Object>>>,
    #[serde(default)]
    pub ordered_items: OneOrMany<IdOrObject<Box<Object>>>,
}

impl Object {
    /// The first `type`. Documents with several types (rare, JSON-LD allows it) are read
    /// as their first.
    pub fn kind(&self) -> Option<&str> {
        self.kind.first().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Object {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn one_value_or_many() {
        let one = parse(r#"{"to": "https://a.example/x"}"#);
        let many = parse(r#"{"to": ["https://a.example/x", "https://b.example/y"]}"#);
        assert_eq!(one.to.len(), 1);
        assert_eq!(many.to.len(), 2);
        assert_eq!(many.to.0[1].target(), Some("https://b.example/y"));
        assert!(parse(r#"{"to": null}"#).to.is_empty());
    }

    #[test]
    fn wrong_types_become_none_not_errors() {
        let o = parse(
            r#"{"id": 42, "content": {"x": 1}, "sensitive": "yes", "to": [1, "https://a.example/x", [2]],
                "tag": "nope", "published": false, "totalItems": -1, "inbox": 7, "first": 3}"#,
        );
        assert_eq!(o.id, None);
        assert_eq!(o.content, None);
        assert_eq!(o.sensitive, None);
        assert_eq!(o.to.len(), 1);
        assert!(o.tag.is_empty());
        assert_eq!(o.published, None);
        assert_eq!(o.total_items, None);
        assert_eq!(o.inbox, None);
        assert_eq!(o.first, None);
    }

    #[test]
    fn malformed_json_is_still_an_error() {
        assert!(serde_json::from_str::<Object>(r#"{"content": "a"#).is_err());
        assert!(serde_json::from_str::<Object>(r#"{"content": [1,}"#).is_err());
    }

    #[test]
    fn direct_use_is_stack_safe() {
        // Without `parse_raw`'s pre-scan: 120 embedded levels (within serde_json's own
        // limit of 128) must neither overflow the stack nor be read all the way down.
        let mut json = String::from(r#""https://a.example/leaf""#);
        for i in 0..120 {
            json =
                format!(r#"{{"id": "https://a.example/{i}", "type": "Undo", "object": {json}}}"#);
        }
        let top: Object = serde_json::from_str(&json).unwrap();
        assert_eq!(top.id.as_deref(), Some("https://a.example/119"));
        assert!(
            top.object.is_empty(),
            "the too-deep embedded object is absent"
        );

        let mut json = String::from(r#""https://a.example/leaf""#);
        for _ in 0..200 {
            json = format!(r#"{{"type": "Undo", "object": {json}}}"#);
        }
        assert!(
            serde_json::from_str::<Object>(&json).is_err(),
            "serde_json's limit"
        );
    }

    #[test]
    fn embedded_objects_within_the_bound_are_read() {
        let mut json = String::from(r#""https://a.example/leaf""#);
        for i in 0..MAX_EMBEDDED_DEPTH {
            json = format!(r#"{{"id": "https://a.example/{i}", "object": {json}}}"#);
        }
        let mut object: Object = serde_json::from_str(&json).unwrap();
        let mut levels = 0;
        loop {
            match object.object.0.pop() {
                Some(IdOrObject::Object(inner)) => {
                    object = *inner;
                    levels += 1;
                }
                Some(IdOrObject::Id(leaf)) => {
                    assert_eq!(leaf, "https://a.example/leaf");
                    break;
                }
                None => panic!("lost the chain after {levels} levels"),
            }
        }
        assert_eq!(levels, MAX_EMBEDDED_DEPTH - 1);
        assert_eq!(depth(&serde_json::json!([[1], {"a": {"b": []}}])), 4);
        assert_eq!(depth(&serde_json::json!("x")), 0);
    }

    #[test]
    fn references_links_and_media_take_every_shape() {
        let o = parse(
            r#"{"attributedTo": [{"type": "Person", "id": "https://a.example/u"}, "https://a.example/g"],
                "inReplyTo": {"id": "https://b.example/n", "inReplyTo": {"id": "ignored"}},
                "url": [{"type": "Link", "href": "https://a.example/@u/1", "mediaType": "text/html"}],
                "icon": "https://a.example/avatar.png",
                "object": ["https://c.example/1", {"id": "https://c.example/2", "type": "Note"}]}"#,
        );
        assert_eq!(o.attributed_to.0[0].kind(), Some("Person"));
        assert_eq!(o.attributed_to.0[1].target(), Some("https://a.example/g"));
        assert_eq!(o.in_reply_to.0[0].target(), Some("https://b.example/n"));
        assert_eq!(o.url.0[0].media_type.as_deref(), Some("text/html"));
        assert_eq!(
            o.icon.0[0].url.0[0].href.as_deref(),
            Some("https://a.example/avatar.png")
        );
        assert_eq!(o.object.0[0].id(), Some("https://c.example/1"));
        assert_eq!(o.object.0[1].id(), Some("https://c.example/2"));
    }
}
