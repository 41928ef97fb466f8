//! Collections from other servers: outboxes, followers and following counts, featured
//! (pinned) posts, and their pages.

use url::Url;

use super::VocabError;
use super::activity::Activity;
use super::actor::{ActorKind, RemoteActor};
use super::limits::{MAX_COLLECTION_ITEMS, check_count, http_url, loose_url, type_label};
use super::post::{PostKind, RemoteNote};
use super::raw::{self, IdOrObject, Ref};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CollectionKind {
    Collection,
    OrderedCollection,
    CollectionPage,
    OrderedCollectionPage,
}

impl CollectionKind {
    pub fn from_type(kind: &str) -> Option<CollectionKind> {
        match kind {
            "Collection" => Some(CollectionKind::Collection),
            "OrderedCollection" => Some(CollectionKind::OrderedCollection),
            "CollectionPage" => Some(CollectionKind::CollectionPage),
            "OrderedCollectionPage" => Some(CollectionKind::OrderedCollectionPage),
            _ => None,
        }
    }
}

/// A collection or page. Items are read one level deep: an item that is itself a
/// collection is [`CollectionItem::Other`], and an embedded `first` page is read without
/// its own `first`.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteCollection {
    /// Embedded pages often have none.
    pub id: Option<Url>,
    pub kind: CollectionKind,
    pub total_items: Option<u64>,
    /// The first page's address, when given (as a link, or as the id of an embedded page).
    pub first: Option<Url>,
    /// The first page, when embedded.
    pub first_page: Option<Box<RemoteCollection>>,
    pub next: Option<Url>,
    pub prev: Option<Url>,
    pub part_of: Option<Url>,
    /// `orderedItems` then `items`. Embedded items that fail validation are dropped (a
    /// page is a list of independent documents; one bad post does not spoil the others).
    pub items: Vec<CollectionItem>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CollectionItem {
    /// An id to fetch (GoToSocial's featured collection, followers lists).
    Ref(Url),
    Post(Box<RemoteNote>),
    Actor(Box<RemoteActor>),
    Activity(Box<Activity>),
    /// Anything else embedded.
    Other {
        id: Option<Url>,
        kind: String,
    },
}

impl RemoteCollection {
    pub fn from_raw(raw: &raw::Object) -> Result<RemoteCollection, VocabError> {
        Self::read(raw, true)
    }

    fn read(raw: &raw::Object, with_first_page: bool) -> Result<RemoteCollection, VocabError> {
        let found = raw.kind().unwrap_or_default();
        let kind = CollectionKind::from_type(found).ok_or_else(|| VocabError::UnexpectedType {
            expected: "a collection",
            found: type_label(found),
        })?;
        check_count(
            raw.items.len() + raw.ordered_items.len(),
            "items",
            MAX_COLLECTION_ITEMS,
        )?;
        let (first, first_page) = match &raw.first {
            Some(IdOrObject::Id(first)) => (loose_url(Some(first)), None),
            Some(IdOrObject::Object(page)) if with_first_page => (
                loose_url(page.id.as_deref()),
                Self::read(page, false).ok().map(Box::new),
            ),
            Some(IdOrObject::Object(page)) => (loose_url(page.id.as_deref()), None),
            None => (None, None),
        };
        let link = |value: &Option<Ref>| loose_url(value.as_ref().and_then(Ref::target));
        Ok(RemoteCollection {
            id: raw.id.as_deref().map(|id| http_url(id, "id")).transpose()?,
            kind,
            total_items: raw.total_items,
            first,
            first_page,
            next: link(&raw.next),
            prev: link(&raw.prev),
            part_of: link(&raw.part_of),
            items: raw
                .ordered_items
                .iter()
                .chain(&raw.items)
                .filter_map(item)
                .collect(),
        })
    }
}

fn item(entry: &IdOrObject<Box<raw::Object>>) -> Option<CollectionItem> {
    let embedded = match entry {
        IdOrObject::Id(id) => return loose_url(Some(id)).map(CollectionItem::Ref),
        IdOrObject::Object(embedded) => embedded,
    };
    let kind = embedded.kind().unwrap_or_default();
    if PostKind::from_type(kind).is_some() {
        RemoteNote::from_raw(embedded)
            .ok()
            .map(|post| CollectionItem::Post(Box::new(post)))
    } else if ActorKind::from_type(kind).is_some() {
        RemoteActor::from_raw(embedded)
            .ok()
            .map(|actor| CollectionItem::Actor(Box::new(actor)))
    } else if CollectionKind::from_type(kind).is_none() && !embedded.actor.is_empty() {
        Activity::from_raw(embedded)
            .ok()
            .map(|activity| CollectionItem::Activity(Box::new(activity)))
    } else {
        Some(CollectionItem::Other {
            id: loose_url(embedded.id.as_deref()),
            kind: type_label(kind),
        })
    }
}
