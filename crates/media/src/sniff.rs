//! What a file is, decided by its first bytes alone: never by its name or the type the
//! uploader declared, which anyone can make up.

/// A kind of file Hamlet accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
    Gif,
    WebP,
    Mp4,
    WebM,
    Ogg,
    Mp3,
}

impl Sniffed {
    /// The type of a file of this kind, as served.
    pub fn content_type(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "image/jpeg",
            Sniffed::Png => "image/png",
            Sniffed::Gif => "image/gif",
            Sniffed::WebP => "image/webp",
            Sniffed::Mp4 => "video/mp4",
            Sniffed::WebM => "video/webm",
            Sniffed::Ogg => "audio/ogg",
            Sniffed::Mp3 => "audio/mpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "jpg",
            Sniffed::Png => "png",
            Sniffed::Gif => "gif",
            Sniffed::WebP => "webp",
            Sniffed::Mp4 => "mp4",
            Sniffed::WebM => "webm",
            Sniffed::Ogg => "ogg",
            Sniffed::Mp3 => "mp3",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(
            self,
            Sniffed::Jpeg | Sniffed::Png | Sniffed::Gif | Sniffed::WebP
        )
    }
}

/// The kind of `bytes`, or `None` for anything Hamlet does not accept (HTML, SVG,
/// scripts, archives, ...).
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(Sniffed::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Sniffed::Png)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Sniffed::Gif)
    } else if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(Sniffed::WebP)
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        Some(Sniffed::Mp4)
    } else if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some(Sniffed::WebM)
    } else if starts(b"OggS") {
        Some(Sniffed::Ogg)
    } else if starts(b"ID3") || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        Some(Sniffed::Mp3)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_first_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Sniffed::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(Sniffed::Png));
        assert_eq!(sniff(b"GIF89a..."), Some(Sniffed::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Sniffed::WebP));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42"), Some(Sniffed::Mp4));
        assert_eq!(sniff(b"\x1A\x45\xDF\xA3"), Some(Sniffed::WebM));
        assert_eq!(sniff(b"OggS\0"), Some(Sniffed::Ogg));
        assert_eq!(sniff(b"ID3\x04"), Some(Sniffed::Mp3));
    }

    #[test]
    fn pages_scripts_and_vector_images_are_not_media() {
        for refused in [
            &b"<!doctype html><script>alert(1)</script>"[..],
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            b"PK\x03\x04zip",
            b"",
            b"RIFF\0\0\0\0WAVE",
            b"alert(1)",
        ] {
            assert_eq!(sniff(refused), None, "{refused:?}");
        }
    }
}
