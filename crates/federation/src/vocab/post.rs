//! Posts from other servers: `Note`, and what Hamlet shows as a post: `Article` and
//! `Page` (with their title), `Question` (with its options).

use hamlet_core::Timestamp;
use serde_json::Value;
use url::Url;

use super::audience::Audience;
use super::limits::{
    MAX_ATTACHMENTS, MAX_CONTENT_BYTES, MAX_DESCRIPTION_BYTES, MAX_NAME_BYTES, MAX_POLL_OPTIONS,
    MAX_SUMMARY_BYTES, MAX_TAGS, bounded, bounded_opt, check_count, http_url, loose_url,
    required_url, strict_url,
};
use super::raw::{self, Link, OneOrMany, Ref};
use super::{VocabError, actor::ActorKind};

/// The object types Hamlet shows as posts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PostKind {
    Note,
    Article,
    Page,
    Question,
}

impl PostKind {
    pub fn from_type(kind: &str) -> Option<PostKind> {
        match kind {
            "Note" => Some(PostKind::Note),
            "Article" => Some(PostKind::Article),
            "Page" => Some(PostKind::Page),
            "Question" => Some(PostKind::Question),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Note => "Note",
            PostKind::Article => "Article",
            PostKind::Page => "Page",
            PostKind::Question => "Question",
        }
    }
}

/// A validated post from another server. Content is kept as received (HTML, not yet
/// sanitized: that happens before it is stored or shown).
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteNote {
    pub id: Url,
    pub kind: PostKind,
    /// The author: `attributedTo` (its first actor when it is an array), else the
    /// object's own `actor`.
    pub attributed_to: Url,
    /// `content`; when it is missing or empty, an entry of `contentMap` (the only one, or
    /// the first by language tag). Empty when neither is given.
    pub content: String,
    /// The `contentMap` language whose text is `content`, if any.
    pub language: Option<String>,
    /// `name`: the title of an `Article` or `Page`; on a `Note` with no content that
    /// answers a `Question`, the option voted for.
    pub name: Option<String>,
    /// The content warning (`summary`); `None` when absent or empty.
    pub summary: Option<String>,
    pub sensitive: bool,
    pub in_reply_to: Option<Url>,
    pub published: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    /// The page to show people (`url`), preferring a `text/html` link.
    pub url: Option<Url>,
    pub audience: Audience,
    pub mentions: Vec<Mention>,
    pub hashtags: Vec<Hashtag>,
    pub emojis: Vec<CustomEmoji>,
    pub attachments: Vec<Attachment>,
    /// Set for a `Question`.
    pub poll: Option<Poll>,
    /// The quoted post (`quote`, `quoteUrl`, `quoteUri` or `_misskey_quote`), if any.
    pub quote: Option<Url>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    /// The mentioned actor's id (some servers give their profile page instead).
    pub href: Url,
    /// As written, e.g. `@alice@example.com`.
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hashtag {
    /// Without the leading `#`, case as received.
    pub name: String,
    pub href: Option<Url>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomEmoji {
    /// Without the surrounding colons.
    pub shortcode: String,
    pub icon: Url,
    pub media_type: Option<String>,
    pub updated: Option<Timestamp>,
}

/// The AS type of an attachment. Mastodon sends `Document` for everything and says what
/// it is with `mediaType`; others use `Image`, `Video`, `Audio`; Lemmy and others attach
/// a `Link` to the page a post is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachmentKind {
    Document,
    Image,
    Video,
    Audio,
    Link,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    pub kind: AttachmentKind,
    pub url: Url,
    pub media_type: Option<String>,
    /// Alt text (`name`).
    pub description: Option<String>,
    pub blurhash: Option<String>,
    /// `focalPoint`, each coordinate in -1.0..=1.0.
    pub focal_point: Option<(f64, f64)>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Poll {
    /// Several options may be chosen (`anyOf` rather than `oneOf`).
    pub multiple: bool,
    pub options: Vec<PollOption>,
    pub end_time: Option<Timestamp>,
    /// `closed` was given (as a date or `true`).
    pub closed: bool,
    pub voters_count: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollOption {
    pub name: String,
    pub votes: Option<u64>,
}

impl RemoteNote {
    /// Validates a post. Embedded objects it refers to (`inReplyTo`, `attributedTo`) are
    /// read for their id only.
    pub fn from_raw(raw: &raw::Object) -> Result<RemoteNote, VocabError> {
        let found = raw.kind().unwrap_or_default();
        let kind = PostKind::from_type(found).ok_or_else(|| VocabError::UnexpectedType {
            expected: "a post (Note, Article, Page or Question)",
            found: super::limits::type_label(found),
        })?;
        let id = required_url(raw.id.as_deref(), "id")?;
        let attributed_to = match first_actor(&raw.attributed_to) {
            Some(author) => http_url(author, "attributedTo")?,
            None => required_url(raw.actor.first().and_then(Ref::target), "attributedTo")?,
        };
        let (content, language) = content(raw)?;
        check_count(raw.tag.len(), "tag", MAX_TAGS)?;
        check_count(raw.attachment.len(), "attachment", MAX_ATTACHMENTS)?;
        let (mentions, hashtags, emojis) = tags(&raw.tag)?;
        let attachments = raw
            .attachment
            .iter()
            .map(attachment)
            .filter_map(Result::transpose)
            .collect::<Result<Vec<_>, _>>()?;
        let poll = match kind {
            PostKind::Question => Some(poll(raw)?),
            _ => None,
        };
        Ok(RemoteNote {
            id,
            kind,
            attributed_to,
            content,
            language,
            name: bounded_opt(raw.name.as_deref(), "name", MAX_NAME_BYTES)?,
            summary: bounded_opt(raw.summary.as_deref(), "summary", MAX_SUMMARY_BYTES)?,
            sensitive: raw.sensitive.unwrap_or(false),
            in_reply_to: strict_url(raw.in_reply_to.first().and_then(Ref::target), "inReplyTo")?,
            published: timestamp(raw.published.as_deref()),
            updated: timestamp(raw.updated.as_deref()),
            url: page_url(&raw.url),
            audience: Audience::from_raw(&raw.to, &raw.cc)?,
            mentions,
            hashtags,
            emojis,
            attachments,
            poll,
            quote: [
                &raw.quote,
                &raw.quote_url,
                &raw.quote_uri,
                &raw.misskey_quote,
            ]
            .into_iter()
            .flat_map(|refs| refs.iter())
            .find_map(|quote| loose_url(quote.target())),
        })
    }
}

/// The first entry that is, or may be, an actor: `attributedTo` arrays may also name the
/// group a post was made in (PeerTube, Lemmy), after the author.
fn first_actor(refs: &OneOrMany<Ref>) -> Option<&str> {
    refs.iter()
        .find(|r| {
            r.kind()
                .is_none_or(|kind| ActorKind::from_type(kind).is_some())
                && r.target().is_some()
        })
        .or_else(|| refs.iter().find(|r| r.target().is_some()))
        .and_then(Ref::target)
}

fn content(raw: &raw::Object) -> Result<(String, Option<String>), VocabError> {
    let map = raw.content_map.as_ref();
    let entries = || {
        map.into_iter()
            .flatten()
            .filter_map(|(lang, value)| match value {
                Value::String(text) => Some((lang, text)),
                _ => None,
            })
    };
    match raw.content.as_deref() {
        Some(text) if !text.is_empty() => {
            let content = bounded(text, "content", MAX_CONTENT_BYTES)?;
            let language = entries()
                .find(|(_, entry)| *entry == text)
                .and_then(|(lang, _)| language_tag(lang));
            Ok((content, language))
        }
        _ => match entries().find(|(_, text)| !text.is_empty()) {
            Some((lang, text)) => Ok((
                bounded(text, "contentMap", MAX_CONTENT_BYTES)?,
                language_tag(lang),
            )),
            None => Ok((String::new(), None)),
        },
    }
}

/// A plausible BCP 47 tag (`en`, `pt-BR`, `zh-Hant-TW`); `und` and anything else is `None`.
fn language_tag(tag: &str) -> Option<String> {
    let plausible = !tag.is_empty()
        && tag.len() <= 35
        && tag != "und"
        && tag
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()));
    plausible.then(|| tag.to_owned())
}

pub(crate) fn timestamp(value: Option<&str>) -> Option<Timestamp> {
    value.and_then(Timestamp::parse_rfc3339)
}

/// The link to show people: the first `text/html` one, else the first valid one.
pub(crate) fn page_url(links: &OneOrMany<Link>) -> Option<Url> {
    let html = links
        .iter()
        .filter(|link| link.media_type.as_deref() == Some("text/html"))
        .find_map(|link| loose_url(link.href.as_deref()));
    html.or_else(|| {
        links
            .iter()
            .find_map(|link| loose_url(link.href.as_deref()))
    })
}

type Tags = (Vec<Mention>, Vec<Hashtag>, Vec<CustomEmoji>);

/// Mentions, hashtags and emojis; entries of other types, and entries missing what makes
/// them usable (a mention without a valid `href`), are skipped.
pub(crate) fn tags(tags: &OneOrMany<raw::Tag>) -> Result<Tags, VocabError> {
    let (mut mentions, mut hashtags, mut emojis) = (Vec::new(), Vec::new(), Vec::new());
    for tag in tags {
        match tag.kind() {
            Some("Mention") => {
                let Some(href) = loose_url(tag.href.as_deref()) else {
                    continue;
                };
                let name = bounded_opt(tag.name.as_deref(), "tag.name", MAX_NAME_BYTES)?;
                mentions.push(Mention { href, name });
            }
            Some("Hashtag") => {
                let Some(name) = tag.name.as_deref() else {
                    continue;
                };
                let name = name.strip_prefix('#').unwrap_or(name);
                if name.is_empty() {
                    continue;
                }
                hashtags.push(Hashtag {
                    name: bounded(name, "tag.name", MAX_NAME_BYTES)?,
                    href: loose_url(tag.href.as_deref()),
                });
            }
            Some("Emoji") => {
                if let Some(emoji) = emoji(tag)? {
                    emojis.push(emoji);
                }
            }
            _ => {}
        }
    }
    Ok((mentions, hashtags, emojis))
}

fn emoji(tag: &raw::Tag) -> Result<Option<CustomEmoji>, VocabError> {
    let Some(name) = tag.name.as_deref() else {
        return Ok(None);
    };
    let shortcode = name.trim_matches(':');
    let valid = !shortcode.is_empty()
        && shortcode.len() <= 100
        && shortcode
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let Some(icon) = tag.icon.first() else {
        return Ok(None);
    };
    let Some(url) = icon
        .url
        .iter()
        .find_map(|link| loose_url(link.href.as_deref()))
    else {
        return Ok(None);
    };
    if !valid {
        return Ok(None);
    }
    Ok(Some(CustomEmoji {
        shortcode: shortcode.to_owned(),
        icon: url,
        media_type: media_type(icon.media_type.as_deref()),
        updated: timestamp(tag.updated.as_deref()),
    }))
}

/// `type/subtype`, of bounded length, else `None`.
pub(crate) fn media_type(value: Option<&str>) -> Option<String> {
    let value = value?;
    let plausible = value.len() <= 255
        && value
            .split_once('/')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
        && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    plausible.then(|| value.to_owned())
}

/// An attachment, or `None` for entries that are not media (profile fields, unknown
/// types) or have no usable URL.
fn attachment(media: &raw::Media) -> Result<Option<Attachment>, VocabError> {
    let kind = match media.kind() {
        Some("Document") => AttachmentKind::Document,
        Some("Image") => AttachmentKind::Image,
        Some("Video") => AttachmentKind::Video,
        Some("Audio") => AttachmentKind::Audio,
        Some("Link") => AttachmentKind::Link,
        _ => return Ok(None),
    };
    // `url` may be a string, a Link, or several Links (sizes or formats of one file):
    // the first usable one wins. A `Link` attachment has `href` instead.
    let url = media
        .url
        .iter()
        .find_map(|link| loose_url(link.href.as_deref()))
        .or_else(|| loose_url(media.href.as_deref()));
    let Some(url) = url else { return Ok(None) };
    let link_media_type = media.url.iter().find_map(|link| link.media_type.as_deref());
    let focal_point = match media.focal_point.as_deref() {
        Some(&[x, y]) if (-1.0..=1.0).contains(&x) && (-1.0..=1.0).contains(&y) => Some((x, y)),
        _ => None,
    };
    let blurhash = media
        .blurhash
        .as_deref()
        .filter(|hash| !hash.is_empty() && hash.len() <= 100 && hash.is_ascii())
        .map(str::to_owned);
    Ok(Some(Attachment {
        kind,
        url,
        media_type: media_type(media.media_type.as_deref().or(link_media_type)),
        description: bounded_opt(
            media.name.as_deref(),
            "attachment.name",
            MAX_DESCRIPTION_BYTES,
        )?,
        blurhash,
        focal_point,
        width: media.width.and_then(|w| u32::try_from(w).ok()),
        height: media.height.and_then(|h| u32::try_from(h).ok()),
    }))
}

fn poll(raw: &raw::Object) -> Result<Poll, VocabError> {
    let (multiple, options) = if raw.any_of.is_empty() {
        (false, &raw.one_of)
    } else {
        (true, &raw.any_of)
    };
    check_count(options.len(), "oneOf", MAX_POLL_OPTIONS)?;
    let options = options
        .iter()
        .filter_map(|option| {
            let name = option.name.as_deref().filter(|name| !name.is_empty())?;
            Some(bounded(name, "oneOf.name", MAX_NAME_BYTES).map(|name| {
                PollOption {
                    name,
                    votes: option
                        .replies
                        .as_ref()
                        .and_then(|replies| replies.total_items),
                }
            }))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let closed = match &raw.closed {
        Some(Value::String(date)) => Timestamp::parse_rfc3339(date).is_some(),
        Some(Value::Bool(closed)) => *closed,
        _ => false,
    };
    Ok(Poll {
        multiple,
        options,
        end_time: timestamp(raw.end_time.as_deref()),
        closed,
        voters_count: raw.voters_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(json: &str) -> Result<RemoteNote, VocabError> {
        RemoteNote::from_raw(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn content_map_is_the_fallback() {
        let n = note(
            r#"{"id": "https://a.example/n/1", "type": "Note", "attributedTo": "https://a.example/u",
                "contentMap": {"fr": "<p>Bonjour</p>"}}"#,
        )
        .unwrap();
        assert_eq!(n.content, "<p>Bonjour</p>");
        assert_eq!(n.language.as_deref(), Some("fr"));

        let n = note(
            r#"{"id": "https://a.example/n/1", "type": "Note", "attributedTo": "https://a.example/u",
                "content": "<p>Hi</p>", "contentMap": {"de": "<p>Hallo</p>", "en": "<p>Hi</p>"}}"#,
        )
        .unwrap();
        assert_eq!(n.content, "<p>Hi</p>");
        assert_eq!(n.language.as_deref(), Some("en"));
    }

    #[test]
    fn first_actor_of_attribution() {
        let n = note(
            r#"{"id": "https://a.example/v/1", "type": "Page",
                "attributedTo": [{"type": "Group", "id": "https://a.example/c/g"},
                                 {"type": "Person", "id": "https://a.example/u/p"}]}"#,
        )
        .unwrap();
        // Groups are actors too: the first actor wins.
        assert_eq!(n.attributed_to.as_str(), "https://a.example/c/g");
        let n = note(
            r#"{"id": "https://a.example/v/1", "type": "Page",
                "attributedTo": [{"type": "Image", "id": "https://a.example/i"}, "https://a.example/u/p"]}"#,
        )
        .unwrap();
        assert_eq!(n.attributed_to.as_str(), "https://a.example/u/p");
        assert_eq!(
            note(r#"{"id": "https://a.example/v/1", "type": "Note"}"#),
            Err(VocabError::Missing("attributedTo"))
        );
    }

    #[test]
    fn media_and_emoji_edge_cases() {
        let n = note(
            r##"{"id": "https://a.example/n/1", "type": "Note", "attributedTo": "https://a.example/u",
                "attachment": [
                  {"type": "Image", "url": [{"type": "Link", "href": "https://a.example/big.jpg", "mediaType": "image/jpeg"}],
                   "focalPoint": [0.5, 2.0], "width": 800.5, "blurhash": ""},
                  {"type": "PropertyValue", "name": "x", "value": "y"},
                  {"type": "Document", "url": "javascript:alert(1)"}
                ],
                "tag": [{"type": "Emoji", "name": ":bad name:", "icon": {"url": "https://a.example/e.png"}},
                        {"type": "Emoji", "name": ":ok:", "icon": {"url": "https://a.example/ok.png"}},
                        {"type": "Hashtag", "name": "#"}, {"type": "Mention", "name": "@nohref"}]}"##,
        )
        .unwrap();
        assert_eq!(n.attachments.len(), 1);
        let a = &n.attachments[0];
        assert_eq!(
            (a.kind, a.media_type.as_deref()),
            (AttachmentKind::Image, Some("image/jpeg"))
        );
        assert_eq!(
            (a.focal_point, a.width, a.blurhash.as_deref()),
            (None, None, None)
        );
        assert_eq!(n.emojis.len(), 1);
        assert_eq!(n.emojis[0].shortcode, "ok");
        assert!(n.hashtags.is_empty() && n.mentions.is_empty());
    }
}
