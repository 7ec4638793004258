//! HTTP caching of GET answers. A public operation (only public fields, no
//! errors) asked anonymously may be kept by browsers and CDNs for
//! `STOREFRONT_HTTP_CACHE_MAX_AGE`; anything else is `private, no-store`.
//! A successful public answer carries an `ETag` (a hash of its `data`), and
//! an `If-None-Match` that names it gets `304 Not Modified` without the
//! body. Persisted queries (`http::persisted`) keep such URLs short.

use std::time::Duration;

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::{
    graphql::{Answer, json_response},
    negotiate::ResponseMedia,
};
use crate::domain::digest::sha256_hex;

/// What a cache may do with one GET answer.
fn policy(shared: bool, max_age: Duration) -> HeaderValue {
    if shared && !max_age.is_zero() {
        let value = format!("public, max-age={}", max_age.as_secs());
        HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("private, no-store"))
    } else {
        HeaderValue::from_static("private, no-store")
    }
}

/// Whether `If-None-Match` names `etag` (or any version, with `*`).
fn not_modified(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

/// The HTTP response to a GET operation's `answer`; `shared` when the
/// operation was public and asked anonymously.
pub(super) fn get_response(
    request: &HeaderMap,
    answer: Answer,
    media: ResponseMedia,
    shared: bool,
    max_age: Duration,
) -> Response {
    let ok = answer.status == StatusCode::OK;
    let etag = answer
        .data_json
        .as_deref()
        .filter(|_| ok)
        .map(|data| format!("\"{}\"", &sha256_hex(data)[..32]));
    let mut response = match &etag {
        Some(etag) if not_modified(request, etag) => StatusCode::NOT_MODIFIED.into_response(),
        _ => json_response(answer.status, media, answer.body),
    };
    let headers = response.headers_mut();
    headers.extend(answer.headers);
    headers.insert(header::CACHE_CONTROL, policy(shared && ok, max_age));
    // The body depends on the negotiated media type, and whether it may be
    // shared on the caller's credentials.
    headers.insert(
        header::VARY,
        HeaderValue::from_static("accept, authorization"),
    );
    if let Some(etag) = etag.and_then(|etag| HeaderValue::from_str(&etag).ok()) {
        headers.insert(header::ETAG, etag);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_any() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"b\""),
        );
        assert!(not_modified(&headers, "\"b\""));
        assert!(!not_modified(&headers, "\"c\""));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(not_modified(&headers, "\"c\""));
    }

    #[test]
    fn only_shared_answers_are_public() {
        let minute = Duration::from_secs(60);
        assert_eq!(policy(true, minute), "public, max-age=60");
        assert_eq!(policy(false, minute), "private, no-store");
        assert_eq!(policy(true, Duration::ZERO), "private, no-store");
    }
}
