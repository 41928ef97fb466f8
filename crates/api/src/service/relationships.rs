//! Following, blocking and muting, for the API and the web interface alike: the checks
//! Mastodon makes, and the `Follow`, `Block` or `Undo` to a remote account committed
//! with the change.

use hamlet_core::Timestamp;
use hamlet_core::account::{Account, Member};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// What a follower asks for besides the follow itself.
#[derive(Clone, Copy, Debug)]
pub struct FollowOptions {
    /// Show the account's boosts in the home timeline.
    pub reblogs: bool,
    /// Be notified of the account's posts.
    pub notify: bool,
}

impl Default for FollowOptions {
    fn default() -> FollowOptions {
        FollowOptions {
            reblogs: true,
            notify: false,
        }
    }
}

/// `member` follows `target` (or asks to: locked and remote accounts approve first).
/// Following again changes only the options.
pub async fn follow(
    state: &AppState,
    member: &Member,
    target: &Account,
    options: FollowOptions,
) -> ApiResult<()> {
    // Mastodon's FollowService: following oneself is "Record not found".
    if target.id == member.account.id || target.is_suspended() {
        return Err(ApiError::NotFound);
    }
    let now = Timestamp::now();
    let current = state
        .store
        .relationships(member.account.id, &[target.id], now)
        .await?;
    let current = current.first().copied().unwrap_or_default();
    if current.blocking || current.blocked_by {
        return Err(ApiError::Forbidden("This action is not allowed".into()));
    }
    // A remote account answers with Accept or Reject: until then the follow is a
    // request, whatever its profile says.
    let remote = target.remote.is_some();
    // A Follow goes to a remote account unless already following (then only the
    // options change).
    let follow = match current.following {
        true => None,
        false => state.federation.follow_outbound(&member.account, target)?,
    };
    state
        .store
        .follow(
            member.account.id,
            target.id,
            target.locked || remote,
            options.reblogs,
            options.notify,
            now,
            follow.as_ref().map(|(uri, _)| uri.as_str()),
            follow.as_ref().map(|(_, outbound)| outbound),
        )
        .await?;
    state.federation.delivery.wake();
    Ok(())
}

/// `member` stops following `target` (or withdraws a request). Unfollowing oneself does
/// nothing.
pub async fn unfollow(state: &AppState, member: &Member, target: &Account) -> ApiResult<()> {
    if target.id == member.account.id {
        return Ok(());
    }
    let follow_uri = state.store.follow_uri(member.account.id, target.id).await?;
    let undo = state
        .federation
        .unfollow_outbound(&member.account, target, follow_uri)?;
    state
        .store
        .unfollow(member.account.id, target.id, undo.as_ref())
        .await?;
    state.federation.delivery.wake();
    Ok(())
}

/// `member` answers `requester`'s follow request: accepted (they follow now) or
/// rejected. A remote requester's server is sent the `Accept` or `Reject` with the
/// change. 404 when there is no such request.
pub async fn answer_follow_request(
    state: &AppState,
    member: &Member,
    requester: &Account,
    accept: bool,
) -> ApiResult<()> {
    let follow_uri = state
        .store
        .follow_uri(requester.id, member.account.id)
        .await?;
    let remote = state.store.remote_account_by_id(requester.id).await?;
    let answer = match (&remote, accept) {
        (Some(remote), true) => {
            state
                .federation
                .accept_outbound(&member.account, remote, follow_uri)?
        }
        (Some(remote), false) => {
            state
                .federation
                .reject_outbound(&member.account, remote, follow_uri)?
        }
        (None, _) => None,
    };
    let done = if accept {
        state
            .store
            .authorize_follow_request(
                member.account.id,
                requester.id,
                Timestamp::now(),
                answer.as_ref(),
            )
            .await?
    } else {
        state
            .store
            .reject_follow_request(member.account.id, requester.id, answer.as_ref())
            .await?
    };
    if !done {
        return Err(ApiError::NotFound);
    }
    state.federation.delivery.wake();
    Ok(())
}

/// `member` blocks `target`: follows end both ways, and a remote account is sent the
/// `Block` in the same transaction. Blocking oneself changes nothing (as on Mastodon).
pub async fn block(state: &AppState, member: &Member, target: &Account) -> ApiResult<()> {
    if target.id == member.account.id {
        return Ok(());
    }
    let block = state.federation.block_outbound(&member.account, target)?;
    state
        .store
        .insert_block(
            member.account.id,
            target.id,
            Timestamp::now(),
            block.as_ref(),
        )
        .await?;
    state.federation.delivery.wake();
    Ok(())
}

/// `member` unblocks `target` (and a remote account is sent the `Undo`).
pub async fn unblock(state: &AppState, member: &Member, target: &Account) -> ApiResult<()> {
    if target.id == member.account.id {
        return Ok(());
    }
    let undo = state
        .federation
        .undo_block_outbound(&member.account, target)?;
    state
        .store
        .unblock(member.account.id, target.id, undo.as_ref())
        .await?;
    state.federation.delivery.wake();
    Ok(())
}

/// `member` mutes `target` until `expires_at` (or until unmuted); muting hides their
/// posts and, if `notifications`, their notifications. Nothing is sent anywhere.
pub async fn mute(
    state: &AppState,
    member: &Member,
    target: &Account,
    notifications: bool,
    expires_at: Option<Timestamp>,
) -> ApiResult<()> {
    if target.id == member.account.id {
        return Ok(());
    }
    state
        .store
        .mute(
            member.account.id,
            target.id,
            notifications,
            expires_at,
            Timestamp::now(),
        )
        .await?;
    Ok(())
}

/// `member` unmutes `target`.
pub async fn unmute(state: &AppState, member: &Member, target: &Account) -> ApiResult<()> {
    if target.id != member.account.id {
        state.store.unmute(member.account.id, target.id).await?;
    }
    Ok(())
}
