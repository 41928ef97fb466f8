//! The ActivityStreams vocabulary against real-world documents: Mitra captures from
//! `../shared/fixtures/activitypub/`, and hand-written documents in the shapes Mastodon,
//! Pleroma/Akkoma, Misskey, GoToSocial, Pixelfed and Lemmy send (`tests/fixtures/`, see its
//! README). Values are asserted, not just "it parsed".

use std::path::{Path, PathBuf};

use hamlet_core::account::Language;
use hamlet_core::audience::Federable;
use hamlet_core::status::Status;
use hamlet_core::visibility::Visibility;
use hamlet_core::{Id, Timestamp};
use hamlet_federation::instance::LocalInstance;
use hamlet_federation::vocab::limits::{
    MAX_ATTACHMENTS, MAX_AUDIENCE, MAX_CONTENT_BYTES, MAX_DOCUMENT_BYTES, MAX_JSON_DEPTH, MAX_TAGS,
};
use hamlet_federation::vocab::out::{self, WithContext};
use hamlet_federation::vocab::{
    Activity, ActivityRef, ActorKind, AttachmentKind, CollectionItem, CollectionKind, Document,
    InnerActivity, PUBLIC, PostKind, PostOrRef, RemoteNote, Updated, VocabError, parse_activity,
    parse_actor, parse_collection, parse_document, parse_post,
};
use serde_json::{Value, json};
use url::Url;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/activitypub")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture(name: &str) -> Vec<u8> {
    read(&fixtures_dir().join(name))
}

fn mitra(name: &str) -> Vec<u8> {
    read(&shared_dir().join("mitra").join(name))
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn ts(s: &str) -> Option<Timestamp> {
    Some(Timestamp::parse_rfc3339(s).unwrap())
}

/// A fixture with `change` applied to its JSON.
fn mutated(name: &str, change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(&fixture(name)).unwrap();
    change(&mut value);
    serde_json::to_vec(&value).unwrap()
}

fn create_post(activity: Activity) -> RemoteNote {
    match activity {
        Activity::Create {
            object: PostOrRef::Post(post),
            ..
        } => *post,
        other => panic!("expected Create with an embedded post, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Mitra captures (../shared/fixtures/activitypub/mitra)
// ---------------------------------------------------------------------------------------

#[test]
fn mitra_actor() {
    let actor = parse_actor(&mitra("actor.json")).unwrap();
    assert_eq!(actor.id, url("http://127.0.0.1:8380/users/mira"));
    assert_eq!(actor.kind, ActorKind::Person);
    assert_eq!(actor.preferred_username, "mira");
    assert_eq!(actor.inbox, url("http://127.0.0.1:8380/users/mira/inbox"));
    assert_eq!(
        actor.outbox,
        Some(url("http://127.0.0.1:8380/users/mira/outbox"))
    );
    assert_eq!(
        actor.followers,
        Some(url("http://127.0.0.1:8380/users/mira/followers"))
    );
    assert_eq!(
        actor.following,
        Some(url("http://127.0.0.1:8380/users/mira/following"))
    );
    assert_eq!(
        actor.featured,
        Some(url("http://127.0.0.1:8380/users/mira/collections/featured"))
    );
    assert_eq!(actor.shared_inbox, None);
    assert_eq!(
        actor.public_key.id,
        url("http://127.0.0.1:8380/users/mira#main-key")
    );
    assert_eq!(actor.public_key.owner, actor.id);
    assert!(actor.public_key.pem.starts_with("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqRVtRdhqvBR02c6WnnUA\n"));
    assert!(actor.public_key.pem.ends_with("-----END PUBLIC KEY-----\n"));
    assert!(!actor.manually_approves_followers);
    assert!(actor.discoverable);
    assert!(!actor.indexable);
    assert_eq!(actor.url, Some(url("http://127.0.0.1:8380/users/mira")));
    assert_eq!(actor.published, ts("2026-11-22T15:22:17.930665Z"));
    assert_eq!(
        (actor.name, actor.summary, actor.avatar, actor.header),
        (None, None, None, None)
    );
    assert!(actor.fields.is_empty() && actor.also_known_as.is_empty() && actor.moved_to.is_none());
}

#[test]
fn mitra_note() {
    let actor = parse_actor(&mitra("actor.json")).unwrap();
    let note = parse_post(&mitra("note.json")).unwrap();
    assert_eq!(
        note.id,
        url("http://127.0.0.1:8380/objects/01a203d9-e44e-7702-8022-f0e11641ec68")
    );
    assert_eq!(note.kind, PostKind::Note);
    assert_eq!(note.attributed_to, actor.id);
    assert!(
        note.content
            .starts_with("<p>Hello from a <a class=\"hashtag\"")
    );
    assert!(note.content.ends_with("https://example.org</a></p>"));
    assert_eq!(note.hashtags.len(), 1);
    assert_eq!(note.hashtags[0].name, "mitra");
    assert_eq!(
        note.hashtags[0].href,
        Some(url("http://127.0.0.1:8380/collections/tags/mitra"))
    );
    assert_eq!(note.audience.to, vec![url(PUBLIC)]);
    assert_eq!(
        note.audience.cc,
        vec![url("http://127.0.0.1:8380/users/mira/followers")]
    );
    assert_eq!(
        note.audience.visibility(actor.followers.as_ref()),
        Visibility::Public
    );
    assert_eq!(note.published, ts("2026-11-22T15:22:21.134291Z"));
    assert!(!note.sensitive);
    assert_eq!(
        (note.summary, note.in_reply_to, note.url, note.poll),
        (None, None, None, None)
    );
    assert!(note.mentions.is_empty() && note.emojis.is_empty() && note.attachments.is_empty());
}

#[test]
fn mitra_outbox() {
    let outbox = parse_collection(&mitra("outbox.json")).unwrap();
    assert_eq!(outbox.kind, CollectionKind::OrderedCollection);
    assert_eq!(
        outbox.id,
        Some(url("http://127.0.0.1:8380/users/mira/outbox"))
    );
    assert_eq!(
        outbox.first,
        Some(url("http://127.0.0.1:8380/users/mira/outbox?page=true"))
    );
    assert_eq!((outbox.total_items, outbox.first_page), (None, None));
    assert!(outbox.items.is_empty());
}

#[test]
fn mitra_documents_dispatch_by_type() {
    assert!(matches!(
        parse_document(&mitra("actor.json")),
        Ok(Document::Actor(_))
    ));
    assert!(matches!(
        parse_document(&mitra("note.json")),
        Ok(Document::Post(_))
    ));
    assert!(matches!(
        parse_document(&mitra("outbox.json")),
        Ok(Document::Collection(_))
    ));
}

// ---------------------------------------------------------------------------------------
// Mastodon
// ---------------------------------------------------------------------------------------

const ALICE: &str = "https://mastodon.example/users/alice";
const BOB: &str = "https://hamlet.example/users/bob";
const BOB_POST: &str = "https://hamlet.example/users/bob/statuses/7001";

#[test]
fn mastodon_person() {
    let actor = parse_actor(&fixture("mastodon/person.json")).unwrap();
    assert_eq!(actor.id, url(ALICE));
    assert_eq!(actor.kind, ActorKind::Person);
    assert!(!actor.kind.is_bot());
    assert_eq!(actor.preferred_username, "alice");
    assert_eq!(actor.name.as_deref(), Some("Alice :blobcat:"));
    assert!(
        actor
            .summary
            .as_deref()
            .unwrap()
            .starts_with("<p>Gardener.")
    );
    assert_eq!(actor.url, Some(url("https://mastodon.example/@alice")));
    assert_eq!(
        actor.inbox,
        url("https://mastodon.example/users/alice/inbox")
    );
    assert_eq!(
        actor.shared_inbox,
        Some(url("https://mastodon.example/inbox"))
    );
    assert_eq!(
        actor.outbox,
        Some(url("https://mastodon.example/users/alice/outbox"))
    );
    assert_eq!(
        actor.followers,
        Some(url("https://mastodon.example/users/alice/followers"))
    );
    assert_eq!(
        actor.following,
        Some(url("https://mastodon.example/users/alice/following"))
    );
    assert_eq!(
        actor.featured,
        Some(url(
            "https://mastodon.example/users/alice/collections/featured"
        ))
    );
    assert_eq!(
        actor.public_key.id,
        url("https://mastodon.example/users/alice#main-key")
    );
    assert_eq!(actor.public_key.owner, url(ALICE));
    assert!(
        actor
            .public_key
            .pem
            .contains("\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyOfY5Mo+cUaKlYAx/t2G\n")
    );
    assert!(actor.manually_approves_followers);
    assert!(actor.discoverable);
    assert!(!actor.indexable);
    let avatar = actor.avatar.unwrap();
    assert_eq!(avatar.media_type.as_deref(), Some("image/jpeg"));
    assert!(
        avatar
            .url
            .as_str()
            .ends_with("/avatars/000/000/001/original/avatar.jpg")
    );
    assert!(actor.header.unwrap().url.as_str().ends_with("/header.png"));
    assert_eq!(actor.fields.len(), 2);
    assert_eq!(actor.fields[0].name, "Pronouns");
    assert_eq!(actor.fields[0].value, "she/her");
    assert_eq!(actor.fields[1].name, "Blog");
    assert!(
        actor.fields[1]
            .value
            .starts_with("<a href=\"https://alice.example\"")
    );
    assert_eq!(actor.emojis.len(), 1);
    assert_eq!(actor.emojis[0].shortcode, "blobcat");
    assert_eq!(actor.published, ts("2022-11-03T00:00:00Z"));
    assert_eq!(
        actor.also_known_as,
        vec![url("https://old.example/users/alice")]
    );
    assert_eq!(actor.moved_to, None);
}

#[test]
fn mastodon_note_with_mention_hashtag_emoji_attachment_and_cw() {
    let note = parse_post(&fixture("mastodon/note.json")).unwrap();
    assert_eq!(
        note.id,
        url("https://mastodon.example/users/alice/statuses/113401234567890123")
    );
    assert_eq!(note.kind, PostKind::Note);
    assert_eq!(note.attributed_to, url(ALICE));
    assert_eq!(
        note.summary.as_deref(),
        Some("garden pests (photo of slugs)")
    );
    assert!(note.sensitive);
    assert!(note.content.contains("the slugs are back :blobcat:"));
    assert_eq!(note.language.as_deref(), Some("en"));
    assert_eq!(
        note.url,
        Some(url("https://mastodon.example/@alice/113401234567890123"))
    );
    assert_eq!(note.published, ts("2024-10-30T09:15:42Z"));
    assert_eq!((note.updated, note.in_reply_to.clone()), (None, None));

    assert_eq!(note.mentions.len(), 1);
    assert_eq!(note.mentions[0].href, url(BOB));
    assert_eq!(
        note.mentions[0].name.as_deref(),
        Some("@bob@hamlet.example")
    );
    assert_eq!(note.hashtags.len(), 1);
    assert_eq!(note.hashtags[0].name, "Gardening");
    assert_eq!(
        note.hashtags[0].href,
        Some(url("https://mastodon.example/tags/gardening"))
    );
    assert_eq!(note.emojis.len(), 1);
    assert_eq!(note.emojis[0].shortcode, "blobcat");
    assert!(note.emojis[0].icon.as_str().ends_with("/blobcat.png"));
    assert_eq!(note.emojis[0].media_type.as_deref(), Some("image/png"));
    assert_eq!(note.emojis[0].updated, ts("2023-01-15T10:20:30Z"));

    assert_eq!(note.attachments.len(), 1);
    let media = &note.attachments[0];
    assert_eq!(media.kind, AttachmentKind::Document);
    assert!(media.url.as_str().ends_with("/original/slugs.jpg"));
    assert_eq!(media.media_type.as_deref(), Some("image/jpeg"));
    assert_eq!(
        media.description.as_deref(),
        Some("Three slugs on a lettuce leaf")
    );
    assert_eq!(
        media.blurhash.as_deref(),
        Some("UFGbb.of00WB~qj[IUj[-;WBRjj[WBayt7j[")
    );
    assert_eq!(media.focal_point, Some((0.12, -0.4)));
    assert_eq!((media.width, media.height), (Some(1600), Some(1200)));

    let followers = url("https://mastodon.example/users/alice/followers");
    assert_eq!(note.audience.to, vec![url(PUBLIC)]);
    assert_eq!(note.audience.cc, vec![followers.clone(), url(BOB)]);
    assert_eq!(
        note.audience.visibility(Some(&followers)),
        Visibility::Public
    );
    assert!(note.audience.contains(&url(BOB)));
}

#[test]
fn mastodon_create_reply_reads_the_embedded_parent_for_its_id_only() {
    let activity = parse_activity(&fixture("mastodon/create.json")).unwrap();
    assert_eq!(
        activity.id(),
        Some(&url(
            "https://mastodon.example/users/alice/statuses/113401299999000001/activity"
        ))
    );
    assert_eq!(activity.actor(), Some(&url(ALICE)));
    let note = create_post(activity);
    assert_eq!(note.in_reply_to, Some(url(BOB_POST)));
    assert!(note.content.contains("beer traps work"));
    assert_eq!(note.updated, ts("2024-10-30T09:40:00Z"));
    assert_eq!(note.summary, None);
    let followers = url("https://mastodon.example/users/alice/followers");
    assert_eq!(
        note.audience.visibility(Some(&followers)),
        Visibility::Private
    );
    // Without the followers collection, the same addressing reads as direct.
    assert_eq!(note.audience.visibility(None), Visibility::Direct);
}

#[test]
fn mastodon_question_is_a_post_with_options() {
    let question = parse_post(&fixture("mastodon/question.json")).unwrap();
    assert_eq!(question.kind, PostKind::Question);
    assert_eq!(question.content, "<p>What should I plant next?</p>");
    let poll = question.poll.unwrap();
    assert!(!poll.multiple);
    assert!(!poll.closed);
    assert_eq!(poll.end_time, ts("2024-11-01T08:00:00Z"));
    assert_eq!(poll.voters_count, Some(7));
    let options: Vec<_> = poll
        .options
        .iter()
        .map(|o| (o.name.as_str(), o.votes))
        .collect();
    assert_eq!(
        options,
        [
            ("Beans", Some(4)),
            ("Garlic", Some(2)),
            ("More tomatoes", Some(1))
        ]
    );
}

#[test]
fn mastodon_follow_like_block() {
    assert_eq!(
        parse_activity(&fixture("mastodon/follow.json")).unwrap(),
        Activity::Follow {
            id: url("https://mastodon.example/5c0a7f4e-3b1d-4a8e-9d3f-1f2e3d4c5b6a"),
            actor: url(ALICE),
            object: url(BOB),
        }
    );
    assert_eq!(
        parse_activity(&fixture("mastodon/like.json")).unwrap(),
        Activity::Like {
            id: url("https://mastodon.example/users/alice#likes/120934"),
            actor: url(ALICE),
            object: url(BOB_POST),
        }
    );
    assert_eq!(
        parse_activity(&fixture("mastodon/block.json")).unwrap(),
        Activity::Block {
            id: url("https://mastodon.example/0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a"),
            actor: url(ALICE),
            object: url("https://hamlet.example/users/mallory"),
        }
    );
}

#[test]
fn mastodon_accept_and_reject_carry_the_follow() {
    assert_eq!(
        parse_activity(&fixture("mastodon/accept_follow.json")).unwrap(),
        Activity::Accept {
            id: url("https://mastodon.example/users/alice#accepts/follows/8842"),
            actor: url(ALICE),
            object: InnerActivity::Follow(ActivityRef {
                id: Some(url("https://hamlet.example/follows/01J9Z3Q6R8")),
                actor: Some(url(BOB)),
                object: Some(url(ALICE)),
            }),
        }
    );
    let Activity::Reject { object, .. } =
        parse_activity(&fixture("mastodon/reject_follow.json")).unwrap()
    else {
        panic!("expected Reject")
    };
    assert_eq!(
        object.id(),
        Some(&url("https://hamlet.example/follows/01J9Z3Q6R9"))
    );
    assert!(
        matches!(object, InnerActivity::Follow(ActivityRef { actor: Some(a), .. }) if a == url("https://hamlet.example/users/carol"))
    );
}

#[test]
fn mastodon_undo_of_follow_like_announce_block() {
    assert_eq!(
        parse_activity(&fixture("mastodon/undo_follow.json")).unwrap(),
        Activity::Undo {
            id: url("https://mastodon.example/users/alice#follows/3301/undo"),
            actor: url(ALICE),
            object: InnerActivity::Follow(ActivityRef {
                id: Some(url(
                    "https://mastodon.example/5c0a7f4e-3b1d-4a8e-9d3f-1f2e3d4c5b6a"
                )),
                actor: Some(url(ALICE)),
                object: Some(url(BOB)),
            }),
        }
    );
    let undone = |name: &str| match parse_activity(&fixture(name)).unwrap() {
        Activity::Undo { object, .. } => object,
        other => panic!("{name}: expected Undo, got {other:?}"),
    };
    let like = undone("mastodon/undo_like.json");
    assert!(matches!(&like, InnerActivity::Like(r) if r.object == Some(url(BOB_POST))));
    assert_eq!(
        like.id(),
        Some(&url("https://mastodon.example/users/alice#likes/120934"))
    );
    let announce = undone("mastodon/undo_announce.json");
    assert!(matches!(&announce, InnerActivity::Announce(r) if r.object == Some(url(BOB_POST))));
    assert_eq!(
        announce.id(),
        Some(&url(
            "https://mastodon.example/users/alice/statuses/113401377777000001/activity"
        ))
    );
    let block = undone("mastodon/undo_block.json");
    assert!(
        matches!(&block, InnerActivity::Block(r) if r.object == Some(url("https://hamlet.example/users/mallory")))
    );
}

#[test]
fn mastodon_announce() {
    let Activity::Announce {
        id,
        actor,
        object,
        audience,
        published,
    } = parse_activity(&fixture("mastodon/announce.json")).unwrap()
    else {
        panic!("expected Announce")
    };
    assert_eq!(
        id,
        url("https://mastodon.example/users/alice/statuses/113401377777000001/activity")
    );
    assert_eq!(actor, url(ALICE));
    assert_eq!(object, PostOrRef::Ref(url(BOB_POST)));
    assert_eq!(object.id(), &url(BOB_POST));
    assert_eq!(published, ts("2024-10-30T10:02:11Z"));
    assert_eq!(audience.to, vec![url(PUBLIC)]);
    assert_eq!(
        audience.cc,
        vec![
            url(BOB),
            url("https://mastodon.example/users/alice/followers")
        ]
    );
    assert_eq!(audience.visibility(None), Visibility::Public);
}

#[test]
fn mastodon_delete_of_a_post_and_of_the_actor() {
    assert_eq!(
        parse_activity(&fixture("mastodon/delete_note.json")).unwrap(),
        Activity::Delete {
            id: url("https://mastodon.example/users/alice/statuses/113401234567890123#delete"),
            actor: url(ALICE),
            object: url("https://mastodon.example/users/alice/statuses/113401234567890123"),
        }
    );
    let Activity::Delete { actor, object, .. } =
        parse_activity(&fixture("mastodon/delete_actor.json")).unwrap()
    else {
        panic!("expected Delete")
    };
    assert_eq!((actor, object), (url(ALICE), url(ALICE)));
}

#[test]
fn mastodon_update_of_person_and_note() {
    let Activity::Update { id, actor, object } =
        parse_activity(&fixture("mastodon/update_person.json")).unwrap()
    else {
        panic!("expected Update")
    };
    assert_eq!(
        id,
        url("https://mastodon.example/users/alice#updates/1730284000")
    );
    assert_eq!(actor, url(ALICE));
    let Updated::Actor(person) = object else {
        panic!("expected an actor")
    };
    assert_eq!(person.name.as_deref(), Some("Alice (away)"));
    assert_eq!(person.public_key.owner, url(ALICE));

    let Activity::Update { object, .. } =
        parse_activity(&fixture("mastodon/update_note.json")).unwrap()
    else {
        panic!("expected Update")
    };
    let Updated::Post(note) = object else {
        panic!("expected a post")
    };
    assert!(note.content.contains("the slugs are gone"));
    assert_eq!(note.updated, ts("2024-10-30T11:00:00Z"));
}

#[test]
fn mastodon_move() {
    assert_eq!(
        parse_activity(&fixture("mastodon/move.json")).unwrap(),
        Activity::Move {
            id: url("https://mastodon.example/users/alice#moves/2"),
            actor: url(ALICE),
            object: url(ALICE),
            target: url("https://newhome.example/users/alice"),
        }
    );
}

// ---------------------------------------------------------------------------------------
// Pleroma / Akkoma
// ---------------------------------------------------------------------------------------

#[test]
fn akkoma_note_with_to_as_a_string() {
    let note = parse_post(&fixture("pleroma/note.json")).unwrap();
    assert_eq!(
        note.id,
        url("https://akkoma.example/objects/3f9e1c52-8a7b-4d60-b1e2-9c0d4a5b6e7f")
    );
    assert_eq!(note.attributed_to, url("https://akkoma.example/users/dana"));
    assert!(note.content.ends_with("compost needs more browns"));
    assert_eq!(note.language.as_deref(), Some("en"));
    assert_eq!(note.summary, None, "an empty summary is no content warning");
    assert!(!note.sensitive, "sensitive: null is false");
    assert_eq!(note.in_reply_to, Some(url(BOB_POST)));
    assert_eq!(note.audience.to, vec![url(PUBLIC)]);
    assert_eq!(note.audience.visibility(None), Visibility::Public);
    assert_eq!(note.mentions[0].href, url(BOB));
    assert_eq!(note.published, ts("2024-10-30T12:01:02.345678Z"));
}

#[test]
fn akkoma_person() {
    let actor = parse_actor(&fixture("pleroma/person.json")).unwrap();
    assert_eq!(actor.preferred_username, "dana");
    assert_eq!(
        actor.shared_inbox,
        Some(url("https://akkoma.example/inbox"))
    );
    assert_eq!(actor.summary, None);
    assert_eq!(
        actor.avatar.unwrap().url,
        url("https://akkoma.example/media/5e1c/dana.png")
    );
    assert!(
        actor
            .public_key
            .pem
            .ends_with("-----END PUBLIC KEY-----\n\n")
    );
}

#[test]
fn unknown_activities_are_accepted_and_ignored() {
    assert_eq!(
        parse_activity(&fixture("pleroma/emoji_react.json")).unwrap(),
        Activity::Unknown {
            id: Some(url(
                "https://akkoma.example/activities/0c8f6a3e-5d21-4b7a-9e0f-1a2b3c4d5e6f"
            )),
            kind: "EmojiReact".into(),
            object_kind: None,
        }
    );
    assert_eq!(
        parse_activity(&fixture("mastodon/add_featured.json")).unwrap(),
        Activity::Unknown {
            id: None,
            kind: "Add".into(),
            object_kind: None,
        }
    );
    for json in [
        r#"{"type": "Flag", "actor": 5, "object": [[], {}]}"#,
        r#"{"id": "not a url", "type": ["Arrive", "Travel"]}"#,
        r#"{}"#,
        r#"{"type": "Create", "id": "https://a.example/1", "actor": "https://a.example/u",
            "object": {"type": "ChatMessage", "id": "https://a.example/2"}}"#,
    ] {
        assert!(
            matches!(
                parse_activity(json.as_bytes()),
                Ok(Activity::Unknown { .. })
            ),
            "{json}"
        );
    }
    let Ok(Activity::Unknown {
        kind, object_kind, ..
    }) = parse_activity(
        br#"{"type": "Create", "id": "https://a.example/1", "actor": "https://a.example/u",
             "object": {"type": "Event", "id": "https://a.example/2"}}"#,
    )
    else {
        panic!("expected Unknown")
    };
    assert_eq!(
        (kind.as_str(), object_kind.as_deref()),
        ("Create", Some("Event"))
    );
}

// ---------------------------------------------------------------------------------------
// Misskey
// ---------------------------------------------------------------------------------------

#[test]
fn misskey_note_keeps_html_content_and_the_quote() {
    let note = parse_post(&fixture("misskey/note.json")).unwrap();
    assert_eq!(note.id, url("https://misskey.example/notes/9xk2m4p7q1"));
    assert_eq!(
        note.attributed_to,
        url("https://misskey.example/users/9abcd1234e")
    );
    assert!(
        note.content.starts_with("<p><span>look at this </span>"),
        "HTML, not the MFM source"
    );
    assert_eq!(
        note.quote,
        Some(url(
            "https://mastodon.example/users/alice/statuses/113401234567890123"
        ))
    );
    assert_eq!(note.audience.to, vec![url(PUBLIC)]);
    assert_eq!(note.hashtags[0].name, "tomato");
    assert_eq!(note.emojis[0].shortcode, "tomato_happy");
    assert_eq!(note.emojis[0].media_type.as_deref(), Some("image/webp"));
    assert_eq!(note.published, ts("2024-10-30T13:45:00.123Z"));
    assert_eq!(note.in_reply_to, None);
}

#[test]
fn misskey_question_in_home_visibility_is_unlisted() {
    let followers = url("https://misskey.example/users/9abcd1234e/followers");
    let question = create_post(parse_activity(&fixture("misskey/create_question.json")).unwrap());
    assert_eq!(question.kind, PostKind::Question);
    assert_eq!(
        question.audience.visibility(Some(&followers)),
        Visibility::Unlisted
    );
    let poll = question.poll.unwrap();
    assert!(poll.multiple, "anyOf allows several choices");
    let options: Vec<_> = poll
        .options
        .iter()
        .map(|o| (o.name.as_str(), o.votes))
        .collect();
    assert_eq!(options, [("straw", Some(0)), ("wood chips", Some(2))]);
    assert_eq!(poll.end_time, ts("2024-10-31T14:00:00.000Z"));
}

#[test]
fn misskey_reaction_is_a_like() {
    assert_eq!(
        parse_activity(&fixture("misskey/like_reaction.json")).unwrap(),
        Activity::Like {
            id: url("https://misskey.example/likes/9xk2p1t6u8"),
            actor: url("https://misskey.example/users/9abcd1234e"),
            object: url(BOB_POST),
        }
    );
}

// ---------------------------------------------------------------------------------------
// GoToSocial
// ---------------------------------------------------------------------------------------

#[test]
fn gotosocial_note_with_single_values() {
    let note = parse_post(&fixture("gotosocial/note.json")).unwrap();
    let followers = url("https://gts.example/users/erin/followers");
    assert_eq!(note.audience.to, vec![followers.clone()]);
    assert_eq!(note.audience.cc, vec![url(BOB)]);
    assert_eq!(
        note.audience.visibility(Some(&followers)),
        Visibility::Private
    );
    assert_eq!(note.mentions.len(), 1, "a single tag object");
    assert_eq!(note.attachments.len(), 1, "a single attachment object");
    assert_eq!(
        note.attachments[0].description.as_deref(),
        Some("a hand-drawn flyer")
    );
    assert_eq!(note.attachments[0].focal_point, Some((0.0, 0.0)));
    assert_eq!(note.summary, None);
    assert_eq!(note.language.as_deref(), Some("en"));
    assert_eq!(
        note.url,
        Some(url(
            "https://gts.example/@erin/statuses/01JBQ7ZK4M2N8P6R0S3T5V7X9Y"
        ))
    );
}

#[test]
fn gotosocial_collections() {
    let featured = parse_collection(&fixture("gotosocial/featured.json")).unwrap();
    assert_eq!(featured.total_items, Some(1));
    assert_eq!(
        featured.items,
        vec![CollectionItem::Ref(url(
            "https://gts.example/users/erin/statuses/01JBQ7ZK4M2N8P6R0S3T5V7X9Y"
        ))]
    );
    let page = parse_collection(&fixture("gotosocial/outbox_page.json")).unwrap();
    assert_eq!(page.kind, CollectionKind::OrderedCollectionPage);
    assert_eq!(
        page.part_of,
        Some(url("https://gts.example/users/erin/outbox"))
    );
    assert!(page.next.unwrap().as_str().contains("max_id="));
    assert!(page.prev.unwrap().as_str().contains("min_id="));
    let [CollectionItem::Activity(activity)] = page.items.as_slice() else {
        panic!("expected one activity: {:?}", page.items)
    };
    assert!(matches!(
        activity.as_ref(),
        Activity::Create { object: PostOrRef::Ref(id), .. }
            if id.as_str() == "https://gts.example/users/erin/statuses/01JBQ7ZK4M2N8P6R0S3T5V7X9Y"
    ));
}

// ---------------------------------------------------------------------------------------
// Pixelfed, Lemmy
// ---------------------------------------------------------------------------------------

#[test]
fn pixelfed_photo_post() {
    let note = parse_post(&fixture("pixelfed/note.json")).unwrap();
    assert_eq!(
        note.attributed_to,
        url("https://pixelfed.example/users/frank")
    );
    assert_eq!(note.attachments.len(), 2);
    assert_eq!(note.attachments[0].kind, AttachmentKind::Image);
    assert_eq!(note.attachments[0].description, None, "name: null");
    assert_eq!(
        (note.attachments[0].width, note.attachments[0].height),
        (Some(1080), Some(1350))
    );
    assert_eq!(
        note.attachments[1].description.as_deref(),
        Some("Close-up of a sunflower head")
    );
    assert_eq!(note.hashtags[0].name, "sunflowers");
    assert_eq!(note.published, ts("2024-10-29T18:02:44+00:00"));
}

#[test]
fn lemmy_page_has_a_title_and_its_first_actor_as_author() {
    let page = parse_post(&fixture("lemmy/page.json")).unwrap();
    assert_eq!(page.kind, PostKind::Page);
    assert_eq!(
        page.name.as_deref(),
        Some("Our allotment got a rainwater tank")
    );
    assert_eq!(page.attributed_to, url("https://lemmy.example/u/gus"));
    assert_eq!(page.content, "<p>Photos and a parts list inside.</p>\n");
    assert_eq!(page.attachments.len(), 1);
    assert_eq!(page.attachments[0].kind, AttachmentKind::Link);
    assert_eq!(
        page.attachments[0].url,
        url("https://blog.example/rainwater-tank")
    );
    assert_eq!(page.audience.visibility(None), Visibility::Public);
    assert_eq!(page.updated, ts("2024-10-28T08:00:00.000000+00:00"));
}

#[test]
fn lemmy_group_announce_of_an_activity_is_unknown() {
    assert_eq!(
        parse_activity(&fixture("lemmy/announce_create_page.json")).unwrap(),
        Activity::Unknown {
            id: Some(url(
                "https://lemmy.example/activities/announce/create/6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"
            )),
            kind: "Announce".into(),
            object_kind: Some("Create".into()),
        }
    );
}

// ---------------------------------------------------------------------------------------
// Proofs, contexts, compact forms of Public
// ---------------------------------------------------------------------------------------

#[test]
fn proofs_and_extra_contexts_are_ignored() {
    let note = create_post(parse_activity(&fixture("misc/create_with_proof.json")).unwrap());
    assert_eq!(
        note.id,
        url("https://integrity.example/objects/01a2b3c4-d5e6-7f80-9a1b-2c3d4e5f6a7c")
    );
    assert_eq!(note.content, "<p>signed twice over</p>");
    assert_eq!(note.audience.visibility(None), Visibility::Public);
}

#[test]
fn compact_forms_of_public_are_the_public_collection() {
    let followers = url("https://compact.example/users/ivy/followers");
    let public = parse_post(&fixture("misc/public_compact_as.json")).unwrap();
    assert_eq!(public.audience.to, vec![url(PUBLIC)]);
    assert_eq!(
        public.audience.visibility(Some(&followers)),
        Visibility::Public
    );
    let unlisted = parse_post(&fixture("misc/public_compact_bare.json")).unwrap();
    assert_eq!(unlisted.audience.cc, vec![url(PUBLIC)]);
    assert_eq!(
        unlisted.audience.visibility(Some(&followers)),
        Visibility::Unlisted
    );
}

#[test]
fn every_fixture_parses_as_a_document_of_its_kind() {
    let mut seen = 0;
    for dir in std::fs::read_dir(fixtures_dir()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            seen += 1;
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let result = parse_document(&read(&path));
            let kind = match &result {
                Ok(Document::Activity(_)) => "activity",
                Ok(Document::Actor(_)) => "actor",
                Ok(Document::Post(_)) => "post",
                Ok(Document::Collection(_)) => "collection",
                Ok(Document::Tombstone { .. }) => "tombstone",
                Ok(Document::Unknown { .. }) => "unknown",
                Err(_) => "error",
            };
            let expected = match name.as_str() {
                "person.json" => "actor",
                "main_key_stub.json" => "error",
                "note.json" | "question.json" | "page.json" => "post",
                n if n.starts_with("public_compact") => "post",
                "featured.json" | "outbox_page.json" => "collection",
                _ => "activity",
            };
            assert_eq!(kind, expected, "{}: {result:?}", path.display());
        }
    }
    assert!(seen >= 35, "only {seen} fixtures found");
}

// ---------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------

#[test]
fn ids_must_be_absolute_http_urls() {
    for bad in [
        "ftp://mastodon.example/notes/1",
        "urn:uuid:5e0c4d7a",
        "/users/alice/statuses/1",
        "",
    ] {
        let json = mutated("mastodon/note.json", |v| v["id"] = json!(bad));
        assert_eq!(
            parse_post(&json),
            Err(VocabError::InvalidUrl { field: "id" }),
            "{bad:?}"
        );
    }
    let json = mutated("mastodon/like.json", |v| {
        v["id"] = json!("tag:mastodon.example,2024:like")
    });
    assert_eq!(
        parse_activity(&json),
        Err(VocabError::InvalidUrl { field: "id" })
    );
    let json = mutated("mastodon/follow.json", |v| {
        v["actor"] = json!("acct:alice@mastodon.example")
    });
    assert_eq!(
        parse_activity(&json),
        Err(VocabError::InvalidUrl { field: "actor" })
    );
    let json = mutated("mastodon/like.json", |v| {
        v.as_object_mut().unwrap().remove("id");
    });
    assert_eq!(parse_activity(&json), Err(VocabError::Missing("id")));
    let json = mutated("mastodon/person.json", |v| {
        v["id"] = json!("javascript:alert(1)")
    });
    assert_eq!(
        parse_actor(&json),
        Err(VocabError::InvalidUrl { field: "id" })
    );
    let json = mutated("mastodon/create.json", |v| {
        v["object"]["inReplyTo"] = json!("data:,x")
    });
    assert_eq!(
        parse_activity(&json),
        Err(VocabError::InvalidUrl { field: "inReplyTo" })
    );
}

#[test]
fn actors_need_an_inbox_and_a_public_key() {
    assert_eq!(
        parse_actor(&fixture("gotosocial/main_key_stub.json")),
        Err(VocabError::Missing("inbox"))
    );
    let json = mutated("mastodon/person.json", |v| {
        v.as_object_mut().unwrap().remove("inbox");
    });
    assert_eq!(parse_actor(&json), Err(VocabError::Missing("inbox")));
    let json = mutated("mastodon/person.json", |v| {
        v.as_object_mut().unwrap().remove("publicKey");
    });
    assert_eq!(parse_actor(&json), Err(VocabError::Missing("publicKey")));
    let json = mutated("mastodon/person.json", |v| {
        v["publicKey"]["publicKeyPem"] = json!(null)
    });
    assert_eq!(parse_actor(&json), Err(VocabError::Missing("publicKey")));
    let json = mutated("mastodon/person.json", |v| {
        v["publicKey"]["owner"] = json!("https://evil.example/users/alice");
    });
    assert_eq!(parse_actor(&json), Err(VocabError::KeyOwnerMismatch));
    let json = mutated("mastodon/update_person.json", |v| {
        v["object"].as_object_mut().unwrap().remove("inbox");
    });
    assert_eq!(parse_activity(&json), Err(VocabError::Missing("inbox")));
}

#[test]
fn oversized_content_is_refused() {
    let at_limit = mutated("mastodon/note.json", |v| {
        v["content"] = json!("a".repeat(MAX_CONTENT_BYTES));
    });
    assert_eq!(
        parse_post(&at_limit).unwrap().content.len(),
        MAX_CONTENT_BYTES
    );
    let over = mutated("mastodon/note.json", |v| {
        v["content"] = json!("a".repeat(MAX_CONTENT_BYTES + 1));
    });
    assert_eq!(
        parse_post(&over),
        Err(VocabError::TooLong {
            field: "content",
            max: MAX_CONTENT_BYTES
        })
    );
    let over_in_map = mutated("mastodon/note.json", |v| {
        v.as_object_mut().unwrap().remove("content");
        v["contentMap"] = json!({ "en": "a".repeat(MAX_CONTENT_BYTES + 1) });
    });
    assert!(matches!(
        parse_post(&over_in_map),
        Err(VocabError::TooLong {
            field: "contentMap",
            ..
        })
    ));
    let over_in_create = mutated("mastodon/create.json", |v| {
        v["object"]["content"] = json!("a".repeat(MAX_CONTENT_BYTES + 1));
    });
    assert!(matches!(
        parse_activity(&over_in_create),
        Err(VocabError::TooLong {
            field: "content",
            ..
        })
    ));
    let huge = mutated("mastodon/note.json", |v| {
        v["content"] = json!("a".repeat(MAX_DOCUMENT_BYTES))
    });
    assert_eq!(
        parse_post(&huge),
        Err(VocabError::TooLarge {
            max: MAX_DOCUMENT_BYTES
        })
    );
    let nul = mutated("mastodon/note.json", |v| v["content"] = json!("a\u{0}b"));
    assert_eq!(
        parse_post(&nul),
        Err(VocabError::NulCharacter { field: "content" })
    );
}

#[test]
fn too_many_tags_attachments_or_recipients_are_refused() {
    let tags = |n: usize| {
        mutated("mastodon/note.json", |v| {
            v["tag"] = (0..n)
                .map(|i| json!({"type": "Hashtag", "name": format!("#t{i}"), "href": format!("https://m.example/tags/t{i}")}))
                .collect();
        })
    };
    assert_eq!(
        parse_post(&tags(MAX_TAGS)).unwrap().hashtags.len(),
        MAX_TAGS
    );
    assert_eq!(
        parse_post(&tags(MAX_TAGS + 1)),
        Err(VocabError::TooMany {
            field: "tag",
            max: MAX_TAGS
        })
    );
    let attachments = mutated("mastodon/note.json", |v| {
        let one = v["attachment"][0].clone();
        v["attachment"] = Value::Array(vec![one; MAX_ATTACHMENTS + 1]);
    });
    assert!(matches!(
        parse_post(&attachments),
        Err(VocabError::TooMany {
            field: "attachment",
            ..
        })
    ));
    let recipients = mutated("mastodon/note.json", |v| {
        v["cc"] = (0..=MAX_AUDIENCE)
            .map(|i| json!(format!("https://m.example/users/u{i}")))
            .collect();
    });
    assert!(matches!(
        parse_post(&recipients),
        Err(VocabError::TooMany { field: "cc", .. })
    ));
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let nested_arrays = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(
        parse_activity(nested_arrays.as_bytes()),
        Err(VocabError::TooDeep {
            max: MAX_JSON_DEPTH
        })
    );
    // Inside a field nobody reads, where serde_json itself would skip it without a limit.
    let in_unknown_field = format!(
        r#"{{"type": "Like", "x": {}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(
        parse_activity(in_unknown_field.as_bytes()),
        Err(VocabError::TooDeep {
            max: MAX_JSON_DEPTH
        })
    );
    // Unbalanced, as an attacker would send it.
    assert_eq!(
        parse_document("{\"object\":".repeat(10_000).as_bytes()),
        Err(VocabError::TooDeep {
            max: MAX_JSON_DEPTH
        })
    );
    // Undo → Undo → … embedded activities: refused before serde, at the same bound.
    let mut chain = json!({"type": "Follow", "id": "https://a.example/f", "actor": "https://a.example/u", "object": "https://b.example/v"});
    for i in 0..100 {
        chain = json!({"type": "Undo", "id": format!("https://a.example/undo/{i}"), "actor": "https://a.example/u", "object": chain});
    }
    assert_eq!(
        parse_activity(chain.to_string().as_bytes()),
        Err(VocabError::TooDeep {
            max: MAX_JSON_DEPTH
        })
    );
}

#[test]
fn non_objects_and_broken_json_are_refused() {
    for json in ["[]", "\"Note\"", "42", "null", "{\"type\": \"Note\"", ""] {
        assert!(
            matches!(parse_document(json.as_bytes()), Err(VocabError::Json(_))),
            "{json:?}"
        );
    }
}

#[test]
fn wrong_types_in_optional_fields_do_not_fail_the_document() {
    let json = mutated("mastodon/note.json", |v| {
        v["sensitive"] = json!("very");
        v["summary"] = json!({"en": "cw"});
        v["published"] = json!(1_730_280_942);
        v["url"] = json!(42);
        v["tag"] =
            json!([7, "x", {"type": "Hashtag", "name": "#ok"}, {"type": "Custom", "name": "?"}]);
        v["attachment"] = json!({"type": "Document", "url": {"type": "Link", "href": "https://m.example/a.png"}, "width": "wide"});
        v["replies"] = json!(false);
    });
    let note = parse_post(&json).unwrap();
    assert!(!note.sensitive);
    assert_eq!((note.summary, note.published, note.url), (None, None, None));
    assert_eq!(note.hashtags.len(), 1);
    assert_eq!(note.attachments[0].url, url("https://m.example/a.png"));
    assert_eq!(note.attachments[0].width, None);
}

// ---------------------------------------------------------------------------------------
// What Hamlet sends
// ---------------------------------------------------------------------------------------

const HAMLET_BOB: &str = "https://hamlet.example/users/bob";

fn h(path: &str) -> Url {
    url(&format!("{HAMLET_BOB}{path}"))
}

fn sample_person() -> out::Person {
    out::Person {
        id: url(HAMLET_BOB),
        kind: out::ActorType::Person,
        following: h("/following"),
        followers: h("/followers"),
        inbox: h("/inbox"),
        outbox: h("/outbox"),
        featured: h("/collections/featured"),
        preferred_username: "bob".into(),
        name: "Bob".into(),
        summary: "<p>Allotment 12.</p>".into(),
        url: url("https://hamlet.example/@bob"),
        manually_approves_followers: false,
        discoverable: true,
        indexable: false,
        published: Timestamp::from_millis(1_700_000_000_000),
        public_key: out::PublicKey {
            id: h("#main-key"),
            owner: url(HAMLET_BOB),
            public_key_pem: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n".into(),
        },
        tag: vec![],
        attachment: vec![out::PropertyValue::new("Plot".into(), "12".into())],
        endpoints: out::Endpoints {
            shared_inbox: url("https://hamlet.example/inbox"),
        },
        icon: Some(out::Image::new(
            url("https://hamlet.example/media/avatar.png"),
            Some("image/png".into()),
        )),
        image: None,
        moved_to: None,
        also_known_as: vec![],
    }
}

/// A post as the store holds it: local (`uri: None`) unless `uri` is given.
fn sample_status(id: i64, uri: Option<&str>) -> Status {
    Status {
        id: Id::from_i64(id),
        account_id: Id::from_i64(1),
        uri: uri.map(str::to_owned),
        url: None,
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: None,
        text: String::new(),
        content: "<p>hi <a href=\"https://mastodon.example/@alice\">@alice</a> #garden</p>".into(),
        spoiler_text: "slugs".into(),
        sensitive: true,
        visibility: Visibility::Public,
        language: Some(Language::parse("en").unwrap()),
        local: uri.is_none(),
        local_only: false,
        created_at: Timestamp::from_millis(1_730_280_942_000),
        edited_at: None,
    }
}

/// The id of a (federable) post: Bob's on hamlet.example, or its own for remote ones.
fn post_id(status: &Status) -> out::PostId {
    let local = LocalInstance::new(&url("https://hamlet.example"));
    out::PostId::of(Federable::check(status, None).unwrap(), &local, "bob").unwrap()
}

fn sample_note() -> out::Note {
    let status = sample_status(7001, None);
    let post = Federable::check(&status, None).unwrap();
    let addressing = out::NoteAddressing {
        url: url("https://hamlet.example/@bob/7001"),
        attributed_to: url(HAMLET_BOB),
        to: vec![url(PUBLIC)],
        cc: vec![h("/followers"), url(ALICE)],
        attachment: vec![out::MediaAttachment {
            kind: Default::default(),
            media_type: "image/jpeg".into(),
            url: url("https://hamlet.example/media/1.jpg"),
            name: Some("a slug".into()),
            blurhash: Some("LEHV6nWB2yk8pyo0adR*.7kCMdnj".into()),
            focal_point: Some([0.0, 0.5]),
            width: Some(640),
            height: Some(480),
        }],
        tag: vec![
            out::Tag::Mention {
                href: url(ALICE),
                name: "@alice@mastodon.example".into(),
            },
            out::Tag::Hashtag {
                href: url("https://hamlet.example/tags/garden"),
                name: "#garden".into(),
            },
            out::Tag::Emoji {
                id: url("https://hamlet.example/emojis/1"),
                name: ":slug:".into(),
                updated: Timestamp::from_millis(1_700_000_000_000),
                icon: out::Image::new(
                    url("https://hamlet.example/emojis/slug.png"),
                    Some("image/png".into()),
                ),
            },
        ],
        in_reply_to: None,
        replies: None,
    };
    out::Note::of(post, post_id(&status), addressing).unwrap()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<_> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn the_context_has_the_mastodon_terms() {
    let value = serde_json::to_value(WithContext::new(sample_person())).unwrap();
    let context = &value["@context"];
    assert_eq!(context[0], "https://www.w3.org/ns/activitystreams");
    assert_eq!(context[1], "https://w3id.org/security/v1");
    let terms = &context[2];
    assert_eq!(
        terms["manuallyApprovesFollowers"],
        "as:manuallyApprovesFollowers"
    );
    assert_eq!(terms["toot"], "http://joinmastodon.org/ns#");
    assert_eq!(
        terms["featured"],
        json!({"@id": "toot:featured", "@type": "@id"})
    );
    assert_eq!(terms["discoverable"], "toot:discoverable");
    assert_eq!(terms["indexable"], "toot:indexable");
    assert_eq!(terms["sensitive"], "as:sensitive");
    assert_eq!(terms["Hashtag"], "as:Hashtag");
    assert_eq!(terms["schema"], "http://schema.org#");
    assert_eq!(terms["PropertyValue"], "schema:PropertyValue");
    assert_eq!(terms["value"], "schema:value");
    assert_eq!(
        terms["movedTo"],
        json!({"@id": "as:movedTo", "@type": "@id"})
    );
    assert_eq!(
        terms["alsoKnownAs"],
        json!({"@id": "as:alsoKnownAs", "@type": "@id"})
    );
    assert_eq!(terms["blurhash"], "toot:blurhash");
    assert_eq!(
        terms["focalPoint"],
        json!({"@container": "@list", "@id": "toot:focalPoint"})
    );
    assert_eq!(terms["Emoji"], "toot:Emoji");
    assert_eq!(context.as_array().unwrap().len(), 3);
}

#[test]
fn serialized_person_has_mastodon_field_names_and_reads_back() {
    let value = serde_json::to_value(WithContext::new(sample_person())).unwrap();
    assert_eq!(
        keys(&value),
        [
            "@context",
            "attachment",
            "discoverable",
            "endpoints",
            "featured",
            "followers",
            "following",
            "icon",
            "id",
            "inbox",
            "indexable",
            "manuallyApprovesFollowers",
            "name",
            "outbox",
            "preferredUsername",
            "publicKey",
            "published",
            "summary",
            "tag",
            "type",
            "url",
        ]
    );
    assert_eq!(value["type"], "Person");
    assert_eq!(value["published"], "2023-11-14T22:13:20Z");
    assert_eq!(keys(&value["publicKey"]), ["id", "owner", "publicKeyPem"]);
    assert_eq!(
        value["endpoints"]["sharedInbox"],
        "https://hamlet.example/inbox"
    );
    assert_eq!(
        value["attachment"][0],
        json!({"type": "PropertyValue", "name": "Plot", "value": "12"})
    );
    assert_eq!(
        value["icon"],
        json!({"type": "Image", "mediaType": "image/png", "url": "https://hamlet.example/media/avatar.png"})
    );

    let actor = parse_actor(value.to_string().as_bytes()).unwrap();
    assert_eq!(actor.id, url(HAMLET_BOB));
    assert_eq!(actor.inbox, h("/inbox"));
    assert_eq!(
        actor.shared_inbox,
        Some(url("https://hamlet.example/inbox"))
    );
    assert_eq!(actor.public_key.id, h("#main-key"));
    assert_eq!(actor.fields[0].name, "Plot");
    assert!(actor.discoverable && !actor.indexable && !actor.manually_approves_followers);
    assert_eq!(
        actor.published,
        Some(Timestamp::from_millis(1_700_000_000_000))
    );
}

#[test]
fn serialized_note_has_mastodon_field_names_and_reads_back() {
    let value = serde_json::to_value(WithContext::new(sample_note())).unwrap();
    assert_eq!(
        keys(&value),
        [
            "@context",
            "attachment",
            "attributedTo",
            "cc",
            "content",
            "contentMap",
            "id",
            "inReplyTo",
            "published",
            "sensitive",
            "summary",
            "tag",
            "to",
            "type",
            "url",
        ]
    );
    assert_eq!(value["type"], "Note");
    assert_eq!(value["inReplyTo"], Value::Null);
    assert_eq!(value["to"], json!([PUBLIC]));
    assert_eq!(
        value["attachment"][0],
        json!({"type": "Document", "mediaType": "image/jpeg", "url": "https://hamlet.example/media/1.jpg",
               "name": "a slug", "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "focalPoint": [0.0, 0.5],
               "width": 640, "height": 480})
    );
    assert_eq!(
        value["tag"][0],
        json!({"type": "Mention", "href": ALICE, "name": "@alice@mastodon.example"})
    );
    assert_eq!(value["tag"][1]["type"], "Hashtag");
    assert_eq!(value["tag"][2]["type"], "Emoji");
    assert_eq!(value["tag"][2]["icon"]["type"], "Image");
    assert_eq!(value["tag"][2]["updated"], "2023-11-14T22:13:20Z");

    let note = parse_post(value.to_string().as_bytes()).unwrap();
    assert_eq!(note.summary.as_deref(), Some("slugs"));
    assert!(note.sensitive);
    assert_eq!(
        note.audience.visibility(Some(&h("/followers"))),
        Visibility::Public
    );
    assert_eq!(note.mentions[0].href, url(ALICE));
    assert_eq!(note.hashtags[0].name, "garden");
    assert_eq!(note.emojis[0].shortcode, "slug");
    assert_eq!(note.attachments[0].focal_point, Some((0.0, 0.5)));
    assert_eq!(
        note.published,
        Some(Timestamp::from_millis(1_730_280_942_000))
    );
}

#[test]
fn serialized_create_embeds_the_note_without_context() {
    let create = out::Create::of(sample_note());
    assert_eq!(create.id, h("/statuses/7001/activity"));
    let value = serde_json::to_value(WithContext::new(create)).unwrap();
    assert_eq!(
        keys(&value),
        [
            "@context",
            "actor",
            "cc",
            "id",
            "object",
            "published",
            "to",
            "type"
        ]
    );
    assert_eq!(value["type"], "Create");
    assert_eq!(value["object"]["type"], "Note");
    assert!(value["object"].get("@context").is_none());
    let note = create_post(parse_activity(value.to_string().as_bytes()).unwrap());
    assert_eq!(note.id, h("/statuses/7001"));
}

#[test]
fn every_sent_activity_reads_back_as_what_it_is() {
    let follow = out::Follow::new(
        url("https://hamlet.example/follows/1"),
        url(HAMLET_BOB),
        url(ALICE),
    );
    let like = out::Like::new(
        url("https://hamlet.example/likes/1"),
        url(HAMLET_BOB),
        post_id(&sample_status(2, Some(BOB_POST))),
    );
    let block = out::Block::new(
        url("https://hamlet.example/blocks/1"),
        url(HAMLET_BOB),
        url(ALICE),
    );
    let announce = out::Announce {
        id: h("/statuses/7002/activity"),
        kind: Default::default(),
        actor: url(HAMLET_BOB),
        published: Timestamp::from_millis(1_730_280_942_000),
        to: vec![url(PUBLIC)],
        cc: vec![url(ALICE), h("/followers")],
        object: post_id(&sample_status(
            3,
            Some("https://mastodon.example/users/alice/statuses/1"),
        )),
    };
    let roundtrip = |value: Value| {
        let value = serde_json::to_value(WithContext::new(value)).unwrap();
        parse_activity(value.to_string().as_bytes()).unwrap()
    };

    assert!(
        matches!(roundtrip(to_value(&follow)), Activity::Follow { object, .. } if object == url(ALICE))
    );
    assert!(
        matches!(roundtrip(to_value(&like)), Activity::Like { object, .. } if object == url(BOB_POST))
    );
    assert!(matches!(
        roundtrip(to_value(&block)),
        Activity::Block { .. }
    ));
    assert!(matches!(
        roundtrip(to_value(&announce)),
        Activity::Announce { object: PostOrRef::Ref(_), audience, .. } if audience.is_public()
    ));
    let accept = out::Accept {
        id: url("https://hamlet.example/users/bob#accepts/follows/1"),
        kind: Default::default(),
        actor: url(HAMLET_BOB),
        object: out::Follow::new(
            url("https://mastodon.example/f/1"),
            url(ALICE),
            url(HAMLET_BOB),
        ),
    };
    assert!(matches!(
        roundtrip(to_value(&accept)),
        Activity::Accept { object: InnerActivity::Follow(r), .. } if r.id == Some(url("https://mastodon.example/f/1"))
    ));
    let reject = out::Reject {
        id: url("https://hamlet.example/users/bob#rejects/follows/1"),
        kind: Default::default(),
        actor: url(HAMLET_BOB),
        object: accept.object.clone(),
    };
    assert!(matches!(
        roundtrip(to_value(&reject)),
        Activity::Reject { .. }
    ));
    for (undoable, expect) in [
        (out::Undoable::Follow(follow), "Follow"),
        (out::Undoable::Like(like), "Like"),
        (out::Undoable::Announce(announce), "Announce"),
        (out::Undoable::Block(block), "Block"),
    ] {
        let undo = out::Undo {
            id: url(&format!("https://hamlet.example/undo/{expect}")),
            kind: Default::default(),
            actor: url(HAMLET_BOB),
            to: vec![],
            cc: vec![],
            object: undoable,
        };
        let value = to_value(&undo);
        assert_eq!(value["object"]["type"], expect);
        let Activity::Undo { object, .. } = roundtrip(value) else {
            panic!("expected Undo")
        };
        let kind = match object {
            InnerActivity::Follow(_) => "Follow",
            InnerActivity::Like(_) => "Like",
            InnerActivity::Announce(_) => "Announce",
            InnerActivity::Block(_) => "Block",
            other => panic!("{other:?}"),
        };
        assert_eq!(kind, expect);
    }
    let delete = out::Delete {
        id: h("/statuses/7001#delete"),
        kind: Default::default(),
        actor: url(HAMLET_BOB),
        to: vec![url(PUBLIC)],
        cc: vec![],
        object: out::Deletable::Tombstone(out::Tombstone::new(post_id(&sample_status(7001, None)))),
    };
    let value = to_value(&delete);
    assert_eq!(
        value["object"],
        json!({"id": format!("{HAMLET_BOB}/statuses/7001"), "type": "Tombstone"})
    );
    assert!(
        matches!(roundtrip(value), Activity::Delete { object, .. } if object == h("/statuses/7001"))
    );
    let delete_actor = out::Delete {
        object: out::Deletable::Actor(url(HAMLET_BOB)),
        ..delete
    };
    assert!(
        matches!(roundtrip(to_value(&delete_actor)), Activity::Delete { object, .. } if object == url(HAMLET_BOB))
    );
    let update = out::Update {
        id: url("https://hamlet.example/users/bob#updates/1"),
        kind: Default::default(),
        actor: url(HAMLET_BOB),
        published: None,
        to: vec![url(PUBLIC)],
        cc: vec![],
        object: out::Updatable::Person(Box::new(sample_person())),
    };
    assert!(matches!(
        roundtrip(to_value(&update)),
        Activity::Update {
            object: Updated::Actor(_),
            ..
        }
    ));
    let edit = out::Update {
        object: out::Updatable::Note(Box::new(sample_note())),
        published: Some(Timestamp::from_millis(1_730_280_999_000)),
        ..update
    };
    assert_eq!(to_value(&edit)["published"], "2024-10-30T09:36:39Z");
    assert!(matches!(
        roundtrip(to_value(&edit)),
        Activity::Update {
            object: Updated::Post(_),
            ..
        }
    ));
    let moved = out::Move {
        id: url("https://hamlet.example/users/bob#moves/1"),
        kind: Default::default(),
        actor: url(HAMLET_BOB),
        object: url(HAMLET_BOB),
        target: url("https://elsewhere.example/users/bob"),
    };
    assert!(
        matches!(roundtrip(to_value(&moved)), Activity::Move { target, .. } if target.as_str() == "https://elsewhere.example/users/bob")
    );
}

#[test]
fn serialized_collections_and_pages() {
    let collection: out::OrderedCollection<Url> = out::OrderedCollection {
        id: h("/outbox"),
        kind: Default::default(),
        total_items: 42,
        first: Some(h("/outbox?page=true")),
        last: None,
        ordered_items: None,
    };
    let value = serde_json::to_value(WithContext::new(collection)).unwrap();
    assert_eq!(
        keys(&value),
        ["@context", "first", "id", "totalItems", "type"]
    );
    let read = parse_collection(value.to_string().as_bytes()).unwrap();
    assert_eq!(
        (read.kind, read.total_items),
        (CollectionKind::OrderedCollection, Some(42))
    );
    assert_eq!(read.first, Some(h("/outbox?page=true")));

    let page = out::OrderedCollectionPage {
        id: h("/outbox?page=true"),
        kind: Default::default(),
        total_items: None,
        part_of: h("/outbox"),
        next: Some(h("/outbox?page=true&max_id=7001")),
        prev: None,
        ordered_items: vec![h("/statuses/7001"), h("/statuses/7000")],
    };
    let value = serde_json::to_value(WithContext::new(page)).unwrap();
    assert_eq!(
        keys(&value),
        ["@context", "id", "next", "orderedItems", "partOf", "type"]
    );
    assert_eq!(value["type"], "OrderedCollectionPage");
    let read = parse_collection(value.to_string().as_bytes()).unwrap();
    assert_eq!(
        read.items,
        vec![
            CollectionItem::Ref(h("/statuses/7001")),
            CollectionItem::Ref(h("/statuses/7000"))
        ]
    );
    assert_eq!(read.part_of, Some(h("/outbox")));
}

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}
