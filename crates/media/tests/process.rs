//! Real images of each accepted type, made here: metadata never survives, a bomb is
//! refused before it is decoded, and a file is what its bytes say.

use std::io::Cursor;

use hamlet_media::{
    MediaError, MediaKind, MediaLimits, ProfilePicture, process_attachment, process_profile_picture,
};
use hamlet_testkit::images::{
    SECRET_PLACE, contains, encoded, jpeg_with_exif, photo, png_claiming, png_with_metadata,
};
use image::codecs::gif::{GifEncoder, Repeat};
use image::{DynamicImage, Frame, ImageFormat, Rgba, RgbaImage};

fn assert_clean(bytes: &[u8]) {
    assert!(!contains(bytes, SECRET_PLACE), "the secret survived");
    assert!(!contains(bytes, b"Exif\0\0"), "an EXIF block survived");
    assert!(
        !contains(bytes, b"eXIf") && !contains(bytes, b"tEXt"),
        "a PNG metadata chunk survived"
    );
}

#[test]
fn a_phone_photo_loses_its_location_and_stands_upright() {
    let upload = jpeg_with_exif(&photo(40, 20), 6);
    assert!(
        contains(&upload, SECRET_PLACE),
        "the test image carries the secret"
    );
    // The upload really is readable with its metadata (the decoder sees orientation 6).
    let processed = process_attachment(&upload, &MediaLimits::default()).unwrap();
    assert_eq!(processed.kind, MediaKind::Image);
    assert_eq!(processed.original.content_type, "image/jpeg");
    assert_clean(&processed.original.bytes);
    // Orientation 6 (rotate 90° clockwise) was applied before the tag was dropped.
    assert_eq!(processed.original.size, Some((20, 40)));
    let thumbnail = processed.thumbnail.unwrap();
    assert_clean(&thumbnail.bytes);
    let hash = processed.blurhash.unwrap();
    assert_eq!(hash.len(), 6 + 2 * (4 * 3 - 1), "a 4×3 blurhash: {hash}");
    let decoded = image::load_from_memory(&processed.original.bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (20, 40));
}

#[test]
fn png_text_and_exif_chunks_are_dropped_and_transparency_kept() {
    let image = DynamicImage::ImageRgba8(RgbaImage::from_fn(30, 30, |x, _| {
        Rgba([200, 10, 10, if x < 15 { 0 } else { 255 }])
    }));
    let upload = png_with_metadata(&image);
    assert!(
        image::load_from_memory(&upload).is_ok(),
        "the test PNG is valid"
    );
    let processed = process_attachment(&upload, &MediaLimits::default()).unwrap();
    assert_eq!(processed.original.content_type, "image/png");
    assert_clean(&processed.original.bytes);
    let decoded = image::load_from_memory(&processed.original.bytes).unwrap();
    assert_eq!(
        decoded.to_rgba8().get_pixel(0, 0)[3],
        0,
        "still transparent"
    );
}

#[test]
fn webp_and_gif_are_accepted_and_animations_stay_animated() {
    let webp = encoded(&photo(16, 16), ImageFormat::WebP);
    let processed = process_attachment(&webp, &MediaLimits::default()).unwrap();
    assert_eq!(
        processed.original.content_type, "image/jpeg",
        "opaque WebP becomes JPEG"
    );

    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        encoder.set_repeat(Repeat::Infinite).unwrap();
        let frames =
            (0..3).map(|n| Frame::new(RgbaImage::from_pixel(8, 8, Rgba([n * 80, 0, 0, 255]))));
        encoder.encode_frames(frames).unwrap();
    }
    let processed = process_attachment(&gif, &MediaLimits::default()).unwrap();
    assert_eq!(processed.original.content_type, "image/gif");
    let frames = image::codecs::gif::GifDecoder::new(Cursor::new(&processed.original.bytes))
        .map(|d| image::AnimationDecoder::into_frames(d).count())
        .unwrap();
    assert_eq!(frames, 3);
    assert_eq!(processed.thumbnail.unwrap().content_type, "image/jpeg");
}

#[test]
fn decompression_bombs_are_refused_before_decoding() {
    let limits = MediaLimits::default();
    let bomb = png_claiming(100_000, 100_000);
    assert!(bomb.len() < 200, "a tiny file");
    assert_eq!(
        process_attachment(&bomb, &limits).unwrap_err(),
        MediaError::TooManyPixels {
            limit: limits.image_pixels
        }
    );
    assert!(process_profile_picture(&bomb, ProfilePicture::Avatar, &limits).is_err());
    // A GIF whose frames add up to too much is refused too.
    let tight = MediaLimits {
        animation_pixels: 8 * 8 * 2,
        ..limits
    };
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        let frames = (0..3).map(|_| Frame::new(RgbaImage::from_pixel(8, 8, Rgba([0, 0, 0, 255]))));
        encoder.encode_frames(frames).unwrap();
    }
    assert!(matches!(
        process_attachment(&gif, &tight),
        Err(MediaError::TooManyPixels { .. })
    ));
    // And a file over the byte limit is not even opened.
    let small_limit = MediaLimits {
        image_bytes: 100,
        ..limits
    };
    let big = encoded(&photo(64, 64), ImageFormat::Png);
    assert!(matches!(
        process_attachment(&big, &small_limit),
        Err(MediaError::TooLarge { limit: 100 })
    ));
}

#[test]
fn a_file_is_what_its_bytes_say_not_what_it_claims() {
    let limits = MediaLimits::default();
    for lie in [
        &b"<!doctype html><script>alert(document.cookie)</script>"[..],
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
        b"\x89PNG but not really",
    ] {
        assert!(process_attachment(lie, &limits).is_err(), "{lie:?}");
    }
    // A JPEG's magic number in front of garbage is unreadable, not accepted.
    assert_eq!(
        process_attachment(b"\xFF\xD8\xFF\xE0garbage", &limits).unwrap_err(),
        MediaError::Unreadable("JPEG")
    );
    // Audio is kept as it is; it can be no profile picture.
    let mp3 = b"ID3\x04\0\0\0\0\0\0rest of an mp3";
    let processed = process_attachment(mp3, &limits).unwrap();
    assert_eq!(processed.kind, MediaKind::Audio);
    assert_eq!(processed.original.bytes, mp3);
    assert_eq!(
        process_profile_picture(mp3, ProfilePicture::Avatar, &limits).unwrap_err(),
        MediaError::Unsupported
    );
}

#[test]
fn avatars_are_square_and_headers_three_to_one() {
    let limits = MediaLimits::default();
    let upload = jpeg_with_exif(&photo(900, 600), 1);
    let avatar = process_profile_picture(&upload, ProfilePicture::Avatar, &limits).unwrap();
    assert_eq!(avatar.original.size, Some((400, 400)));
    assert_clean(&avatar.original.bytes);
    let header = process_profile_picture(&upload, ProfilePicture::Header, &limits).unwrap();
    // Cropped to 3:1 and never scaled up.
    assert_eq!(header.original.size, Some((900, 300)));
    let wide = jpeg_with_exif(&photo(3000, 600), 1);
    let header = process_profile_picture(&wide, ProfilePicture::Header, &limits).unwrap();
    assert_eq!(header.original.size, Some((1500, 500)));
}
