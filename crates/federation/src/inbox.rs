//! What an authenticated activity does. The gate ([`crate::inbound`]) has established who
//! signed; here every activity is checked against that signer (the actor is the signer,
//! objects are the actor's own) before anything changes, and handling is idempotent by
//! activity id.

use hamlet_core::Timestamp;
use hamlet_core::account::Member;
use hamlet_core::sanitize;
use hamlet_core::status::Status;
use hamlet_store::{Mark, NewStatus, RemoteAccount, RemoteOrigin, StatusEdit, StoreError};
use url::Url;

use crate::fetch::ResolveError;
use crate::routes::FederationState;
use crate::vocab::{self, Activity, InnerActivity, PostKind, PostOrRef, RemoteNote, Updated};

/// How many unknown ancestors of a reply are fetched at most.
pub const MAX_ANCESTORS_FETCHED: usize = 5;
const MAX_SPOILER_CHARS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("the activity's actor is not the signer")]
    ActorMismatch,
    #[error("the object does not belong to the actor")]
    NotOwner,
    #[error("invalid activity: {0}")]
    Invalid(String),
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a remote URL named, once fetched and stored.
#[derive(Debug, Clone)]
pub enum ResolvedObject {
    Actor(Box<RemoteAccount>),
    Post(Box<Status>),
}

/// What became of an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Done,
    /// Seen before (a redelivery): nothing changed.
    Duplicate,
    /// Understood but not acted on (unknown type, nothing of ours concerned).
    Ignored,
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

impl FederationState {
    /// Handles `activity`, signed by `signer`.
    pub async fn handle_activity(
        &self,
        signer: &RemoteAccount,
        activity: Activity,
    ) -> Result<Handled, InboxError> {
        let signer_uri = Url::parse(signer.uri()).map_err(|_| InboxError::ActorMismatch)?;
        // A suspended (or self-deleted) actor's activities change nothing here.
        if signer.account.is_suspended() {
            return Ok(Handled::Ignored);
        }
        if let Some(actor) = activity.actor()
            && *actor != signer_uri
        {
            return Err(InboxError::ActorMismatch);
        }
        let id = activity.id().cloned();
        if let Some(id) = &id {
            if !same_origin(id, &signer_uri) {
                return Err(InboxError::NotOwner);
            }
            if self.store.inbound_activity_seen(id.as_str()).await? {
                return Ok(Handled::Duplicate);
            }
        }
        // Handlers are idempotent (a post is stored once per id, a favourite or follow
        // once per pair), so the id is recorded only after the activity took effect: a
        // process killed in between handles the redelivery instead of dropping it, and
        // two deliveries racing each other change things once.
        let result = match self.dispatch(signer, &signer_uri, activity).await {
            Err(InboxError::Store(StoreError::Conflict(_))) => Ok(Handled::Duplicate),
            other => other,
        };
        if result.is_ok()
            && let Some(id) = &id
        {
            self.store
                .record_inbound_activity(id.as_str(), Timestamp::now())
                .await?;
        }
        result
    }

    async fn dispatch(
        &self,
        signer: &RemoteAccount,
        signer_uri: &Url,
        activity: Activity,
    ) -> Result<Handled, InboxError> {
        match activity {
            Activity::Follow { id, object, .. } => self.on_follow(signer, &id, &object).await,
            Activity::Accept { object, .. } => self.on_accept(signer, &object).await,
            Activity::Reject { object, .. } => self.on_reject(signer, &object).await,
            Activity::Undo { object, .. } => self.on_undo(signer, &object).await,
            Activity::Create { object, .. } => self.on_create(signer, object).await,
            Activity::Update { object, .. } => self.on_update(signer, signer_uri, object).await,
            Activity::Delete { object, .. } => self.on_delete(signer, signer_uri, &object).await,
            Activity::Announce {
                id,
                object,
                audience,
                published,
                ..
            } => {
                self.on_announce(signer, &id, object, &audience, published)
                    .await
            }
            Activity::Like { object, .. } => self.on_like(signer, &object).await,
            Activity::Block { object, .. } => self.on_block(signer, &object).await,
            Activity::Move { object, target, .. } => {
                self.on_move(signer, signer_uri, &object, &target).await
            }
            Activity::Unknown { .. } => Ok(Handled::Ignored),
        }
    }

    async fn local_member(&self, actor: &Url) -> Result<Option<Member>, StoreError> {
        match self.local.local_username(actor) {
            Some(name) => self.store.member_by_username(&name).await,
            None => Ok(None),
        }
    }

    async fn on_follow(
        &self,
        follower: &RemoteAccount,
        follow_id: &Url,
        object: &Url,
    ) -> Result<Handled, InboxError> {
        let Some(member) = self.local_member(object).await? else {
            return Ok(Handled::Ignored);
        };
        let target = &member.account;
        let relation = self
            .store
            .relationships(target.id, &[follower.account.id], Timestamp::now())
            .await?
            .first()
            .copied()
            .unwrap_or_default();
        if target.is_suspended() || relation.blocking {
            self.send_reject(target, follower, Some(follow_id.to_string()))
                .await?;
            return Ok(Handled::Done);
        }
        // Accepted at once unless the member approves followers (an existing follow is
        // confirmed again); the Accept is committed with the follow.
        let accept = if !target.locked || relation.followed_by {
            self.accept_outbound(target, follower, Some(follow_id.to_string()))?
        } else {
            None
        };
        self.store
            .follow(
                follower.account.id,
                target.id,
                target.locked,
                true,
                false,
                Timestamp::now(),
                Some(follow_id.as_str()),
                accept.as_ref(),
            )
            .await?;
        self.delivery.wake();
        Ok(Handled::Done)
    }

    /// The member a remote answer (`Accept`/`Reject` of our `Follow`) is about.
    async fn follower_of_answer(
        &self,
        answering: &RemoteAccount,
        object: &InnerActivity,
    ) -> Result<Option<Member>, InboxError> {
        let follower = match object {
            InnerActivity::Follow(follow) => {
                if let Some(object) = &follow.object
                    && object.as_str() != answering.uri()
                {
                    return Err(InboxError::NotOwner);
                }
                follow.actor.clone()
            }
            _ => None,
        };
        // Bare ids: our Follow ids name the follower (`/users/NAME/follows/...`).
        let follower = follower.or_else(|| {
            let id = object.id()?;
            let name = id.path().strip_prefix("/users/")?.split('/').next()?;
            Some(self.local.actor_url(name))
        });
        match follower {
            Some(actor) => Ok(self.local_member(&actor).await?),
            None => Ok(None),
        }
    }

    async fn on_accept(
        &self,
        target: &RemoteAccount,
        object: &InnerActivity,
    ) -> Result<Handled, InboxError> {
        let Some(member) = self.follower_of_answer(target, object).await? else {
            return Ok(Handled::Ignored);
        };
        let done = self
            .store
            .authorize_follow_request(target.account.id, member.account.id, Timestamp::now(), None)
            .await?;
        Ok(if done {
            Handled::Done
        } else {
            Handled::Ignored
        })
    }

    async fn on_reject(
        &self,
        target: &RemoteAccount,
        object: &InnerActivity,
    ) -> Result<Handled, InboxError> {
        let Some(member) = self.follower_of_answer(target, object).await? else {
            return Ok(Handled::Ignored);
        };
        self.store
            .unfollow(member.account.id, target.account.id, None)
            .await?;
        Ok(Handled::Done)
    }

    async fn on_undo(
        &self,
        actor: &RemoteAccount,
        object: &InnerActivity,
    ) -> Result<Handled, InboxError> {
        let inner = match object {
            InnerActivity::Follow(r)
            | InnerActivity::Like(r)
            | InnerActivity::Announce(r)
            | InnerActivity::Block(r) => r,
            InnerActivity::Ref(id) => {
                // Only the id: a boost is found by it; anything else cannot be undone.
                return self.undo_announce(actor, id).await;
            }
            InnerActivity::Other { .. } => return Ok(Handled::Ignored),
        };
        if let Some(inner_actor) = &inner.actor
            && inner_actor.as_str() != actor.uri()
        {
            return Err(InboxError::NotOwner);
        }
        match object {
            InnerActivity::Follow(_) => {
                let Some(object) = &inner.object else {
                    return Ok(Handled::Ignored);
                };
                let Some(member) = self.local_member(object).await? else {
                    return Ok(Handled::Ignored);
                };
                self.store
                    .unfollow(actor.account.id, member.account.id, None)
                    .await?;
                Ok(Handled::Done)
            }
            InnerActivity::Like(_) => {
                let Some(status) = self.local_status(inner.object.as_ref()).await? else {
                    return Ok(Handled::Ignored);
                };
                self.store
                    .unmark(Mark::Favourite, actor.account.id, status.id, None)
                    .await?;
                Ok(Handled::Done)
            }
            InnerActivity::Announce(_) => match &inner.id {
                Some(id) => self.undo_announce(actor, id).await,
                None => Ok(Handled::Ignored),
            },
            InnerActivity::Block(_) => {
                let Some(object) = &inner.object else {
                    return Ok(Handled::Ignored);
                };
                let Some(member) = self.local_member(object).await? else {
                    return Ok(Handled::Ignored);
                };
                self.store
                    .unblock(actor.account.id, member.account.id, None)
                    .await?;
                Ok(Handled::Done)
            }
            _ => Ok(Handled::Ignored),
        }
    }

    async fn undo_announce(&self, actor: &RemoteAccount, id: &Url) -> Result<Handled, InboxError> {
        let Some(boost) = self.store.status_by_uri(id.as_str()).await? else {
            return Ok(Handled::Ignored);
        };
        if boost.account_id != actor.account.id {
            return Err(InboxError::NotOwner);
        }
        match boost.reblog_of_id {
            Some(original) => {
                self.store
                    .unreblog(actor.account.id, original, None)
                    .await?;
                Ok(Handled::Done)
            }
            None => Ok(Handled::Ignored),
        }
    }

    /// A local post named by its URL (`/users/NAME/statuses/ID` or `/@NAME/ID`), unless
    /// it is local-only.
    async fn local_status(&self, url: Option<&Url>) -> Result<Option<Status>, StoreError> {
        let Some(id) = url.and_then(|url| self.local.local_status_id(url)) else {
            return Ok(None);
        };
        let status = self.store.status_by_id(id).await?;
        // Other servers cannot see a local-only post: for them it does not exist, so
        // nothing they send (a like, a boost, a reply) attaches to it.
        Ok(status.filter(|s| s.local && s.reblog_of_id.is_none() && !s.local_only))
    }

    /// The post `url` names: local, stored, or (remote) fetched and stored.
    async fn status_for(&self, url: &Url) -> Result<Option<Status>, InboxError> {
        if self.local.is_local(url) {
            return Ok(self.local_status(Some(url)).await?);
        }
        if let Some(known) = self.store.status_by_uri(url.as_str()).await? {
            return Ok(Some(known));
        }
        let post = self.fetch_post(url).await?;
        let author = self.resolve_actor(&post.attributed_to).await?;
        Ok(Some(self.store_post(&author, &post, 0).await?))
    }

    /// The actor or post at a remote `url` (a search for a pasted link): known ones from
    /// the store, others fetched through the one client and stored.
    pub async fn resolve_object(&self, url: &Url) -> Result<Option<ResolvedObject>, InboxError> {
        if self.local.is_local(url) {
            return Ok(None);
        }
        if let Some(status) = self.store.status_by_uri(url.as_str()).await? {
            return Ok(Some(ResolvedObject::Post(Box::new(status))));
        }
        if let Some(actor) = self.store.remote_account_by_uri(url.as_str()).await? {
            return Ok(Some(ResolvedObject::Actor(Box::new(actor))));
        }
        let document = self.fetch_signed(url).await?;
        let bytes =
            serde_json::to_vec(&document.json).map_err(|e| InboxError::Invalid(e.to_string()))?;
        match vocab::parse_document(&bytes).map_err(|e| InboxError::Invalid(e.to_string()))? {
            vocab::Document::Actor(actor) => {
                let upsert = crate::fetch::account_from_actor(&actor, Timestamp::now());
                Ok(Some(ResolvedObject::Actor(Box::new(
                    self.store.upsert_remote_account(&upsert).await?,
                ))))
            }
            vocab::Document::Post(post) => {
                if !same_origin(&post.id, &post.attributed_to) {
                    return Err(InboxError::NotOwner);
                }
                if let Some(known) = self.store.status_by_uri(post.id.as_str()).await? {
                    return Ok(Some(ResolvedObject::Post(Box::new(known))));
                }
                let author = self.resolve_actor(&post.attributed_to).await?;
                Ok(Some(ResolvedObject::Post(Box::new(
                    self.store_post(&author, &post, 0).await?,
                ))))
            }
            _ => Ok(None),
        }
    }

    async fn fetch_post(&self, url: &Url) -> Result<RemoteNote, InboxError> {
        let document = self.fetch_signed(url).await?;
        let bytes =
            serde_json::to_vec(&document.json).map_err(|e| InboxError::Invalid(e.to_string()))?;
        let post = vocab::parse_post(&bytes).map_err(|e| InboxError::Invalid(e.to_string()))?;
        // The client checked the document's id is on the origin it came from; its author
        // must be too.
        if !same_origin(&post.id, &post.attributed_to) {
            return Err(InboxError::NotOwner);
        }
        Ok(post)
    }

    async fn on_create(
        &self,
        author: &RemoteAccount,
        object: PostOrRef,
    ) -> Result<Handled, InboxError> {
        let author_uri = Url::parse(author.uri()).map_err(|_| InboxError::ActorMismatch)?;
        if self.local.is_local(object.id()) {
            // Nobody else creates posts with our ids.
            return Err(InboxError::NotOwner);
        }
        let post = match object {
            // An embedded post is trusted only from its own origin; otherwise it is
            // fetched from where its id says it lives.
            PostOrRef::Post(post) if same_origin(&post.id, &author_uri) => *post,
            other => self.fetch_post(other.id()).await?,
        };
        if post.attributed_to != author_uri {
            return Err(InboxError::NotOwner);
        }
        if self.store.status_by_uri(post.id.as_str()).await?.is_some() {
            return Ok(Handled::Duplicate);
        }
        self.store_post(author, &post, 0).await?;
        Ok(Handled::Done)
    }

    /// Stores a remote post by `author`, with up to [`MAX_ANCESTORS_FETCHED`] unknown
    /// ancestors fetched first (`depth` counts them), so threads hold together.
    async fn store_post(
        &self,
        author: &RemoteAccount,
        post: &RemoteNote,
        depth: usize,
    ) -> Result<Status, InboxError> {
        let parent = match &post.in_reply_to {
            None => None,
            Some(parent) if self.local.is_local(parent) => self.local_status(Some(parent)).await?,
            Some(parent) => match self.store.status_by_uri(parent.as_str()).await? {
                Some(known) => Some(known),
                None if depth < MAX_ANCESTORS_FETCHED => {
                    match Box::pin(self.fetch_ancestor(parent, depth + 1)).await {
                        Ok(found) => Some(found),
                        Err(error) => {
                            tracing::debug!(%parent, %error, "could not fetch an ancestor");
                            None
                        }
                    }
                }
                None => None,
            },
        };
        let mentions = self.mentioned_accounts(post).await?;
        let visibility = post.audience.visibility(followers_of(author).as_ref());
        let now = Timestamp::now();
        let created_at = post.published.filter(|p| *p <= now).unwrap_or(now);
        let new = NewStatus {
            account_id: author.account.id,
            in_reply_to_id: parent.as_ref().map(|p| p.id),
            in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
            text: String::new(),
            content: post_html(post),
            spoiler_text: sanitize::remote_plain_text(
                post.summary.as_deref().unwrap_or_default(),
                MAX_SPOILER_CHARS,
            ),
            sensitive: post.sensitive,
            visibility,
            language: post
                .language
                .as_deref()
                .and_then(|l| hamlet_core::account::Language::parse(l).ok()),
            mentions,
            tags: post.hashtags.iter().map(|h| h.name.clone()).collect(),
            idempotency_key: None,
            application_id: None,
            local_only: false,
            created_at,
            remote: Some(RemoteOrigin {
                uri: post.id.to_string(),
                url: post.url.as_ref().map(Url::to_string),
            }),
            media_ids: Vec::new(),
            remote_media: remote_media(post),
        };
        let created = self.store.insert_status(new).await?;
        let id = match created {
            hamlet_store::Created::New(id) | hamlet_store::Created::Existing(id) => id,
        };
        self.store
            .status_by_id(id)
            .await?
            .ok_or(InboxError::Store(StoreError::NotFound))
    }

    /// The known accounts a post mentions (members, and remote accounts stored here).
    async fn mentioned_accounts(
        &self,
        post: &RemoteNote,
    ) -> Result<Vec<hamlet_core::Id>, StoreError> {
        let mut mentions = Vec::new();
        for mention in &post.mentions {
            let account = match self.local.local_username(&mention.href) {
                Some(name) => self
                    .store
                    .member_by_username(&name)
                    .await?
                    .map(|m| m.account),
                None => self
                    .store
                    .remote_account_by_uri(mention.href.as_str())
                    .await?
                    .map(|r| r.account),
            };
            if let Some(account) = account
                && !mentions.contains(&account.id)
            {
                mentions.push(account.id);
            }
        }
        Ok(mentions)
    }

    async fn fetch_ancestor(&self, url: &Url, depth: usize) -> Result<Status, InboxError> {
        let post = self.fetch_post(url).await?;
        let author = self.resolve_actor(&post.attributed_to).await?;
        self.store_post(&author, &post, depth).await
    }

    async fn on_update(
        &self,
        actor: &RemoteAccount,
        actor_uri: &Url,
        object: Updated,
    ) -> Result<Handled, InboxError> {
        match object {
            Updated::Actor(updated) => {
                if updated.id != *actor_uri {
                    return Err(InboxError::NotOwner);
                }
                // Refetch rather than trust the embedded copy: the actor's own server
                // says what is true now.
                self.fetch_actor(actor_uri).await?;
                Ok(Handled::Done)
            }
            Updated::Post(post) => {
                if post.attributed_to != *actor_uri || !same_origin(&post.id, actor_uri) {
                    return Err(InboxError::NotOwner);
                }
                let Some(existing) = self.store.status_by_uri(post.id.as_str()).await? else {
                    return Ok(Handled::Ignored);
                };
                if existing.account_id != actor.account.id {
                    return Err(InboxError::NotOwner);
                }
                let now = Timestamp::now();
                self.store
                    .edit_status(
                        StatusEdit {
                            status_id: existing.id,
                            text: String::new(),
                            content: post_html(&post),
                            spoiler_text: sanitize::remote_plain_text(
                                post.summary.as_deref().unwrap_or_default(),
                                MAX_SPOILER_CHARS,
                            ),
                            sensitive: post.sensitive,
                            language: existing.language.clone(),
                            mentions: self.mentioned_accounts(&post).await?,
                            tags: post.hashtags.iter().map(|h| h.name.clone()).collect(),
                            edited_at: post.updated.filter(|u| *u <= now).unwrap_or(now),
                        },
                        None,
                    )
                    .await?;
                Ok(Handled::Done)
            }
            Updated::Ref(url) if url == *actor_uri => {
                self.fetch_actor(actor_uri).await?;
                Ok(Handled::Done)
            }
            Updated::Ref(_) => Ok(Handled::Ignored),
        }
    }

    async fn on_delete(
        &self,
        actor: &RemoteAccount,
        actor_uri: &Url,
        object: &Url,
    ) -> Result<Handled, InboxError> {
        if object == actor_uri {
            self.store
                .set_suspended(actor.account.id, Some(Timestamp::now()))
                .await?;
            return Ok(Handled::Done);
        }
        if !same_origin(object, actor_uri) {
            return Err(InboxError::NotOwner);
        }
        let Some(status) = self.store.status_by_uri(object.as_str()).await? else {
            return Ok(Handled::Ignored);
        };
        if status.account_id != actor.account.id {
            return Err(InboxError::NotOwner);
        }
        self.store.delete_status(status.id).await?;
        Ok(Handled::Done)
    }

    async fn on_announce(
        &self,
        actor: &RemoteAccount,
        id: &Url,
        object: PostOrRef,
        audience: &vocab::Audience,
        published: Option<Timestamp>,
    ) -> Result<Handled, InboxError> {
        let Some(original) = self.status_for(object.id()).await? else {
            return Ok(Handled::Ignored);
        };
        let visibility = audience.visibility(followers_of(actor).as_ref());
        if matches!(visibility, hamlet_core::visibility::Visibility::Direct)
            || !matches!(
                original.visibility,
                hamlet_core::visibility::Visibility::Public
                    | hamlet_core::visibility::Visibility::Unlisted
            )
        {
            return Ok(Handled::Ignored);
        }
        let now = Timestamp::now();
        self.store
            .reblog(
                actor.account.id,
                original.id,
                visibility,
                Some(id.as_str()),
                published.filter(|p| *p <= now).unwrap_or(now),
                |_| None,
            )
            .await?;
        Ok(Handled::Done)
    }

    /// The actor moved to `target`: if `target` confirms it (its `alsoKnownAs` names the
    /// actor), members who followed the old account follow the new one.
    async fn on_move(
        &self,
        actor: &RemoteAccount,
        actor_uri: &Url,
        object: &Url,
        target: &Url,
    ) -> Result<Handled, InboxError> {
        if object != actor_uri {
            return Err(InboxError::NotOwner);
        }
        let (document, new_account) = self.fetch_actor_document(target).await?;
        if !document.also_known_as.contains(actor_uri) {
            return Err(InboxError::Invalid(
                "the target of the move does not name the moved account".into(),
            ));
        }
        self.store
            .set_moved_to(actor.account.id, new_account.account.id)
            .await?;
        let now = Timestamp::now();
        for follower in self.store.local_followers(actor.account.id).await? {
            let Some(member) = self.store.account_by_id(follower).await? else {
                continue;
            };
            let follow_uri = self.store.follow_uri(follower, actor.account.id).await?;
            let undo = self.unfollow_outbound(&member, &actor.account, follow_uri)?;
            self.store
                .unfollow(follower, actor.account.id, undo.as_ref())
                .await?;
            let follow = self.follow_outbound(&member, &new_account.account)?;
            self.store
                .follow(
                    follower,
                    new_account.account.id,
                    true,
                    true,
                    false,
                    now,
                    follow.as_ref().map(|(uri, _)| uri.as_str()),
                    follow.as_ref().map(|(_, outbound)| outbound),
                )
                .await?;
            self.delivery.wake();
        }
        Ok(Handled::Done)
    }

    async fn on_like(&self, actor: &RemoteAccount, object: &Url) -> Result<Handled, InboxError> {
        let Some(status) = self.local_status(Some(object)).await? else {
            return Ok(Handled::Ignored);
        };
        self.store
            .mark(
                Mark::Favourite,
                actor.account.id,
                status.id,
                Timestamp::now(),
                None,
            )
            .await?;
        Ok(Handled::Done)
    }

    async fn on_block(&self, actor: &RemoteAccount, object: &Url) -> Result<Handled, InboxError> {
        let Some(member) = self.local_member(object).await? else {
            return Ok(Handled::Ignored);
        };
        self.store
            .insert_block(actor.account.id, member.account.id, Timestamp::now(), None)
            .await?;
        Ok(Handled::Done)
    }
}

/// The followers collection of a remote account, which decides followers-only addressing.
fn followers_of(account: &RemoteAccount) -> Option<Url> {
    account
        .followers_url
        .as_deref()
        .and_then(|url| Url::parse(url).ok())
}

/// Most attachments of a remote post kept (as Mastodon keeps).
const KEPT_ATTACHMENTS: usize = hamlet_core::limits::MAX_MEDIA_ATTACHMENTS as usize;

/// The attachments of a remote post worth showing: pictures, videos and sounds of the
/// kinds Hamlet serves (links and unknown kinds are left out). Nothing is fetched now:
/// files are copied here when first asked for, through the one outbound client.
fn remote_media(post: &RemoteNote) -> Vec<hamlet_store::RemoteMedia> {
    use crate::vocab::post::AttachmentKind;
    use hamlet_core::media::{Focus, MediaKind};
    post.attachments
        .iter()
        .filter_map(|attachment| {
            let declared = attachment.media_type.as_deref().unwrap_or_default();
            let kind = match (attachment.kind, declared.split('/').next()) {
                (AttachmentKind::Link, _) => return None,
                (_, Some("image")) | (AttachmentKind::Image, _) => MediaKind::Image,
                (_, Some("video")) | (AttachmentKind::Video, _) => MediaKind::Video,
                (_, Some("audio")) | (AttachmentKind::Audio, _) => MediaKind::Audio,
                _ => return None,
            };
            Some(hamlet_store::RemoteMedia {
                kind,
                remote_url: attachment.url.to_string(),
                cache_token: hamlet_core::secret::generate(),
                content_type: if hamlet_core::limits::SUPPORTED_MIME_TYPES.contains(&declared) {
                    declared.to_owned()
                } else {
                    "application/octet-stream".to_owned()
                },
                size: attachment.width.zip(attachment.height),
                description: sanitize::remote_plain_text(
                    attachment.description.as_deref().unwrap_or_default(),
                    hamlet_core::media::MAX_DESCRIPTION_CHARS,
                ),
                focus: attachment
                    .focal_point
                    .map(|(x, y)| Focus::from_thousandths((x * 1000.0) as i32, (y * 1000.0) as i32))
                    .unwrap_or_default(),
                blurhash: attachment.blurhash.clone(),
            })
        })
        .take(KEPT_ATTACHMENTS)
        .collect()
}

/// The HTML shown for a remote post: sanitized content; an article's title first; a
/// poll's options listed (polls are not voted on here yet).
fn post_html(post: &RemoteNote) -> String {
    let mut html = String::new();
    if matches!(post.kind, PostKind::Article | PostKind::Page)
        && let Some(title) = post.name.as_deref().filter(|t| !t.trim().is_empty())
    {
        html.push_str("<p><strong>");
        html.push_str(&hamlet_core::text::escape(&sanitize::remote_single_line(
            title, 500,
        )));
        html.push_str("</strong></p>");
    }
    html.push_str(&sanitize::sanitize_remote_html(&post.content));
    if let Some(poll) = &post.poll {
        html.push_str("<ul>");
        for option in &poll.options {
            html.push_str("<li>");
            html.push_str(&hamlet_core::text::escape(&sanitize::remote_single_line(
                &option.name,
                500,
            )));
            html.push_str("</li>");
        }
        html.push_str("</ul>");
    }
    html
}
