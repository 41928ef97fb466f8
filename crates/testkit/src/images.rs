//! Images for tests, made in code: photos, a phone's JPEG with EXIF location, a PNG
//! with metadata chunks, a decompression bomb.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

pub const SECRET_PLACE: &[u8] = b"GPS 51.4779N 0.0015W Flamsteed House";

pub fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

pub fn photo(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 7) as u8, (y * 5) as u8, ((x + y) * 3) as u8])
    }))
}

/// A big-endian TIFF block with Orientation, an ImageDescription holding the secret and
/// a GPS IFD (GPSLatitudeRef), as cameras and phones write them.
pub fn exif_block(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08");
    // IFD0 at 8: three entries (2 + 3*12 + 4 = 42 bytes), so data starts at 50.
    let description_at: u32 = 8 + 42;
    let gps_at: u32 = description_at + SECRET_PLACE.len() as u32 + 1;
    tiff.extend_from_slice(&3u16.to_be_bytes());
    // ImageDescription (0x010E), ASCII.
    tiff.extend_from_slice(&0x010Eu16.to_be_bytes());
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&(SECRET_PLACE.len() as u32 + 1).to_be_bytes());
    tiff.extend_from_slice(&description_at.to_be_bytes());
    // Orientation (0x0112), SHORT, inline.
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    // GPSInfo (0x8825), LONG offset.
    tiff.extend_from_slice(&0x8825u16.to_be_bytes());
    tiff.extend_from_slice(&4u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&gps_at.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(SECRET_PLACE);
    tiff.push(0);
    // GPS IFD: GPSLatitudeRef "N".
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x0001u16.to_be_bytes());
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&2u32.to_be_bytes());
    tiff.extend_from_slice(b"N\0\0\0");
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff
}

/// A JPEG from a phone: an APP1 EXIF segment right after the start of image.
pub fn jpeg_with_exif(image: &DynamicImage, orientation: u16) -> Vec<u8> {
    let plain = encoded(image, ImageFormat::Jpeg);
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(exif_block(orientation));
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
    jpeg.extend(payload);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

/// A PNG with an eXIf chunk and a text chunk carrying the secret, before IDAT.
pub fn png_with_metadata(image: &DynamicImage) -> Vec<u8> {
    let plain = encoded(image, ImageFormat::Png);
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
        out
    };
    // Signature (8) + IHDR (25).
    let mut png = plain[..33].to_vec();
    png.extend(chunk(b"eXIf", &exif_block(1)));
    let mut text = b"Location\0".to_vec();
    text.extend_from_slice(SECRET_PLACE);
    png.extend(chunk(b"tEXt", &text));
    png.extend_from_slice(&plain[33..]);
    png
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A PNG whose header claims `width`×`height` with almost no data behind it.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let small = encoded(&photo(1, 1), ImageFormat::Png);
    let mut png = small.clone();
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}
