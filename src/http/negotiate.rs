//! Content negotiation of the GraphQL over HTTP spec.

use axum::{
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};

/// The two response media types the spec defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseMedia {
    /// `application/graphql-response+json`: request errors get a 4xx status.
    GraphqlResponseJson,
    /// `application/json`: the legacy type; always 200 once the request parses.
    Json,
}

impl ResponseMedia {
    /// The `Content-Type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }

    /// `response`, whose body is JSON, labelled with this media type.
    pub fn label(self, mut response: Response) -> Response {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type()),
        );
        response
    }
}

struct MediaRange<'a> {
    essence: &'a str,
    quality: f32,
}

fn media_ranges(headers: &HeaderMap) -> impl Iterator<Item = MediaRange<'_>> {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|range| {
            let mut parts = range.split(';').map(str::trim);
            let essence = parts.next().filter(|essence| !essence.is_empty())?;
            let quality = parts
                .filter_map(|param| param.strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            Some(MediaRange { essence, quality })
        })
}

/// The response type for the request's `Accept` header: the most preferred
/// supported one, `application/json` when `Accept` is absent or `*/*`, and
/// `None` when nothing acceptable is supported (406).
pub fn response_media(headers: &HeaderMap) -> Option<ResponseMedia> {
    let mut ranges = media_ranges(headers).peekable();
    if ranges.peek().is_none() {
        return Some(ResponseMedia::Json);
    }
    let mut best: Option<(f32, ResponseMedia)> = None;
    for range in ranges {
        let is = |media: &str| range.essence.eq_ignore_ascii_case(media);
        let media = if is("application/graphql-response+json") {
            ResponseMedia::GraphqlResponseJson
        } else if is("application/json") || is("application/*") || is("*/*") {
            ResponseMedia::Json
        } else {
            continue;
        };
        if range.quality > 0.0 && best.is_none_or(|(quality, _)| range.quality > quality) {
            best = Some((range.quality, media));
        }
    }
    best.map(|(_, media)| media)
}

/// Whether a browser is asking for a page rather than data.
pub fn wants_html(headers: &HeaderMap) -> bool {
    media_ranges(headers)
        .next()
        .is_some_and(|range| range.essence.eq_ignore_ascii_case("text/html"))
}

/// Whether the request body is declared as JSON (the only type accepted, so
/// that cross-site `text/plain` and form posts never reach the executor).
pub fn is_json_body(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let mut parts = content_type.split(';').map(str::trim);
    let essence_ok = parts
        .next()
        .is_some_and(|essence| essence.eq_ignore_ascii_case("application/json"));
    let charset_ok = parts.all(|param| match param.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    });
    essence_ok && charset_ok
}
