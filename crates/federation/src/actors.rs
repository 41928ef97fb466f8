//! Local actors as the fediverse sees them: members as `Person` (or `Service` for bots)
//! and the instance actor as `Application`.

use hamlet_core::Timestamp;
use hamlet_core::account::Account;
use hamlet_core::text;

use crate::instance::LocalInstance;
use crate::vocab::out::{
    ActorType, Endpoints, Image, Person, PropertyValue, PublicKey, WithContext,
};

/// The actor document of a local member.
pub fn member_document(account: &Account, local: &LocalInstance) -> WithContext<Person> {
    let name = &account.username;
    let actor = local.actor_url(name);
    WithContext::new(Person {
        id: actor.clone(),
        kind: if account.bot {
            ActorType::Service
        } else {
            ActorType::Person
        },
        following: local.following_url(name),
        followers: local.followers_url(name),
        inbox: local.inbox_url(name),
        outbox: local.outbox_url(name),
        featured: local.featured_url(name),
        preferred_username: name.clone(),
        name: account.display_name.clone(),
        summary: text::plain_to_html(&account.note),
        url: local.profile_url(name),
        manually_approves_followers: account.locked,
        discoverable: account.discoverable,
        indexable: account.indexable,
        published: account.created_at,
        public_key: PublicKey {
            id: local.key_id(name),
            owner: actor,
            public_key_pem: account.public_key_pem.clone(),
        },
        tag: Vec::new(),
        attachment: account
            .fields
            .iter()
            .map(|field| {
                PropertyValue::new(
                    text::escape(&field.name),
                    text::inline_to_html(&field.value),
                )
            })
            .collect(),
        endpoints: Endpoints {
            shared_inbox: local.shared_inbox_url(),
        },
        icon: picture(local, account.avatar_file.as_deref()),
        image: picture(local, account.header_file.as_deref()),
        moved_to: None,
        also_known_as: Vec::new(),
    })
}

/// A member's avatar or header, served from this instance's `/media/`.
fn picture(local: &LocalInstance, key: Option<&str>) -> Option<Image> {
    let key = key?;
    let media_type = match key.rsplit_once('.')?.1 {
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => "image/jpeg",
    };
    Some(Image::new(
        local.media_url(key),
        Some(media_type.to_owned()),
    ))
}

/// The instance actor: it signs the fetches Hamlet makes for itself (resolving an
/// account, refetching a key) and never posts. Like Mastodon's, its name is the domain
/// and it approves no one.
pub fn instance_document(
    local: &LocalInstance,
    public_key_pem: &str,
    created_at: Timestamp,
) -> WithContext<Person> {
    let actor = local.instance_actor_url();
    let domain = local.domain();
    WithContext::new(Person {
        id: actor.clone(),
        kind: ActorType::Application,
        following: local.url("/actor/following"),
        followers: local.url("/actor/followers"),
        inbox: local.url("/actor/inbox"),
        outbox: local.url("/actor/outbox"),
        featured: local.url("/actor/collections/featured"),
        preferred_username: domain.clone(),
        name: domain,
        summary: String::new(),
        url: local.url("/"),
        manually_approves_followers: true,
        discoverable: false,
        indexable: false,
        published: created_at,
        public_key: PublicKey {
            id: local.instance_key_id(),
            owner: actor,
            public_key_pem: public_key_pem.to_owned(),
        },
        tag: Vec::new(),
        attachment: Vec::new(),
        endpoints: Endpoints {
            shared_inbox: local.shared_inbox_url(),
        },
        icon: None,
        image: None,
        moved_to: None,
        also_known_as: Vec::new(),
    })
}
