//! Operations that span several steps (validation, slow hashing, storage), shared by the
//! API handlers and the command line.

pub mod members;
pub mod resolve;
pub mod statuses;
