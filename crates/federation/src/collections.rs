//! What other servers may read of a member: single posts, the outbox, the featured
//! (pinned) posts and the follower counts. Everything here is what an anonymous visitor
//! may see (the one audience rule, `visible_to_viewer` with no viewer): public and
//! unlisted posts of members who are not suspended, never local-only ones. Posts are
//! written out through `PostToSend`, which cannot be made from a local-only post.

use std::collections::HashMap;

use hamlet_core::Id;
use hamlet_core::account::{Account, Member};
use hamlet_core::audience::{self, Post, Viewer};
use hamlet_core::status::Status;
use hamlet_store::{AccountStatusFilter, Page, StatsFor, StoreError};
use url::Url;

use crate::outbox::PostToSend;
use crate::routes::FederationState;
use crate::vocab::out::{self, Note, OrderedCollection, OrderedCollectionPage, PostId};

/// Items per collection page.
pub const PAGE_SIZE: u32 = 20;

impl FederationState {
    /// The local post `id` by `member`, if anyone may read it here.
    pub async fn public_post(&self, member: &Member, id: Id) -> Result<Option<Note>, StoreError> {
        let Some(status) = self.store.status_by_id(id).await? else {
            return Ok(None);
        };
        if status.account_id != member.account.id || !status.local || status.reblog_of_id.is_some()
        {
            return Ok(None);
        }
        let post = Post::of(&status, member.account.is_suspended());
        if !audience::may_view(&post, &Viewer::Anonymous) {
            return Ok(None);
        }
        Ok(self.notes_of(vec![status]).await?.pop())
    }

    /// Local posts as Notes, loading their mentions, tags and parents in batches.
    pub async fn notes_of(&self, statuses: Vec<Status>) -> Result<Vec<Note>, StoreError> {
        let ids: Vec<Id> = statuses.iter().map(|s| s.id).collect();
        let mentions = self.store.mentions_of(&ids).await?;
        let tags = self.store.tags_of(&ids).await?;
        let media = self.store.media_of_statuses(&ids).await?;
        let parent_ids: Vec<Id> = statuses.iter().filter_map(|s| s.in_reply_to_id).collect();
        let parents: HashMap<Id, Status> = self
            .store
            .statuses_by_ids(&parent_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut account_ids: Vec<Id> = statuses.iter().map(|s| s.account_id).collect();
        account_ids.extend(mentions.iter().map(|(_, account)| *account));
        account_ids.extend(parents.values().map(|p| p.account_id));
        account_ids.sort();
        account_ids.dedup();
        let accounts: HashMap<Id, Account> = self
            .store
            .accounts_by_ids(&account_ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let mut notes = Vec::with_capacity(statuses.len());
        for status in &statuses {
            let Some(author) = accounts.get(&status.account_id) else {
                continue;
            };
            let mentioned: Vec<Account> = mentions
                .iter()
                .filter(|(s, _)| *s == status.id)
                .filter_map(|(_, a)| accounts.get(a).cloned())
                .collect();
            let post_tags: Vec<String> = tags
                .iter()
                .filter(|(s, _)| *s == status.id)
                .map(|(_, name)| name.clone())
                .collect();
            let in_reply_to = status
                .in_reply_to_id
                .and_then(|p| parents.get(&p))
                .and_then(|p| Some((p, accounts.get(&p.account_id)?)));
            // A local-only post (or reply to one) has no Note: it is left out.
            let attached = media.get(&status.id).map(Vec::as_slice).unwrap_or_default();
            if let Some(post) = PostToSend::new(
                status,
                author,
                &mentioned,
                &post_tags,
                in_reply_to,
                attached,
            ) && let Some(note) = self.note_of(&post)
            {
                notes.push(note);
            }
        }
        Ok(notes)
    }

    /// The outbox: the collection, or (with `page`) one page of `Create`s, newest first,
    /// older than `max_id`.
    pub async fn outbox(
        &self,
        member: &Member,
        page: bool,
        max_id: Option<Id>,
    ) -> Result<serde_json::Value, StoreError> {
        let name = &member.account.username;
        let outbox = self.local.outbox_url(name);
        let filter = AccountStatusFilter {
            exclude_replies: false,
            exclude_reblogs: true,
            tagged: None,
        };
        if !page {
            let total = self.store.outbox_size(member.account.id).await?;
            return to_value(OrderedCollection::<Url> {
                id: outbox.clone(),
                kind: Default::default(),
                total_items: total,
                first: Some(with_query(&outbox, "page=true")),
                last: Some(with_query(&outbox, "min_id=0&page=true")),
                ordered_items: None,
            });
        }
        let ids = self
            .store
            .account_statuses(
                member.account.id,
                None,
                filter,
                Page {
                    max_id,
                    since_id: None,
                    min_id: None,
                    limit: PAGE_SIZE,
                },
            )
            .await?;
        let statuses = if member.account.is_suspended() {
            Vec::new()
        } else {
            self.store.statuses_by_ids(&ids).await?
        };
        let oldest = statuses.last().map(|s| s.id);
        let full = statuses.len() == PAGE_SIZE as usize;
        let items: Vec<out::Create> = self
            .notes_of(statuses)
            .await?
            .into_iter()
            .map(out::Create::of)
            .collect();
        let this_page = match max_id {
            Some(max_id) => with_query(&outbox, &format!("max_id={max_id}&page=true")),
            None => with_query(&outbox, "page=true"),
        };
        to_value(OrderedCollectionPage {
            id: this_page,
            kind: Default::default(),
            total_items: None,
            part_of: outbox.clone(),
            next: oldest
                .filter(|_| full)
                .map(|oldest| with_query(&outbox, &format!("max_id={oldest}&page=true"))),
            prev: None,
            ordered_items: items,
        })
    }

    /// The replies to a member's post that anyone may read, as ids (at most
    /// [`PAGE_SIZE`], oldest first), or `None` when the post itself is not public.
    pub async fn replies(
        &self,
        member: &Member,
        id: Id,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        if self.public_post(member, id).await?.is_none() {
            return Ok(None);
        }
        let now = hamlet_core::Timestamp::now();
        let descendants = self.store.descendants(id, None, 200, now).await?;
        let replies: Vec<Status> = self
            .store
            .statuses_by_ids(&descendants)
            .await?
            .into_iter()
            .filter(|s| s.in_reply_to_id == Some(id))
            .take(PAGE_SIZE as usize)
            .collect();
        let authors = self
            .store
            .accounts_by_ids(&replies.iter().map(|s| s.account_id).collect::<Vec<_>>())
            .await?;
        let items: Vec<PostId> = replies
            .iter()
            .filter_map(|reply| {
                let author = authors.iter().find(|a| a.id == reply.account_id)?;
                self.post_id(reply, author)
            })
            .collect();
        let collection = self.local.url(&format!(
            "/users/{}/statuses/{id}/replies",
            member.account.username
        ));
        to_value(OrderedCollection {
            id: collection,
            kind: Default::default(),
            total_items: items.len() as u64,
            first: None,
            last: None,
            ordered_items: Some(items),
        })
        .map(Some)
    }

    /// Followers or following: the count only (members' lists stay private).
    pub async fn relation_collection(
        &self,
        member: &Member,
        followers: bool,
    ) -> Result<serde_json::Value, StoreError> {
        let name = &member.account.username;
        let stats = self
            .store
            .account_stats(&[member.account.id], StatsFor::Anyone)
            .await?;
        let stats = stats.get(&member.account.id).copied().unwrap_or_default();
        let (id, total) = if followers {
            (self.local.followers_url(name), stats.followers)
        } else {
            (self.local.following_url(name), stats.following)
        };
        to_value(OrderedCollection::<Url> {
            id,
            kind: Default::default(),
            total_items: total,
            first: None,
            last: None,
            ordered_items: None,
        })
    }

    /// The member's pinned posts that anyone may read.
    pub async fn featured(&self, member: &Member) -> Result<serde_json::Value, StoreError> {
        let statuses: Vec<Status> = if member.account.is_suspended() {
            Vec::new()
        } else {
            let ids = self
                .store
                .pinned_statuses(member.account.id, None, PAGE_SIZE)
                .await?;
            let mut statuses = self.store.statuses_by_ids(&ids).await?;
            statuses.sort_by_key(|s| ids.iter().position(|id| *id == s.id));
            statuses
        };
        let notes = self.notes_of(statuses).await?;
        to_value(OrderedCollection {
            id: self.local.featured_url(&member.account.username),
            kind: Default::default(),
            total_items: notes.len() as u64,
            first: None,
            last: None,
            ordered_items: Some(notes),
        })
    }
}

fn with_query(url: &Url, query: &str) -> Url {
    let mut url = url.clone();
    url.set_query(Some(query));
    url
}

fn to_value(value: impl serde::Serialize) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(out::WithContext::new(value))
        .map_err(|e| StoreError::Corrupt(format!("serializing a collection: {e}")))
}
