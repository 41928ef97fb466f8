//! ActivityPub for Hamlet: the ActivityStreams vocabulary as other servers really send
//! it (lenient parsing), HTTP signatures (draft-cavage and RFC 9421), the one outbound
//! HTTP client every remote request goes through, and the server-to-server endpoints
//! (discovery, actors).
//!
//! Nothing here knows Mastodon's client API; SQL stays in `hamlet-store`.

pub mod actors;
pub mod client;
pub mod collections;
pub mod delivery;
pub mod discovery;
pub mod fetch;
pub mod inbound;
pub mod inbox;
pub mod instance;
pub mod outbox;
pub mod routes;
pub mod signature;
pub mod signer;
pub mod vocab;
