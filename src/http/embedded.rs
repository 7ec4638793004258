//! Pages and files compiled into the binary (GraphiQL, the dashboard),
//! served alike: one place picks their content types and caching and
//! answers 404 for anything it does not know.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use rust_embed::Embed;

/// A file whose URL names its version (`react@18.3.1/`): another version is
/// another URL, so a browser may keep this one for good.
pub const VERSIONED: &str = "public, max-age=31536000, immutable";

/// Pages and our own files keep their URLs across releases: browsers check
/// them again before each use.
pub const REVALIDATE: &str = "no-cache";

/// An HTML page under its own Content Security Policy, revalidated before
/// each use.
pub fn page(policy: HeaderValue, html: impl Into<String>) -> Response {
    (
        [
            (header::CONTENT_SECURITY_POLICY, policy),
            (header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE)),
        ],
        Html(html.into()),
    )
        .into_response()
}

/// The file at `path` of the embedded folder `E`, with its content type and
/// the `cache` policy; 404 when `E` has no such file or its type is not one
/// a page loads.
pub fn file<E: Embed>(path: &str, cache: &'static str) -> Response {
    let (Some(content_type), Some(file)) = (content_type(path), E::get(path)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
        ],
        file.data,
    )
        .into_response()
}

fn content_type(path: &str) -> Option<&'static str> {
    match path.rsplit_once('.')?.1 {
        "js" => Some("text/javascript; charset=utf-8"),
        "css" => Some("text/css; charset=utf-8"),
        "svg" => Some("image/svg+xml"),
        _ => None,
    }
}
