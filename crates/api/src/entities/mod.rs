//! Mastodon's JSON entities, field for field as `shared/specs/mastodon-openapi.schema.json`
//! describes them. Built from `hamlet_core` types; nothing outside this crate sees them.

mod account;
mod application;
mod filter;
mod instance;
mod media;
mod notification;
mod relationship;
mod status;
mod token;

pub use account::{Account, CredentialAccount, Role, profile_url};
pub use application::{Application, CredentialApplication};
pub use filter::{Filter, FilterKeyword, FilterResult, FilterStatus};
pub use instance::{InstanceFacts, InstanceV1, InstanceV2, Rule};
pub use media::MediaAttachment;
pub use notification::{Marker, Notification};
pub use relationship::Relationship;
pub use status::{
    Conversation, Hashtag, Mention, Status, StatusApplication, StatusEdit, StatusSource, Tag,
};
pub use token::Token;
