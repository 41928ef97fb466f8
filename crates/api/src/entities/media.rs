use hamlet_core::media::MediaAttachment as Stored;
use serde::Serialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::service::media::{remote_url, url};

/// Mastodon's `MediaAttachment`.
#[derive(Serialize, Debug, Clone)]
pub struct MediaAttachment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    pub meta: Value,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

fn dimensions((width, height): (u32, u32)) -> Value {
    json!({
        "width": width,
        "height": height,
        "aspect": f64::from(width) / f64::from(height.max(1)),
    })
}

impl MediaAttachment {
    pub fn new(state: &AppState, media: &Stored) -> MediaAttachment {
        let mut meta = serde_json::Map::new();
        if let Some(size) = media.size {
            meta.insert("original".into(), dimensions(size));
        }
        if let Some(size) = media.thumbnail_size {
            meta.insert("small".into(), dimensions(size));
        }
        meta.insert(
            "focus".into(),
            json!({"x": media.focus.x(), "y": media.focus.y()}),
        );
        let (url, preview_url) = match &media.remote_url {
            // Another server's file is served from here, copied on first request.
            Some(_) => (
                remote_url(state, media, "original"),
                (media.kind == hamlet_core::media::MediaKind::Image)
                    .then(|| remote_url(state, media, "small")),
            ),
            None => (
                media
                    .file_key
                    .as_deref()
                    .map(|key| url(state, key))
                    .unwrap_or_default(),
                media.thumbnail_key.as_deref().map(|key| url(state, key)),
            ),
        };
        MediaAttachment {
            id: media.id.to_string(),
            kind: media.kind.as_str(),
            url: Some(url),
            preview_url,
            remote_url: media.remote_url.clone(),
            meta: Value::Object(meta),
            description: (!media.description.is_empty()).then(|| media.description.clone()),
            blurhash: media.blurhash.clone(),
        }
    }
}
