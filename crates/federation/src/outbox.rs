//! What members' actions send to other servers: each function builds one activity and
//! enqueues it for the inboxes that should receive it (the delivery worker sends it,
//! durably). Who receives a post is decided by the audience rule alone
//! (`Federable::recipients`), and only a [`Federable`] post can be written as an
//! activity: a local-only post, its replies, boosts, likes, edits and deletion build
//! nothing.

use hamlet_core::account::Account;
use hamlet_core::audience::Federable;
use hamlet_core::media::MediaAttachment;
use hamlet_core::status::Status;
use hamlet_core::visibility::Visibility;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{DeliveryTargets, Outbound, RemoteAccount, StoreError};
use serde::Serialize;
use url::Url;

use crate::routes::FederationState;
use crate::vocab::audience::PUBLIC;
use crate::vocab::out::{
    self, Accept, Follow, Note, NoteAddressing, PostId, Reject, Undo, Undoable, WithContext,
};

/// A local post that may leave this server, with what its ActivityStreams form needs.
#[derive(Clone, Debug)]
pub struct PostToSend<'a> {
    post: Federable<'a>,
    author: &'a Account,
    /// Accounts the post mentions (local and remote).
    mentions: &'a [Account],
    tags: &'a [String],
    /// The post it replies to, with its author, when it is a reply.
    in_reply_to: Option<(Federable<'a>, &'a Account)>,
    /// Its attachments, in order.
    media: &'a [MediaAttachment],
}

impl<'a> PostToSend<'a> {
    /// `None` when the post is local-only, or replies to a local-only post.
    pub fn new(
        status: &'a Status,
        author: &'a Account,
        mentions: &'a [Account],
        tags: &'a [String],
        in_reply_to: Option<(&'a Status, &'a Account)>,
        media: &'a [MediaAttachment],
    ) -> Option<PostToSend<'a>> {
        let post = Federable::check(status, in_reply_to.map(|(parent, _)| parent))?;
        let in_reply_to = match in_reply_to {
            Some((parent, parent_author)) => Some((Federable::check(parent, None)?, parent_author)),
            None => None,
        };
        Some(PostToSend {
            post,
            author,
            mentions,
            tags,
            in_reply_to,
            media,
        })
    }

    pub fn status(&self) -> &'a Status {
        self.post.status()
    }
}

/// What a post event sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostEvent {
    Create,
    Update,
    Delete,
}

impl FederationState {
    /// The activity a local post event sends, built from the post as stored now (for
    /// `Delete`: before it is removed, to enqueue in the removing transaction). `None`
    /// for remote posts, boosts, and local-only posts.
    pub async fn post_outbound(
        &self,
        status: &Status,
        event: PostEvent,
    ) -> Result<Option<Outbound>, StoreError> {
        if !status.local || status.reblog_of_id.is_some() || status.local_only {
            return Ok(None);
        }
        let ids = [status.id];
        let mentions = self.store.mentions_of(&ids).await?;
        let tags: Vec<String> = self
            .store
            .tags_of(&ids)
            .await?
            .into_iter()
            .map(|(_, name)| name)
            .collect();
        let parent = match status.in_reply_to_id {
            Some(parent) => self.store.status_by_id(parent).await?,
            None => None,
        };
        let mut account_ids: Vec<Id> = mentions.iter().map(|(_, a)| *a).collect();
        account_ids.push(status.account_id);
        account_ids.extend(parent.as_ref().map(|p| p.account_id));
        let accounts = self.store.accounts_by_ids(&account_ids).await?;
        let find = |id: Id| accounts.iter().find(|a| a.id == id);
        let Some(author) = find(status.account_id) else {
            return Ok(None);
        };
        let mentioned: Vec<Account> = mentions
            .iter()
            .filter_map(|(_, a)| find(*a).cloned())
            .collect();
        let in_reply_to = parent.as_ref().and_then(|p| Some((p, find(p.account_id)?)));
        let media = self
            .store
            .media_of_statuses(&ids)
            .await?
            .remove(&status.id)
            .unwrap_or_default();
        let Some(post) = PostToSend::new(status, author, &mentioned, &tags, in_reply_to, &media)
        else {
            return Ok(None);
        };
        match event {
            PostEvent::Create => self.create_outbound(&post),
            PostEvent::Update => self.update_outbound(&post),
            PostEvent::Delete => self.delete_outbound(&post),
        }
    }

    /// Enqueues a built activity and wakes the delivery worker.
    async fn enqueue(&self, outbound: &Outbound) -> Result<usize, StoreError> {
        let queued = self.store.enqueue(outbound, Timestamp::now()).await?;
        if queued > 0 {
            self.delivery.wake();
        }
        Ok(queued)
    }

    fn remote_uri(&self, account: &Account) -> Option<Url> {
        let remote = account.remote.as_ref()?;
        Url::parse(&remote.uri).ok()
    }

    /// The actor id of any account.
    pub fn actor_uri(&self, account: &Account) -> Option<Url> {
        match &account.remote {
            None => Some(self.local.actor_url(&account.username)),
            Some(_) => self.remote_uri(account),
        }
    }

    /// The `Follow` of `follower` (a member) to the remote `target`, with its id, for
    /// `Store::follow` to record and enqueue with the request. `None` for local targets.
    pub fn follow_outbound(
        &self,
        follower: &Account,
        target: &Account,
    ) -> Result<Option<(String, Outbound)>, StoreError> {
        let Some(object) = self.remote_uri(target) else {
            return Ok(None);
        };
        let actor = self.local.actor_url(&follower.username);
        let id = self.local.url(&format!(
            "/users/{}/follows/{}",
            follower.username,
            Id::generate(Timestamp::now())
        ));
        let follow = Follow::new(id.clone(), actor, object);
        let built = outbound(Some(follower.id), &id, follow, to_account(target.id))?;
        Ok(Some((id.to_string(), built)))
    }

    /// The `Undo` of `follower`'s follow of (or request to) the remote `target`;
    /// `follow_uri` is the id of that `Follow`. `None` for local targets.
    pub fn unfollow_outbound(
        &self,
        follower: &Account,
        target: &Account,
        follow_uri: Option<String>,
    ) -> Result<Option<Outbound>, StoreError> {
        let Some(object) = self.remote_uri(target) else {
            return Ok(None);
        };
        let actor = self.local.actor_url(&follower.username);
        let follow_id = follow_uri
            .and_then(|uri| Url::parse(&uri).ok())
            .unwrap_or_else(|| {
                self.local.url(&format!(
                    "/users/{}/follows/{}",
                    follower.username, target.id
                ))
            });
        let id = undo_id(&follow_id);
        let undo = Undo {
            id: id.clone(),
            kind: Default::default(),
            actor: actor.clone(),
            to: Vec::new(),
            cc: Vec::new(),
            object: Undoable::Follow(Follow::new(follow_id, actor, object)),
        };
        outbound(Some(follower.id), &id, undo, to_account(target.id)).map(Some)
    }

    /// The `Accept` of `follower`'s (remote) follow by `member`, for the store write
    /// that turns the request into a follow.
    pub fn accept_outbound(
        &self,
        member: &Account,
        follower: &RemoteAccount,
        follow_uri: Option<String>,
    ) -> Result<Option<Outbound>, StoreError> {
        let Some((id, actor, follow)) = self.answer_to(member, follower, follow_uri, "accepts")
        else {
            return Ok(None);
        };
        let accept = Accept {
            id: id.clone(),
            kind: Default::default(),
            actor,
            object: follow,
        };
        let targets = to_account(follower.account.id);
        outbound(Some(member.id), &id, accept, targets).map(Some)
    }

    /// The `Reject` of `follower`'s (remote) follow, or of their following `member`.
    pub fn reject_outbound(
        &self,
        member: &Account,
        follower: &RemoteAccount,
        follow_uri: Option<String>,
    ) -> Result<Option<Outbound>, StoreError> {
        let Some((id, actor, follow)) = self.answer_to(member, follower, follow_uri, "rejects")
        else {
            return Ok(None);
        };
        let reject = Reject {
            id: id.clone(),
            kind: Default::default(),
            actor,
            object: follow,
        };
        let targets = to_account(follower.account.id);
        outbound(Some(member.id), &id, reject, targets).map(Some)
    }

    /// Rejects a remote follow that changed nothing here (a blocked or suspended
    /// target): there is no local change to commit it with.
    pub async fn send_reject(
        &self,
        member: &Account,
        follower: &RemoteAccount,
        follow_uri: Option<String>,
    ) -> Result<(), StoreError> {
        if let Some(reject) = self.reject_outbound(member, follower, follow_uri)? {
            self.enqueue(&reject).await?;
        }
        Ok(())
    }

    fn answer_to(
        &self,
        member: &Account,
        follower: &RemoteAccount,
        follow_uri: Option<String>,
        verb: &str,
    ) -> Option<(Url, Url, Follow)> {
        let follower_uri = Url::parse(follower.uri()).ok()?;
        let actor = self.local.actor_url(&member.username);
        // A follow without a known id (should not happen) is named by the pair.
        let follow_id = follow_uri
            .and_then(|uri| Url::parse(&uri).ok())
            .unwrap_or_else(|| follower_uri.clone());
        let id = self.local.url(&format!(
            "/users/{}#{verb}/follows/{}",
            member.username,
            Id::generate(Timestamp::now())
        ));
        let follow = Follow::new(follow_id, follower_uri, actor.clone());
        Some((id, actor, follow))
    }

    /// The `Create` of a new local post, ready to enqueue in the transaction that stores
    /// the post (`Store::insert_status_with`).
    pub fn create_outbound(&self, post: &PostToSend<'_>) -> Result<Option<Outbound>, StoreError> {
        let Some(note) = self.note_of(post) else {
            return Ok(None);
        };
        let create = out::Create::of(note);
        let id = create.id.clone();
        outbound(Some(post.author.id), &id, create, post_targets(post)).map(Some)
    }

    /// The `Update` of an edited local post, to everyone who received it.
    pub fn update_outbound(&self, post: &PostToSend<'_>) -> Result<Option<Outbound>, StoreError> {
        let Some(note) = self.note_of(post) else {
            return Ok(None);
        };
        let id = self.local.url(&format!(
            "{}#updates/{}",
            note.id().url().path(),
            note.updated().unwrap_or_else(Timestamp::now).as_millis()
        ));
        let update = out::Update {
            id: id.clone(),
            kind: Default::default(),
            actor: note.attributed_to().clone(),
            published: note.updated(),
            to: note.to().to_vec(),
            cc: note.cc().to_vec(),
            object: out::Updatable::Note(Box::new(note)),
        };
        outbound(Some(post.author.id), &id, update, post_targets(post)).map(Some)
    }

    /// The `Delete` of a local post, ready to enqueue in the transaction that removes it
    /// (`Store::delete_status_with`).
    pub fn delete_outbound(&self, post: &PostToSend<'_>) -> Result<Option<Outbound>, StoreError> {
        let Some(note) = self.note_of(post) else {
            return Ok(None);
        };
        let mut id = note.id().url().clone();
        id.set_fragment(Some("delete"));
        let delete = out::Delete {
            id: id.clone(),
            kind: Default::default(),
            actor: note.attributed_to().clone(),
            to: note.to().to_vec(),
            cc: note.cc().to_vec(),
            object: out::Deletable::Tombstone(out::Tombstone::new(note.id().clone())),
        };
        outbound(Some(post.author.id), &id, delete, post_targets(post)).map(Some)
    }

    /// The id of any post that may leave this server: its own for remote posts, ours for
    /// local ones. `None` for local-only posts.
    pub fn post_id(&self, status: &Status, author: &Account) -> Option<PostId> {
        let post = Federable::check(status, None)?;
        PostId::of(post, &self.local, &author.username)
    }

    fn announce_of(
        &self,
        booster: &Account,
        boost: (Id, Timestamp),
        original: &Status,
        original_author: &Account,
    ) -> Option<out::Announce> {
        let object = self.post_id(original, original_author)?;
        let actor = self.local.actor_url(&booster.username);
        let mut cc = vec![self.local.followers_url(&booster.username)];
        cc.extend(self.actor_uri(original_author));
        Some(out::Announce {
            id: activity_id(
                &self
                    .local
                    .status_url(&booster.username, &boost.0.to_string()),
                "activity",
            ),
            kind: Default::default(),
            actor,
            published: boost.1,
            to: vec![Url::parse(PUBLIC).expect("the public collection is a URL")],
            cc,
            object,
        })
    }

    fn boost_targets(booster: &Account, original_author: &Account) -> DeliveryTargets {
        DeliveryTargets {
            followers_of: Some(booster.id),
            accounts: original_author
                .remote
                .is_some()
                .then_some(original_author.id)
                .into_iter()
                .collect(),
            inboxes: Vec::new(),
        }
    }

    /// The `Announce` of a member's boost (id `boost_id`, made at `at`), for
    /// `Store::reblog` to enqueue with the boost.
    pub fn announce_outbound(
        &self,
        booster: &Account,
        boost_id: Id,
        at: Timestamp,
        original: &Status,
        original_author: &Account,
    ) -> Result<Option<Outbound>, StoreError> {
        let Some(announce) = self.announce_of(booster, (boost_id, at), original, original_author)
        else {
            return Ok(None);
        };
        let id = announce.id.clone();
        let targets = Self::boost_targets(booster, original_author);
        outbound(Some(booster.id), &id, announce, targets).map(Some)
    }

    /// The `Undo` of a member's boost, for `Store::unreblog`.
    pub fn undo_announce_outbound(
        &self,
        booster: &Account,
        boost: &Status,
        original: &Status,
        original_author: &Account,
    ) -> Result<Option<Outbound>, StoreError> {
        let Some(announce) = self.announce_of(
            booster,
            (boost.id, boost.created_at),
            original,
            original_author,
        ) else {
            return Ok(None);
        };
        let id = undo_id(&announce.id);
        let undo = Undo {
            id: id.clone(),
            kind: Default::default(),
            actor: announce.actor.clone(),
            to: announce.to.clone(),
            cc: announce.cc.clone(),
            object: Undoable::Announce(announce),
        };
        let targets = Self::boost_targets(booster, original_author);
        outbound(Some(booster.id), &id, undo, targets).map(Some)
    }

    fn like_of(&self, member: &Account, status: &Status, author: &Account) -> Option<out::Like> {
        let object = self.post_id(status, author)?;
        let actor = self.local.actor_url(&member.username);
        let mut id = actor.clone();
        id.set_fragment(Some(&format!("likes/{}", status.id)));
        Some(out::Like::new(id, actor, object))
    }

    /// The `Like` of a member's favourite of a remote post, for `Store::mark`. `None`
    /// for local posts.
    pub fn like_outbound(
        &self,
        member: &Account,
        status: &Status,
        author: &Account,
    ) -> Result<Option<Outbound>, StoreError> {
        if author.remote.is_none() {
            return Ok(None);
        }
        let Some(like) = self.like_of(member, status, author) else {
            return Ok(None);
        };
        let id = like.id.clone();
        outbound(Some(member.id), &id, like, to_account(author.id)).map(Some)
    }

    /// The `Undo` of that `Like`, for `Store::unmark`.
    pub fn undo_like_outbound(
        &self,
        member: &Account,
        status: &Status,
        author: &Account,
    ) -> Result<Option<Outbound>, StoreError> {
        if author.remote.is_none() {
            return Ok(None);
        }
        let Some(like) = self.like_of(member, status, author) else {
            return Ok(None);
        };
        let id = undo_id(&like.id);
        let undo = Undo {
            id: id.clone(),
            kind: Default::default(),
            actor: like.actor.clone(),
            to: Vec::new(),
            cc: Vec::new(),
            object: Undoable::Like(like),
        };
        outbound(Some(member.id), &id, undo, to_account(author.id)).map(Some)
    }

    fn block_of(&self, member: &Account, target: &Account) -> Option<out::Block> {
        let object = self.remote_uri(target)?;
        let actor = self.local.actor_url(&member.username);
        let mut id = actor.clone();
        id.set_fragment(Some(&format!("blocks/{}", target.id)));
        Some(out::Block::new(id, actor, object))
    }

    /// The `Block` of a remote account by a member (its server learns to stop
    /// delivering), for `Store::insert_block`. `None` for local targets.
    pub fn block_outbound(
        &self,
        member: &Account,
        target: &Account,
    ) -> Result<Option<Outbound>, StoreError> {
        let Some(block) = self.block_of(member, target) else {
            return Ok(None);
        };
        let id = block.id.clone();
        outbound(Some(member.id), &id, block, to_account(target.id)).map(Some)
    }

    /// The `Undo` of that `Block`, for `Store::unblock`.
    pub fn undo_block_outbound(
        &self,
        member: &Account,
        target: &Account,
    ) -> Result<Option<Outbound>, StoreError> {
        let Some(block) = self.block_of(member, target) else {
            return Ok(None);
        };
        let id = undo_id(&block.id);
        let undo = Undo {
            id: id.clone(),
            kind: Default::default(),
            actor: block.actor.clone(),
            to: Vec::new(),
            cc: Vec::new(),
            object: Undoable::Block(block),
        };
        outbound(Some(member.id), &id, undo, to_account(target.id)).map(Some)
    }

    /// The `Update` of a member's changed profile (`member` as it is after the change),
    /// to their followers' servers, for `Store::update_profile`.
    pub fn profile_update_outbound(&self, member: &Account) -> Result<Outbound, StoreError> {
        let person = crate::actors::member_document(member, &self.local).object;
        let id = self.local.url(&format!(
            "/users/{}#updates/{}",
            member.username,
            member.updated_at.as_millis()
        ));
        let update = out::Update {
            id: id.clone(),
            kind: Default::default(),
            actor: person.id.clone(),
            published: Some(member.updated_at),
            to: vec![Url::parse(PUBLIC).expect("the public collection is a URL")],
            cc: Vec::new(),
            object: out::Updatable::Person(Box::new(person)),
        };
        let targets = DeliveryTargets {
            followers_of: Some(member.id),
            accounts: Vec::new(),
            inboxes: Vec::new(),
        };
        outbound(Some(member.id), &id, update, targets)
    }

    /// The ActivityStreams form of a local post.
    pub fn note_of(&self, post: &PostToSend<'_>) -> Option<Note> {
        let status = post.status();
        let author = &post.author.username;
        let actor = self.local.actor_url(author);
        let followers = self.local.followers_url(author);
        let public = Url::parse(PUBLIC).expect("the public collection is a URL");
        let mentioned: Vec<Url> = post
            .mentions
            .iter()
            .filter_map(|account| self.actor_uri(account))
            .collect();
        let (to, cc) = match status.visibility {
            Visibility::Public => (vec![public], with(followers, &mentioned)),
            Visibility::Unlisted => (vec![followers], with(public, &mentioned)),
            Visibility::Private => (vec![followers], mentioned.clone()),
            Visibility::Direct => (mentioned.clone(), Vec::new()),
        };
        let mut tag: Vec<out::Tag> = post
            .mentions
            .iter()
            .filter_map(|account| {
                Some(out::Tag::Mention {
                    href: self.actor_uri(account)?,
                    name: format!("@{}", self.handle(account)),
                })
            })
            .collect();
        tag.extend(post.tags.iter().map(|name| out::Tag::Hashtag {
            href: self.local.url(&format!("/tags/{}", name.to_lowercase())),
            name: format!("#{name}"),
        }));
        let in_reply_to = match post.in_reply_to {
            Some((parent, parent_author)) => {
                Some(PostId::of(parent, &self.local, &parent_author.username)?)
            }
            None => None,
        };
        let addressing = NoteAddressing {
            url: self.local.url(&format!("/@{author}/{}", status.id)),
            attributed_to: actor,
            to,
            cc,
            tag,
            attachment: post.media.iter().filter_map(|m| self.document(m)).collect(),
            in_reply_to,
            replies: Some(
                self.local
                    .url(&format!("/users/{author}/statuses/{}/replies", status.id)),
            ),
        };
        let id = PostId::of(post.post, &self.local, author)?;
        Note::of(post.post, id, addressing)
    }

    /// An attachment as other servers read it: Mastodon's `Document` with alt text,
    /// blurhash and focal point.
    fn document(&self, media: &MediaAttachment) -> Option<out::MediaAttachment> {
        Some(out::MediaAttachment {
            kind: out::kind::Document,
            media_type: media.content_type.clone(),
            url: self.local.media_url(media.file_key.as_deref()?),
            name: (!media.description.is_empty()).then(|| media.description.clone()),
            blurhash: media.blurhash.clone(),
            focal_point: Some([media.focus.x(), media.focus.y()]),
            width: media.size.map(|(w, _)| w),
            height: media.size.map(|(_, h)| h),
        })
    }

    /// `user` for members, `user@domain` for remote accounts, as mentions are written.
    fn handle(&self, account: &Account) -> String {
        match &account.domain {
            None => format!("{}@{}", account.username, self.local.domain()),
            Some(_) => account.acct(),
        }
    }
}

/// An activity serialized with its `@context`, ready to enqueue.
fn outbound(
    signer: Option<Id>,
    id: &Url,
    activity: impl Serialize,
    targets: DeliveryTargets,
) -> Result<Outbound, StoreError> {
    let body = serde_json::to_string(&WithContext::new(activity))
        .map_err(|e| StoreError::Corrupt(format!("serializing {id}: {e}")))?;
    Ok(Outbound {
        signer,
        activity_uri: id.to_string(),
        body,
        targets,
    })
}

fn with(first: Url, rest: &[Url]) -> Vec<Url> {
    std::iter::once(first).chain(rest.iter().cloned()).collect()
}

/// Everyone a post reaches on other servers, as the audience rule names them.
fn post_targets(post: &PostToSend<'_>) -> DeliveryTargets {
    let recipients = post.post.recipients();
    let mut accounts: Vec<Id> = Vec::new();
    if recipients.mentioned {
        accounts.extend(
            post.mentions
                .iter()
                .filter(|account| account.remote.is_some())
                .map(|account| account.id),
        );
    }
    if recipients.replied_to_author
        && let Some((_, parent_author)) = post.in_reply_to
        && parent_author.remote.is_some()
    {
        accounts.push(parent_author.id);
    }
    DeliveryTargets {
        followers_of: recipients.followers.then_some(post.author.id),
        accounts,
        inboxes: Vec::new(),
    }
}

fn to_account(account: Id) -> DeliveryTargets {
    DeliveryTargets {
        followers_of: None,
        accounts: vec![account],
        inboxes: Vec::new(),
    }
}

/// `{object}/activity`, `{object}#undo`: ids of activities about an object.
fn activity_id(object: &Url, suffix: &str) -> Url {
    let mut id = object.clone();
    id.set_path(&format!("{}/{suffix}", object.path().trim_end_matches('/')));
    id
}

fn undo_id(of: &Url) -> Url {
    let mut id = of.clone();
    id.set_fragment(Some("undo"));
    id
}
