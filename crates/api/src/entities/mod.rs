//! Mastodon's JSON entities, field for field as `shared/specs/mastodon-openapi.schema.json`
//! describes them. Built from `hamlet_core` types; nothing outside this crate sees them.

mod account;
mod application;
mod instance;
mod token;

pub use account::{Account, CredentialAccount, Role};
pub use application::{Application, CredentialApplication};
pub use instance::{InstanceFacts, InstanceV1, InstanceV2};
pub use token::Token;
