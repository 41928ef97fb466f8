//! Static files embedded in the binary: default avatar and header, the instance
//! thumbnail, the stylesheet of the HTML pages.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

pub const DEFAULT_AVATAR_PATH: &str = "/avatars/original/missing.png";
pub const DEFAULT_HEADER_PATH: &str = "/headers/original/missing.png";
pub const THUMBNAIL_PATH: &str = "/assets/thumbnail.png";
pub const STYLESHEET_PATH: &str = "/assets/hamlet.css";

fn asset(content_type: &'static str, body: &'static [u8]) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

pub async fn avatar() -> Response {
    asset("image/png", include_bytes!("../../assets/avatar.png"))
}

pub async fn header() -> Response {
    asset("image/png", include_bytes!("../../assets/header.png"))
}

pub async fn thumbnail() -> Response {
    asset("image/png", include_bytes!("../../assets/thumbnail.png"))
}

pub async fn stylesheet() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_bytes!("../../assets/hamlet.css"),
    )
}
