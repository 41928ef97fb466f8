//! Reading and writing posts: the audience rule applied to what is read, and the batch
//! rendering of Mastodon `Status` entities with a fixed number of queries per page.

use std::collections::HashMap;

use hamlet_core::account::{Account, AccountStats, Language, Member};
use hamlet_core::audience::{self, Viewer};
use hamlet_core::filter::{Filter, FilterAction, FilterContext, readable_text};
use hamlet_core::status::{self, Status};
use hamlet_core::text::{self, PostContext, ResolvedMention};
use hamlet_core::visibility::Visibility;
use hamlet_core::{Id, Timestamp};
use hamlet_federation::outbox::PostToSend;
use hamlet_store::{Created, Mark, NewStatus, StatsFor};

use crate::AppState;
use crate::entities;
use crate::error::{ApiError, ApiResult};

/// Keeps the posts `viewer` may see, by the one audience rule.
pub async fn visible(
    state: &AppState,
    viewer: Option<&Member>,
    statuses: Vec<Status>,
) -> ApiResult<Vec<Status>> {
    let authors: Vec<Id> = statuses.iter().map(|s| s.account_id).collect();
    let suspended = state.store.suspended_among(&authors).await?;
    let relations = match viewer {
        Some(member) => {
            state
                .store
                .relations_to_statuses(member.account.id, &statuses)
                .await?
        }
        None => HashMap::new(),
    };
    Ok(statuses
        .into_iter()
        .filter(|s| {
            let post = audience::Post::of(s, suspended.contains(&s.account_id));
            let who = match viewer {
                None => Viewer::Anonymous,
                Some(member) => Viewer::Account {
                    id: member.account.id,
                    relation: relations.get(&s.id).copied().unwrap_or_default(),
                },
            };
            audience::may_view(&post, &who)
        })
        .collect())
}

/// The post with this id if `viewer` may see it; otherwise 404, exactly as for a post
/// that does not exist.
pub async fn load_visible(
    state: &AppState,
    viewer: Option<&Member>,
    id: &str,
) -> ApiResult<Status> {
    let id: Id = id.parse().map_err(|_| ApiError::NotFound)?;
    let status = state
        .store
        .status_by_id(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    visible(state, viewer, vec![status])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
}

/// Loads the posts with these ids (in this order) and renders those the viewer may see.
pub async fn render_ids(
    state: &AppState,
    viewer: Option<&Member>,
    ids: &[Id],
) -> ApiResult<Vec<entities::Status>> {
    render_ids_in(state, viewer, ids, None).await
}

/// Like [`render_ids`], in a place where the member's filters apply: posts matching a
/// `hide` filter are left out, others carry `filtered`.
pub async fn render_ids_in(
    state: &AppState,
    viewer: Option<&Member>,
    ids: &[Id],
    context: Option<FilterContext>,
) -> ApiResult<Vec<entities::Status>> {
    let statuses = state.store.statuses_by_ids(ids).await?;
    let statuses = visible(state, viewer, statuses).await?;
    let rendered = render(state, viewer, &statuses).await?;
    match (viewer, context) {
        (Some(member), Some(context)) => apply_filters(state, member, context, rendered).await,
        _ => Ok(rendered),
    }
}

/// Applies the member's active filters for `context` to rendered posts (a boost is
/// judged by the post it boosts): posts matching a `hide` filter are left out, the others
/// carry the filters they matched in `filtered`.
pub async fn apply_filters(
    state: &AppState,
    member: &Member,
    context: FilterContext,
    rendered: Vec<entities::Status>,
) -> ApiResult<Vec<entities::Status>> {
    let filters = active_filters(state, member, context).await?;
    let mut kept = Vec::with_capacity(rendered.len());
    for mut status in rendered {
        if annotate(&filters, &mut status) == Matched::Hide {
            continue;
        }
        kept.push(status);
    }
    Ok(kept)
}

/// The member's filters that are in force now for `context`.
async fn active_filters(
    state: &AppState,
    member: &Member,
    context: FilterContext,
) -> ApiResult<Vec<Filter>> {
    let now = Timestamp::now();
    Ok(state
        .store
        .filters(member.account.id)
        .await?
        .into_iter()
        .filter(|f| f.is_active(now) && f.contexts.contains(&context))
        .collect())
}

/// Whether a post matched a `hide` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matched {
    Hide,
    Show,
}

/// Sets `filtered` on a rendered post (and on the post it boosts, as Mastodon does) to
/// the filters among `filters` that it matches.
fn annotate(filters: &[Filter], status: &mut entities::Status) -> Matched {
    let judged = status.reblog.as_deref().unwrap_or(status);
    let Ok(judged_id) = judged.id.parse::<Id>() else {
        return Matched::Show;
    };
    let text = format!("{} {}", judged.spoiler_text, readable_text(&judged.content));
    let mut results = Vec::new();
    let mut hide = false;
    for filter in filters {
        if let Some(matched) = filter.matches(judged_id, &text) {
            hide |= filter.action == FilterAction::Hide;
            results.push(entities::FilterResult {
                filter: entities::Filter::new(filter),
                keyword_matches: (!matched.keywords.is_empty()).then_some(matched.keywords),
                status_matches: matched.status.then(|| vec![judged_id.to_string()]),
            });
        }
    }
    if let Some(original) = status.reblog.as_deref_mut() {
        original.filtered = Some(results.clone());
    }
    status.filtered = Some(results);
    if hide { Matched::Hide } else { Matched::Show }
}

/// Renders one post (already checked against the audience rule).
pub async fn render_one(
    state: &AppState,
    viewer: Option<&Member>,
    status: Status,
) -> ApiResult<entities::Status> {
    render(state, viewer, std::slice::from_ref(&status))
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
}

/// Like [`render_one`], shown where the member's filters for `context` apply: the post
/// carries the filters it matches in `filtered`. A post asked for by id is answered even
/// when a `hide` filter matches (as on Mastodon, the client hides it).
pub async fn render_one_in(
    state: &AppState,
    viewer: Option<&Member>,
    status: Status,
    context: FilterContext,
) -> ApiResult<entities::Status> {
    let mut rendered = render_one(state, viewer, status).await?;
    if let Some(member) = viewer {
        let filters = active_filters(state, member, context).await?;
        annotate(&filters, &mut rendered);
    }
    Ok(rendered)
}

/// Renders posts (already checked against the audience rule) as Mastodon entities.
/// Boosts whose original the viewer may not see are left out.
pub async fn render(
    state: &AppState,
    viewer: Option<&Member>,
    statuses: &[Status],
) -> ApiResult<Vec<entities::Status>> {
    let store = &state.store;
    let originals: Vec<Id> = statuses.iter().filter_map(|s| s.reblog_of_id).collect();
    let originals = store.statuses_by_ids(&originals).await?;
    let originals = visible(state, viewer, originals).await?;
    let all: Vec<&Status> = statuses.iter().chain(originals.iter()).collect();
    let ids: Vec<Id> = all.iter().map(|s| s.id).collect();
    let mentions = store.mentions_of(&ids).await?;
    let tags = store.tags_of(&ids).await?;
    let counts = store.status_counts(&ids).await?;
    let applications = store.status_applications(&ids).await?;
    let media = store.media_of_statuses(&ids).await?;
    let mut account_ids: Vec<Id> = all.iter().map(|s| s.account_id).collect();
    account_ids.extend(mentions.iter().map(|(_, account)| *account));
    account_ids.sort();
    account_ids.dedup();
    let accounts: HashMap<Id, Account> = store
        .accounts_by_ids(&account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let authors: Vec<Id> = all.iter().map(|s| s.account_id).collect();
    let stats = store
        .account_stats(&authors, StatsFor::viewer(viewer))
        .await?;
    let (reblogged, favourited, bookmarked, pinned) = match viewer {
        Some(member) => {
            let me = member.account.id;
            (
                store.reblogged_by_viewer(me, &ids).await?,
                store.marked_among(Mark::Favourite, me, &ids).await?,
                store.marked_among(Mark::Bookmark, me, &ids).await?,
                store.marked_among(Mark::Pin, me, &ids).await?,
            )
        }
        None => Default::default(),
    };
    let context = RenderContext {
        state,
        viewer,
        accounts: &accounts,
        mentions: &mentions,
        tags: &tags,
        counts: &counts,
        applications: &applications,
        media: &media,
        stats: &stats,
        reblogged: &reblogged,
        favourited: &favourited,
        bookmarked: &bookmarked,
        pinned: &pinned,
    };
    let originals: HashMap<Id, &Status> = originals.iter().map(|s| (s.id, s)).collect();
    let mut rendered = Vec::with_capacity(statuses.len());
    for status in statuses {
        let reblog = match status.reblog_of_id {
            None => None,
            Some(original) => match originals.get(&original) {
                Some(original) => Some(Box::new(context.entity(original)?)),
                None => continue,
            },
        };
        let mut entity = context.entity(status)?;
        entity.reblog = reblog;
        rendered.push(entity);
    }
    Ok(rendered)
}

struct RenderContext<'a> {
    state: &'a AppState,
    viewer: Option<&'a Member>,
    accounts: &'a HashMap<Id, Account>,
    mentions: &'a [(Id, Id)],
    tags: &'a [(Id, String)],
    counts: &'a HashMap<Id, hamlet_store::StatusCounts>,
    applications: &'a HashMap<Id, hamlet_store::StatusApplication>,
    media: &'a HashMap<Id, Vec<hamlet_core::media::MediaAttachment>>,
    stats: &'a HashMap<Id, AccountStats>,
    reblogged: &'a [Id],
    favourited: &'a [Id],
    bookmarked: &'a [Id],
    pinned: &'a [Id],
}

impl RenderContext<'_> {
    fn entity(&self, status: &Status) -> ApiResult<entities::Status> {
        let settings = &self.state.settings;
        let author = self
            .accounts
            .get(&status.account_id)
            .ok_or_else(|| ApiError::internal(format!("author of status {} missing", status.id)))?;
        let (uri, url) = match &status.uri {
            Some(uri) => (
                uri.clone(),
                Some(status.url.clone().unwrap_or_else(|| uri.clone())),
            ),
            None => (
                settings.url(&format!(
                    "/users/{}/statuses/{}",
                    author.username, status.id
                )),
                Some(settings.url(&format!("/@{}/{}", author.username, status.id))),
            ),
        };
        let counts = self.counts.get(&status.id).copied().unwrap_or_default();
        let mentions = self
            .mentions
            .iter()
            .filter(|(s, _)| *s == status.id)
            .filter_map(|(_, account)| self.accounts.get(account))
            .map(|account| entities::Mention {
                id: account.id.to_string(),
                username: account.username.clone(),
                acct: account.acct(),
                url: entities::profile_url(account, settings),
            })
            .collect();
        let tags = self
            .tags
            .iter()
            .filter(|(s, _)| *s == status.id)
            .map(|(_, name)| entities::Tag {
                name: name.to_lowercase(),
                url: settings.url(&format!("/tags/{}", name.to_lowercase())),
            })
            .collect();
        let signed_in = self.viewer.is_some();
        Ok(entities::Status {
            id: status.id.to_string(),
            uri,
            url,
            created_at: status.created_at.to_api_string(),
            edited_at: status.edited_at.map(Timestamp::to_api_string),
            account: entities::Account::new(
                author,
                &self.stats.get(&author.id).copied().unwrap_or_default(),
                settings,
            ),
            content: status.content.clone(),
            visibility: status.visibility.as_str(),
            local_only: status.local_only,
            unreached_mentions: None,
            sensitive: status.sensitive,
            spoiler_text: status.spoiler_text.clone(),
            media_attachments: self
                .media
                .get(&status.id)
                .map(|media| {
                    media
                        .iter()
                        .map(|m| entities::MediaAttachment::new(self.state, m))
                        .collect()
                })
                .unwrap_or_default(),
            // Mastodon shows the application to everyone unless the author turned off
            // "show application" (on by default; Hamlet has no such setting), and always to
            // the author: so to everyone here. Boosts and remote posts have none.
            application: self
                .applications
                .get(&status.id)
                .map(|app| entities::StatusApplication {
                    name: app.name.clone(),
                    website: app.website.clone(),
                }),
            mentions,
            tags,
            emojis: Vec::new(),
            reblogs_count: counts.reblogs,
            favourites_count: counts.favourites,
            replies_count: counts.replies,
            in_reply_to_id: status.in_reply_to_id.map(|id| id.to_string()),
            in_reply_to_account_id: status.in_reply_to_account_id.map(|id| id.to_string()),
            reblog: None,
            poll: None,
            card: None,
            language: status.language.as_ref().map(|l| l.as_str().to_owned()),
            text: None,
            favourited: signed_in.then(|| self.favourited.contains(&status.id)),
            reblogged: signed_in.then(|| self.reblogged.contains(&status.id)),
            // Muting conversations is not offered yet.
            muted: signed_in.then_some(false),
            bookmarked: signed_in.then(|| self.bookmarked.contains(&status.id)),
            pinned: signed_in.then(|| self.pinned.contains(&status.id)),
            // Signed-in readers always get the list (Mastodon's `filters_map[id] || []`);
            // where filters apply, `apply_filters`/`render_one_in` fill it in.
            filtered: signed_in.then(Vec::new),
        })
    }
}

/// A post as a member asked for it, validated at the edge.
pub struct NewPost {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: Option<bool>,
    pub visibility: Option<Visibility>,
    pub language: Option<Language>,
    pub in_reply_to_id: Option<String>,
    pub idempotency_key: Option<String>,
    /// The OAuth application of the token the post was written with.
    pub application_id: Option<Id>,
    /// Whether the member asked for a local-only post (`None`: their default decides).
    pub local_only: Option<bool>,
    /// The member's uploads to attach, in order (`media_ids[]`).
    pub media_ids: Vec<String>,
}

/// The member's own uploads named by `ids`, in order, none yet in a post; at most
/// [`MAX_MEDIA_ATTACHMENTS`](hamlet_core::limits::MAX_MEDIA_ATTACHMENTS).
async fn attachable_media(
    state: &AppState,
    author: &Member,
    ids: &[String],
) -> ApiResult<Vec<hamlet_core::media::MediaAttachment>> {
    let max = hamlet_core::limits::MAX_MEDIA_ATTACHMENTS as usize;
    if ids.len() > max {
        return Err(ApiError::Validation(format!(
            "a post may have at most {max} attachments"
        )));
    }
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        let media = match id.parse::<Id>() {
            Ok(id) => state.store.media_by_id(id).await?,
            Err(_) => None,
        };
        match media {
            Some(media)
                if media.account_id == author.account.id
                    && media.status_id.is_none()
                    && !found
                        .iter()
                        .any(|f: &hamlet_core::media::MediaAttachment| f.id == media.id) =>
            {
                found.push(media)
            }
            _ => return Err(ApiError::Validation(format!("invalid media id {id:?}"))),
        }
    }
    Ok(found)
}

/// Writes a post: checks it, resolves its mentions and the post it replies to, renders
/// it and stores it with its mentions and hashtags.
pub async fn create(state: &AppState, author: &Member, mut post: NewPost) -> ApiResult<Status> {
    let settings = &state.settings;
    let marked = strip_local_only_markers(&mut post.text, &mut post.spoiler_text);
    let media = attachable_media(state, author, &post.media_ids).await?;
    status::validate_post(
        &post.text,
        &post.spoiler_text,
        settings.instance.max_characters as usize,
        !media.is_empty(),
    )
    .map_err(|e| ApiError::Validation(e.to_string()))?;
    let parent = match post.in_reply_to_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => Some(load_visible(state, Some(author), id).await?),
        None => None,
    };
    let community = state.store.community_settings().await?;
    let local_only = audience::new_post_is_local_only(
        parent.as_ref().is_some_and(|p| p.local_only),
        marked,
        post.local_only,
        author.user.defaults.local_only,
        community.default_local_only,
    );
    let composed = compose(state, &post.text).await?;
    // What the post's `Create` needs, loaded before the transaction that stores it.
    let mentioned = state.store.accounts_by_ids(&composed.mentions).await?;
    let parent_author = match &parent {
        Some(parent) => state.store.account_by_id(parent.account_id).await?,
        None => None,
    };
    let draft = Status {
        id: Id::from_i64(0),
        account_id: author.account.id,
        uri: None,
        url: None,
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
        reblog_of_id: None,
        text: post.text.clone(),
        content: composed.content.clone(),
        spoiler_text: post.spoiler_text.trim().to_owned(),
        sensitive: post.sensitive.unwrap_or(author.user.defaults.sensitive)
            || !post.spoiler_text.trim().is_empty(),
        visibility: post.visibility.unwrap_or(author.user.defaults.privacy),
        language: post
            .language
            .clone()
            .or_else(|| author.user.defaults.language.clone()),
        local: true,
        local_only,
        created_at: Timestamp::now(),
        edited_at: None,
    };
    let tags = composed.tags.clone();
    let federation = &state.federation;
    let federate = |id: Id| {
        let status = Status {
            id,
            ..draft.clone()
        };
        let in_reply_to = match (&parent, &parent_author) {
            (Some(parent), Some(author)) => Some((parent, author)),
            _ => None,
        };
        let post = PostToSend::new(
            &status,
            &author.account,
            &mentioned,
            &tags,
            in_reply_to,
            &media,
        )?;
        match federation.create_outbound(&post) {
            Ok(outbound) => outbound,
            Err(error) => {
                tracing::error!(%error, "could not build the Create of a post");
                None
            }
        }
    };
    let created = state
        .store
        .insert_status_with(
            NewStatus {
                account_id: draft.account_id,
                in_reply_to_id: draft.in_reply_to_id,
                in_reply_to_account_id: draft.in_reply_to_account_id,
                content: draft.content.clone(),
                spoiler_text: draft.spoiler_text.clone(),
                sensitive: draft.sensitive,
                visibility: draft.visibility,
                language: draft.language.clone(),
                mentions: composed.mentions,
                tags: composed.tags,
                idempotency_key: post.idempotency_key,
                created_at: draft.created_at,
                remote: None,
                application_id: post.application_id,
                local_only,
                text: post.text,
                media_ids: media.iter().map(|m| m.id).collect(),
                remote_media: Vec::new(),
            },
            federate,
        )
        .await?;
    let (id, new) = match created {
        Created::New(id) => (id, true),
        Created::Existing(id) => (id, false),
    };
    if new {
        state.federation.delivery.wake();
    }
    state
        .store
        .status_by_id(id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Removes the local-only marker from a post's text and content warning; whether either
/// carried it.
fn strip_local_only_markers(text: &mut String, spoiler_text: &mut String) -> bool {
    let (stripped_text, in_text) = status::strip_local_only_marker(text);
    let (stripped_spoiler, in_spoiler) = status::strip_local_only_marker(spoiler_text);
    *text = stripped_text;
    *spoiler_text = stripped_spoiler;
    in_text || in_spoiler
}

/// A post's text made ready to store: its HTML, the accounts it mentions, its hashtags.
struct Composed {
    content: String,
    mentions: Vec<Id>,
    tags: Vec<String>,
}

/// Resolves the mentions of `text` (known accounts only; remote ones are looked up when
/// federation arrives) and renders it.
async fn compose(state: &AppState, text: &str) -> ApiResult<Composed> {
    let settings = &state.settings;
    let own_domain = settings.domain().to_ascii_lowercase();
    let mut resolved = Vec::new();
    let mut mentions = Vec::new();
    for reference in text::extract_mentions(text) {
        let domain = reference.domain.as_deref().filter(|d| *d != own_domain);
        let known = state
            .store
            .account_by_acct(&reference.username, domain)
            .await?;
        // A remote account not seen before is looked up on its server, as Mastodon
        // does when it meets a new mention; if that fails the text stays plain.
        let found = match (known, domain) {
            (Some(account), _) => Some(account),
            (None, Some(domain)) => state
                .federation
                .resolve_handle(&reference.username, domain)
                .await
                .map_err(|error| {
                    tracing::info!(%error, "could not resolve a mentioned account");
                })
                .ok()
                .map(|remote| remote.account),
            (None, None) => None,
        };
        if let Some(account) = found {
            mentions.push(account.id);
            resolved.push(ResolvedMention {
                reference,
                profile_url: entities::profile_url(&account, settings),
            });
        }
    }
    let base = settings.url("");
    let content = text::render_post(
        text,
        &PostContext {
            mentions: &resolved,
            tags_base_url: &base,
        },
    );
    Ok(Composed {
        content,
        mentions,
        tags: text::extract_hashtags(text),
    })
}

/// A new version of a post, validated at the edge.
pub struct Edit {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: Option<bool>,
    pub language: Option<Language>,
    /// The attachments the app sent back, if any: they must be the post's own.
    pub media_ids: Option<Vec<String>>,
}

/// Edits the author's own post. Visibility, locality and the thread it belongs to never
/// change (a local-only marker in the new text is removed and changes nothing).
pub async fn edit(
    state: &AppState,
    author: &Member,
    id: &str,
    mut edit: Edit,
) -> ApiResult<Status> {
    strip_local_only_markers(&mut edit.text, &mut edit.spoiler_text);
    let status = load_visible(state, Some(author), id).await?;
    if status.account_id != author.account.id || status.reblog_of_id.is_some() {
        return Err(ApiError::NotFound);
    }
    let current: Vec<String> = state
        .store
        .media_of_statuses(&[status.id])
        .await?
        .remove(&status.id)
        .unwrap_or_default()
        .iter()
        .map(|m| m.id.to_string())
        .collect();
    // Apps send the post's attachments back with an edit; changing them is not
    // supported yet, and is refused rather than ignored.
    if edit.media_ids.as_ref().is_some_and(|ids| *ids != current) {
        return Err(ApiError::Validation(
            "changing a post's attachments is not supported yet".into(),
        ));
    }
    let has_media = !current.is_empty();
    status::validate_post(
        &edit.text,
        &edit.spoiler_text,
        state.settings.instance.max_characters as usize,
        has_media,
    )
    .map_err(|e| ApiError::Validation(e.to_string()))?;
    let composed = compose(state, &edit.text).await?;
    let spoiler_text = edit.spoiler_text.trim().to_owned();
    let now = Timestamp::now();
    let edited_draft = Status {
        content: composed.content.clone(),
        sensitive: edit.sensitive.unwrap_or(status.sensitive) || !spoiler_text.is_empty(),
        spoiler_text: spoiler_text.clone(),
        language: edit.language.clone().or(status.language.clone()),
        text: edit.text.clone(),
        edited_at: Some(now),
        ..status.clone()
    };
    // The Update goes out in the transaction that stores the edit, to everyone the post
    // reached: mentions are only ever added by an edit (the store keeps the old ones).
    let mut mention_ids: Vec<Id> = state
        .store
        .mentions_of(&[status.id])
        .await?
        .into_iter()
        .map(|(_, account)| account)
        .collect();
    mention_ids.extend(composed.mentions.iter().copied());
    mention_ids.sort();
    mention_ids.dedup();
    let mentioned = state.store.accounts_by_ids(&mention_ids).await?;
    let parent = match status.in_reply_to_id {
        Some(parent) => state.store.status_by_id(parent).await?,
        None => None,
    };
    let parent_author = match &parent {
        Some(parent) => state.store.account_by_id(parent.account_id).await?,
        None => None,
    };
    let in_reply_to = match (&parent, &parent_author) {
        (Some(parent), Some(author)) => Some((parent, author)),
        _ => None,
    };
    let attached = state
        .store
        .media_of_statuses(&[status.id])
        .await?
        .remove(&status.id)
        .unwrap_or_default();
    let update = match PostToSend::new(
        &edited_draft,
        &author.account,
        &mentioned,
        &composed.tags,
        in_reply_to,
        &attached,
    ) {
        Some(post) => state.federation.update_outbound(&post)?,
        None => None,
    };
    state
        .store
        .edit_status(
            hamlet_store::StatusEdit {
                status_id: status.id,
                content: composed.content,
                sensitive: edited_draft.sensitive,
                spoiler_text,
                language: edited_draft.language.clone(),
                mentions: composed.mentions,
                tags: composed.tags,
                edited_at: now,
                text: edit.text,
            },
            update.as_ref(),
        )
        .await?;
    state.federation.delivery.wake();
    state
        .store
        .status_by_id(status.id)
        .await?
        .ok_or(ApiError::NotFound)
}
