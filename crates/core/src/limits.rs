//! Limits Hamlet reports to clients and enforces. One place, so that what the instance
//! entity announces is what the endpoints do.

pub const MAX_MEDIA_ATTACHMENTS: u32 = 4;
pub const CHARACTERS_RESERVED_PER_URL: u32 = 23;
pub const MAX_PINNED_STATUSES: u32 = 5;
pub const MAX_FEATURED_TAGS: u32 = 10;

pub const IMAGE_SIZE_LIMIT: u64 = 16 * 1024 * 1024;
/// Pixels (width times height) an image may have.
pub const IMAGE_MATRIX_LIMIT: u64 = 33_177_600;
pub const VIDEO_SIZE_LIMIT: u64 = 99 * 1024 * 1024;
pub const VIDEO_MATRIX_LIMIT: u64 = 8_294_400;
pub const VIDEO_FRAME_RATE_LIMIT: u32 = 120;
pub const MEDIA_DESCRIPTION_LIMIT: u32 = 1500;
pub const SUPPORTED_MIME_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/webm",
    "audio/mpeg",
    "audio/ogg",
];

pub const POLL_MAX_OPTIONS: u32 = 4;
pub const POLL_MAX_CHARACTERS_PER_OPTION: u32 = 50;
pub const POLL_MIN_EXPIRATION_SECS: u64 = 300;
pub const POLL_MAX_EXPIRATION_SECS: u64 = 2_629_746;
