//! Media attached to posts, as every part of Hamlet sees them once stored.

use crate::{Id, Timestamp};

/// What a stored file is, in Mastodon's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Video,
    Audio,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
        }
    }

    pub fn parse(stored: &str) -> Option<MediaKind> {
        match stored {
            "image" => Some(MediaKind::Image),
            "video" => Some(MediaKind::Video),
            "audio" => Some(MediaKind::Audio),
            _ => None,
        }
    }
}

/// Where the eye should rest when a picture is cropped: Mastodon's focal point, from
/// -1.0 (left, bottom) to 1.0 (right, top), kept in thousandths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Focus {
    x: i32,
    y: i32,
}

impl Focus {
    /// From thousandths, clamped to -1000..=1000.
    pub fn from_thousandths(x: i32, y: i32) -> Focus {
        Focus {
            x: x.clamp(-1000, 1000),
            y: y.clamp(-1000, 1000),
        }
    }

    /// From Mastodon's `focus` parameter, `"x,y"` with each in -1.0..=1.0.
    pub fn parse(input: &str) -> Option<Focus> {
        let (x, y) = input.split_once(',')?;
        let read = |v: &str| -> Option<i32> {
            let v: f64 = v.trim().parse().ok()?;
            (v.is_finite() && (-1.0..=1.0).contains(&v)).then(|| (v * 1000.0).round() as i32)
        };
        Some(Focus {
            x: read(x)?,
            y: read(y)?,
        })
    }

    pub fn x_thousandths(self) -> i32 {
        self.x
    }

    pub fn y_thousandths(self) -> i32 {
        self.y
    }

    pub fn x(self) -> f64 {
        f64::from(self.x) / 1000.0
    }

    pub fn y(self) -> f64 {
        f64::from(self.y) / 1000.0
    }
}

/// Longest description (alt text), in characters.
pub const MAX_DESCRIPTION_CHARS: usize = crate::limits::MEDIA_DESCRIPTION_LIMIT as usize;

/// An alt text as a member wrote it: trimmed, bounded.
pub fn description(input: &str) -> Result<String, String> {
    let text = input.trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(format!(
            "description is too long (maximum is {MAX_DESCRIPTION_CHARS} characters)"
        ));
    }
    Ok(text.to_owned())
}

/// A stored media file with what describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaAttachment {
    pub id: Id,
    pub account_id: Id,
    /// The post it belongs to; `None` until a post is written with it.
    pub status_id: Option<Id>,
    pub kind: MediaKind,
    /// The key of the file in the media storage (served under `/media/`); `None` for
    /// another server's file not copied here yet.
    pub file_key: Option<String>,
    pub content_type: String,
    pub file_size: u64,
    pub size: Option<(u32, u32)>,
    pub thumbnail_key: Option<String>,
    pub thumbnail_size: Option<(u32, u32)>,
    pub description: String,
    pub focus: Focus,
    pub blurhash: Option<String>,
    /// Where another server's file lives; `None` for uploads.
    pub remote_url: Option<String>,
    /// The random name of another server's attachment under `/media/cache/`.
    pub cache_token: Option<String>,
    /// When copying another server's file last failed.
    pub failed_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn focal_points_are_two_numbers_from_minus_one_to_one() {
        assert_eq!(
            Focus::parse("0.5,-0.25"),
            Some(Focus::from_thousandths(500, -250))
        );
        assert_eq!(
            Focus::parse(" -1 , 1 "),
            Some(Focus::from_thousandths(-1000, 1000))
        );
        for bad in [
            "",
            "0.5",
            "2,0",
            "0,-1.5",
            "x,y",
            "NaN,0",
            "inf,0",
            "0.5,0.5,0.5",
        ] {
            assert_eq!(Focus::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Focus::from_thousandths(5000, -5000),
            Focus::from_thousandths(1000, -1000)
        );
    }

    #[test]
    fn descriptions_are_bounded() {
        assert_eq!(description("  a cat  ").unwrap(), "a cat");
        assert!(description(&"x".repeat(MAX_DESCRIPTION_CHARS + 1)).is_err());
    }
}
