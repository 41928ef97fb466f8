//! Operations that span several steps (validation, slow hashing, storage), shared by the
//! API handlers, the web interface and the command line.

pub mod community;
pub mod interactions;
pub mod media;
pub mod members;
pub mod relationships;
pub mod resolve;
pub mod statuses;
