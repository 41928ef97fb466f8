//! Hamlet's domain: identifiers, accounts, roles, OAuth scopes, secrets and the rules
//! that govern them. Everything here is pure computation: no database, no network, no
//! file system. Other crates turn untrusted input into these types once, at their edge.

pub mod account;
pub mod audience;
pub mod community;
pub mod filter;
pub mod id;
pub mod keys;
pub mod limits;
pub mod media;
pub mod notification;
pub mod password;
pub mod role;
pub mod sanitize;
pub mod scope;
pub mod secret;
pub mod status;
pub mod text;
pub mod time;
pub mod username;
pub mod visibility;

pub use id::Id;
pub use time::Timestamp;

/// The version Hamlet reports to clients and peers.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The Mastodon API version Hamlet implements, as clients parse it from the instance
/// entity's `version` (`4.3.0 (compatible; Hamlet X.Y.Z)`).
pub const MASTODON_COMPAT_VERSION: &str = "4.3.0";

pub fn version_string() -> String {
    format!("{MASTODON_COMPAT_VERSION} (compatible; Hamlet {VERSION})")
}
