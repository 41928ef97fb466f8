//! All of Hamlet's SQL. One [`Store`] type talks to SQLite (the default) or PostgreSQL;
//! the engine in use never shows outside this crate. Queries are written once in the
//! SQL both engines accept (`$1` placeholders, `RETURNING`, `ON CONFLICT`) and run on
//! whichever pool is open; where the dialects differ, the difference stays here.
//!
//! Methods take and return `hamlet_core` types: rows are private to this crate.

#[macro_use]
mod db;
#[macro_use]
mod audience;
// `deliveries` before `accounts`: its `enqueue_outbound!` is used there.
#[macro_use]
mod deliveries;
#[macro_use]
mod accounts;
mod community;
mod conversations;
mod edits;
mod error;
mod federation;
mod filters;
mod inbox;
mod interactions;
mod media;
mod notifications;
mod oauth;
mod relationships;
mod remote_accounts;
pub mod schema;
mod search;
mod sessions;
mod setup;
mod statuses;

pub use accounts::{MemberFilter, NewMember};
pub use community::CommunitySettings;
pub use conversations::Conversation;
pub use db::{Engine, Store};
pub use deliveries::{
    ClaimedDelivery, DeliveryQueueStats, DeliveryTargets, DomainHealth, LocalSigningKey, Outbound,
    PendingDelivery,
};
pub use edits::{StatusEdit, Version};
pub use error::{Conflict, StoreError};
pub use federation::{InstanceKeys, LocalUsage};
pub use filters::{FilterUpdate, KeywordChange, NewFilter};
pub use interactions::Mark;
pub use media::{CachedFile, MediaStats, NewMedia, RemoteMedia, RemotePicture};
pub use notifications::{Marker, NotificationFilter};
pub use oauth::{
    AccessToken, Application, AuthorizationCode, AuthorizedApplication, CodeRedemption,
    NewAccessToken, NewApplication, NewAuthorizationCode,
};
pub use relationships::{FollowOutcome, ListKind, Listed, Relationship};
pub use remote_accounts::{RemoteAccount, RemoteAccountUpsert};
pub use setup::FirstAdminError;
pub use statuses::{
    AccountStatusFilter, Created, NewStatus, Page, RemoteOrigin, StatsFor, StatusApplication,
    StatusCounts,
};
