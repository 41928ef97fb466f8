//! ActivityPub for Hamlet: the ActivityStreams vocabulary as other servers really send
//! it (lenient parsing), HTTP signatures (draft-cavage and RFC 9421), the one outbound
//! HTTP client every remote request goes through, and the server-to-server endpoints
//! (discovery, actors).
//!
//! Nothing here knows Mastodon's client API; SQL stays in `hamlet-store`.

pub mod client;
pub mod discovery;
pub mod instance;
pub mod routes;
pub mod signature;
pub mod vocab;
