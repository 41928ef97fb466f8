//! Hamlet's media: what an upload is (by content), turning it into files that carry no
//! metadata, and where those files are kept.

pub mod process;
pub mod sniff;
pub mod storage;

pub use process::{
    Encoded, MediaError, MediaKind, MediaLimits, Processed, ProfilePicture, process_attachment,
    process_profile_picture,
};
pub use storage::{MediaStorage, S3Config, StorageError};
