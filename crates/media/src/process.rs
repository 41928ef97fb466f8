//! Turning an upload into what Hamlet stores: the kind decided by content, images
//! decoded within limits (a decompression bomb is refused before its pixels are
//! allocated), turned upright and re-encoded so that no metadata survives (EXIF, GPS,
//! comments, colour profiles), a thumbnail and a blurhash. Video and audio are kept as
//! they are, within their size limit.

use std::io::Cursor;

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{AnimationDecoder, DynamicImage, Frame, ImageDecoder, ImageFormat, ImageReader};

pub use hamlet_core::media::MediaKind;

use crate::sniff::{Sniffed, sniff};

/// How much an upload may be and cost to decode.
#[derive(Clone, Copy, Debug)]
pub struct MediaLimits {
    /// Largest image file, in bytes.
    pub image_bytes: u64,
    /// Most pixels (width times height) an image may have.
    pub image_pixels: u64,
    /// Most pixels all the frames of an animation may have together.
    pub animation_pixels: u64,
    /// Largest video or audio file, in bytes.
    pub video_bytes: u64,
    /// Most memory the decoder may allocate.
    pub decoder_bytes: u64,
}

impl Default for MediaLimits {
    fn default() -> MediaLimits {
        MediaLimits {
            image_bytes: hamlet_core::limits::IMAGE_SIZE_LIMIT,
            image_pixels: hamlet_core::limits::IMAGE_MATRIX_LIMIT,
            animation_pixels: 4 * hamlet_core::limits::IMAGE_MATRIX_LIMIT,
            video_bytes: hamlet_core::limits::VIDEO_SIZE_LIMIT,
            decoder_bytes: 512 * 1024 * 1024,
        }
    }
}

/// Why an upload was refused. The messages are for the person who uploaded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MediaError {
    #[error(
        "this kind of file is not supported (JPEG, PNG, GIF, WebP, MP4, WebM, Ogg and MP3 are)"
    )]
    Unsupported,
    #[error("the file is too large (at most {limit} bytes)")]
    TooLarge { limit: u64 },
    #[error("the image has too many pixels (at most {limit})")]
    TooManyPixels { limit: u64 },
    #[error("the file could not be read as {0}")]
    Unreadable(&'static str),
}

/// One encoded file with its type.
#[derive(Clone, Debug)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub extension: &'static str,
    /// Pixels, for images.
    pub size: Option<(u32, u32)>,
}

/// An upload, ready to store.
#[derive(Clone, Debug)]
pub struct Processed {
    pub kind: MediaKind,
    pub original: Encoded,
    /// A small still image, for images.
    pub thumbnail: Option<Encoded>,
    pub blurhash: Option<String>,
}

/// The longest side of a thumbnail.
const THUMBNAIL_SIDE: u32 = 640;
/// Avatars are square, headers 3:1, as on Mastodon.
const AVATAR_SIDE: u32 = 400;
const HEADER_SIZE: (u32, u32) = (1500, 500);
const JPEG_QUALITY: u8 = 85;

/// An attachment: any accepted kind.
pub fn process_attachment(bytes: &[u8], limits: &MediaLimits) -> Result<Processed, MediaError> {
    let kind = sniff(bytes).ok_or(MediaError::Unsupported)?;
    if !kind.is_image() {
        if bytes.len() as u64 > limits.video_bytes {
            return Err(MediaError::TooLarge {
                limit: limits.video_bytes,
            });
        }
        let media_kind = match kind {
            Sniffed::Ogg | Sniffed::Mp3 => MediaKind::Audio,
            _ => MediaKind::Video,
        };
        return Ok(Processed {
            kind: media_kind,
            original: Encoded {
                bytes: bytes.to_vec(),
                content_type: kind.content_type(),
                extension: kind.extension(),
                size: None,
            },
            thumbnail: None,
            blurhash: None,
        });
    }
    if kind == Sniffed::Gif {
        let frames = decode_gif(bytes, limits)?;
        if frames.len() > 1 {
            return animated(frames);
        }
        let still = frames
            .into_iter()
            .next()
            .ok_or(MediaError::Unreadable("GIF"))?;
        return still_image(DynamicImage::ImageRgba8(still.into_buffer()));
    }
    still_image(decode(bytes, kind, limits)?)
}

/// Which picture of a profile an upload becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfilePicture {
    Avatar,
    Header,
}

/// An avatar or header: a still image, cropped to its shape.
pub fn process_profile_picture(
    bytes: &[u8],
    picture: ProfilePicture,
    limits: &MediaLimits,
) -> Result<Processed, MediaError> {
    let kind = sniff(bytes)
        .filter(|k| k.is_image())
        .ok_or(MediaError::Unsupported)?;
    let image = if kind == Sniffed::Gif {
        let first = decode_gif(bytes, limits)?
            .into_iter()
            .next()
            .ok_or(MediaError::Unreadable("GIF"))?;
        DynamicImage::ImageRgba8(first.into_buffer())
    } else {
        decode(bytes, kind, limits)?
    };
    let (width, height) = match picture {
        ProfilePicture::Avatar => (AVATAR_SIDE, AVATAR_SIDE),
        ProfilePicture::Header => HEADER_SIZE,
    };
    let cropped = crop_to(&image, width, height);
    let original = encode_still(&cropped)?;
    Ok(Processed {
        kind: MediaKind::Image,
        blurhash: blurhash_of(&cropped),
        original,
        thumbnail: None,
    })
}

/// The largest centred part of `image` with the shape of `width`×`height`, scaled down
/// to that size if it is larger (never up).
fn crop_to(image: &DynamicImage, width: u32, height: u32) -> DynamicImage {
    let (w, h) = (image.width(), image.height());
    let (crop_w, crop_h) = if u64::from(w) * u64::from(height) > u64::from(h) * u64::from(width) {
        (
            (u64::from(h) * u64::from(width) / u64::from(height)) as u32,
            h,
        )
    } else {
        (
            w,
            (u64::from(w) * u64::from(height) / u64::from(width)) as u32,
        )
    };
    let (crop_w, crop_h) = (crop_w.max(1), crop_h.max(1));
    let cropped = image.crop_imm((w - crop_w) / 2, (h - crop_h) / 2, crop_w, crop_h);
    if crop_w > width {
        cropped.resize_exact(width, height, FilterType::Lanczos3)
    } else {
        cropped
    }
}

fn check_size(bytes: &[u8], limits: &MediaLimits) -> Result<(), MediaError> {
    if bytes.len() as u64 > limits.image_bytes {
        return Err(MediaError::TooLarge {
            limit: limits.image_bytes,
        });
    }
    Ok(())
}

fn check_pixels(width: u32, height: u32, limit: u64) -> Result<(), MediaError> {
    if u64::from(width) * u64::from(height) > limit || width == 0 || height == 0 {
        return Err(MediaError::TooManyPixels { limit });
    }
    Ok(())
}

fn decoder_limits(limits: &MediaLimits) -> image::Limits {
    let mut decoder = image::Limits::default();
    decoder.max_alloc = Some(limits.decoder_bytes);
    decoder
}

/// A still image, upright, with its dimensions checked before any pixel is decoded.
fn decode(bytes: &[u8], kind: Sniffed, limits: &MediaLimits) -> Result<DynamicImage, MediaError> {
    check_size(bytes, limits)?;
    let (format, name) = match kind {
        Sniffed::Jpeg => (ImageFormat::Jpeg, "JPEG"),
        Sniffed::Png => (ImageFormat::Png, "PNG"),
        Sniffed::WebP => (ImageFormat::WebP, "WebP"),
        Sniffed::Gif => (ImageFormat::Gif, "GIF"),
        _ => return Err(MediaError::Unsupported),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decoder_limits(limits));
    let mut decoder = reader
        .into_decoder()
        .map_err(|_| MediaError::Unreadable(name))?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height, limits.image_pixels)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|_| MediaError::Unreadable(name))?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Every frame of a GIF, bounded in pixels per frame and in all.
fn decode_gif(bytes: &[u8], limits: &MediaLimits) -> Result<Vec<Frame>, MediaError> {
    check_size(bytes, limits)?;
    let mut decoder =
        GifDecoder::new(Cursor::new(bytes)).map_err(|_| MediaError::Unreadable("GIF"))?;
    decoder
        .set_limits(decoder_limits(limits))
        .map_err(|_| MediaError::TooManyPixels {
            limit: limits.image_pixels,
        })?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height, limits.image_pixels)?;
    let per_frame = u64::from(width) * u64::from(height);
    let mut frames = Vec::new();
    let mut pixels = 0u64;
    for frame in decoder.into_frames() {
        pixels += per_frame;
        if pixels > limits.animation_pixels {
            return Err(MediaError::TooManyPixels {
                limit: limits.animation_pixels,
            });
        }
        frames.push(frame.map_err(|_| MediaError::Unreadable("GIF"))?);
    }
    Ok(frames)
}

/// Whether any pixel is at all transparent (an alpha channel may be all opaque).
fn is_transparent(image: &DynamicImage) -> bool {
    image.color().has_alpha() && image.to_rgba8().pixels().any(|p| p[3] < u8::MAX)
}

/// JPEG when the image is opaque, PNG when it has transparency.
fn encode_still(image: &DynamicImage) -> Result<Encoded, MediaError> {
    let mut bytes = Vec::new();
    let (content_type, extension) = if is_transparent(image) {
        image
            .write_with_encoder(PngEncoder::new(&mut bytes))
            .map_err(|_| MediaError::Unreadable("an image"))?;
        ("image/png", "png")
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY))
            .map_err(|_| MediaError::Unreadable("an image"))?;
        ("image/jpeg", "jpg")
    };
    Ok(Encoded {
        bytes,
        content_type,
        extension,
        size: Some((image.width(), image.height())),
    })
}

fn blurhash_of(image: &DynamicImage) -> Option<String> {
    let small = image.thumbnail(32, 32).to_rgba8();
    blurhash::encode(4, 3, small.width(), small.height(), small.as_raw()).ok()
}

fn thumbnail_of(image: &DynamicImage) -> Result<Encoded, MediaError> {
    let small = if image.width() > THUMBNAIL_SIDE || image.height() > THUMBNAIL_SIDE {
        image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        image.clone()
    };
    encode_still(&small)
}

fn still_image(image: DynamicImage) -> Result<Processed, MediaError> {
    Ok(Processed {
        kind: MediaKind::Image,
        original: encode_still(&image)?,
        thumbnail: Some(thumbnail_of(&image)?),
        blurhash: blurhash_of(&image),
    })
}

/// An animated GIF, its frames written again (no comments or application blocks).
fn animated(frames: Vec<Frame>) -> Result<Processed, MediaError> {
    let first = DynamicImage::ImageRgba8(frames[0].buffer().clone());
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut bytes);
        encoder
            .set_repeat(Repeat::Infinite)
            .map_err(|_| MediaError::Unreadable("GIF"))?;
        encoder
            .encode_frames(frames)
            .map_err(|_| MediaError::Unreadable("GIF"))?;
    }
    Ok(Processed {
        kind: MediaKind::Image,
        original: Encoded {
            bytes,
            content_type: "image/gif",
            extension: "gif",
            size: Some((first.width(), first.height())),
        },
        thumbnail: Some(thumbnail_of(&first)?),
        blurhash: blurhash_of(&first),
    })
}
