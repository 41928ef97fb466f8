//! Favourites, bookmarks, pins and boosts, for the API and the web interface alike:
//! the rules Mastodon applies, and what other servers are sent, committed with the
//! change.

use hamlet_core::account::Member;
use hamlet_core::limits::MAX_PINNED_STATUSES;
use hamlet_core::status::Status;
use hamlet_core::visibility::Visibility;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{Created, Mark};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::service::statuses;

/// The post a member acts on: a boost stands for the post it boosts. 404 for what the
/// member may not see.
pub async fn target(state: &AppState, member: &Member, id: &str) -> ApiResult<Status> {
    let status = statuses::load_visible(state, Some(member), id).await?;
    match status.reblog_of_id {
        Some(original) => statuses::load_visible(state, Some(member), &original.to_string()).await,
        None => Ok(status),
    }
}

/// Sets (`on`) or clears a member's mark on a post they may see.
pub async fn set_mark(
    state: &AppState,
    member: &Member,
    status: &Status,
    mark: Mark,
    on: bool,
) -> ApiResult<()> {
    let me = member.account.id;
    if on {
        if mark == Mark::Pin {
            if status.account_id != me {
                return Err(ApiError::Validation(
                    "You can only pin your own posts".into(),
                ));
            }
            if status.visibility == Visibility::Direct {
                return Err(ApiError::Validation(
                    "Direct messages cannot be pinned".into(),
                ));
            }
            let pinned = state
                .store
                .marked_among(Mark::Pin, me, &[status.id])
                .await?;
            if pinned.is_empty()
                && state.store.count_pins(me).await? >= u64::from(MAX_PINNED_STATUSES)
            {
                return Err(ApiError::Validation(format!(
                    "You have already pinned the maximum number of posts ({MAX_PINNED_STATUSES})"
                )));
            }
        }
        let like = match mark {
            Mark::Favourite => favourite_outbound(state, member, status, true).await?,
            _ => None,
        };
        state
            .store
            .mark(mark, me, status.id, Timestamp::now(), like.as_ref())
            .await?;
    } else {
        let undo = match mark {
            Mark::Favourite => favourite_outbound(state, member, status, false).await?,
            _ => None,
        };
        state
            .store
            .unmark(mark, me, status.id, undo.as_ref())
            .await?;
    }
    state.federation.delivery.wake();
    Ok(())
}

/// A favourite of a remote post is a `Like` to its author (and its undoing an `Undo`),
/// enqueued with the favourite itself.
async fn favourite_outbound(
    state: &AppState,
    member: &Member,
    status: &Status,
    on: bool,
) -> ApiResult<Option<hamlet_store::Outbound>> {
    let Some(author) = state.store.account_by_id(status.account_id).await? else {
        return Ok(None);
    };
    let federation = &state.federation;
    Ok(if on {
        federation.like_outbound(&member.account, status, &author)?
    } else {
        federation.undo_like_outbound(&member.account, status, &author)?
    })
}

/// Boosts `original` for `member`, at the visibility asked for (their default when
/// `None`) but never more visible than the post; returns the boost's id (the earlier
/// boost when there is one).
pub async fn reblog(
    state: &AppState,
    member: &Member,
    original: &Status,
    requested: Option<Visibility>,
) -> ApiResult<Id> {
    let own = original.account_id == member.account.id;
    let allowed = match original.visibility {
        Visibility::Public | Visibility::Unlisted => true,
        Visibility::Private => own,
        Visibility::Direct => false,
    };
    if !allowed {
        return Err(ApiError::Forbidden("This action is not allowed".into()));
    }
    let requested = requested.unwrap_or(member.user.defaults.privacy);
    // A boost is never more visible than the post, and never a direct message.
    let visibility = match (original.visibility, requested) {
        (Visibility::Private, _) | (_, Visibility::Private) | (_, Visibility::Direct) => {
            Visibility::Private
        }
        (_, Visibility::Unlisted) | (Visibility::Unlisted, _) => Visibility::Unlisted,
        _ => Visibility::Public,
    };
    // Followers-only boosts stay here; the others are announced with the boost itself.
    let original_author = match visibility {
        Visibility::Private => None,
        _ => state.store.account_by_id(original.account_id).await?,
    };
    let now = Timestamp::now();
    let federate = |boost_id| {
        let author = original_author.as_ref()?;
        state
            .federation
            .announce_outbound(&member.account, boost_id, now, original, author)
            .map_err(|error| tracing::error!(%error, "could not build the Announce of a boost"))
            .ok()
            .flatten()
    };
    let created = state
        .store
        .reblog(
            member.account.id,
            original.id,
            visibility,
            None,
            now,
            federate,
        )
        .await?;
    state.federation.delivery.wake();
    Ok(match created {
        Created::New(id) | Created::Existing(id) => id,
    })
}

/// Undoes `member`'s boost of `original`, if any.
pub async fn unreblog(state: &AppState, member: &Member, original: &Status) -> ApiResult<()> {
    let undo = match state.store.boost_of(member.account.id, original.id).await? {
        Some(boost) if boost.visibility != Visibility::Private => {
            match state.store.account_by_id(original.account_id).await? {
                Some(author) => state.federation.undo_announce_outbound(
                    &member.account,
                    &boost,
                    original,
                    &author,
                )?,
                None => None,
            }
        }
        _ => None,
    };
    state
        .store
        .unreblog(member.account.id, original.id, undo.as_ref())
        .await?;
    state.federation.delivery.wake();
    Ok(())
}
