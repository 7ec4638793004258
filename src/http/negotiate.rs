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
    let mut values = headers.get_all(header::ACCEPT).iter();
    match (values.next(), values.next()) {
        (None, _) => Some(ResponseMedia::Json),
        (Some(only), None) => sole_media(only.as_bytes()).or_else(|| parsed_media(headers)),
        _ => parsed_media(headers),
    }
}

/// The response type of an `Accept` header that is one bare media type,
/// which is what clients nearly always send, read without splitting it
/// into ranges and parameters (that parse was about a thousand
/// instructions, paid twice per request). `None` for anything else.
fn sole_media(value: &[u8]) -> Option<ResponseMedia> {
    if value.eq_ignore_ascii_case(b"application/graphql-response+json") {
        Some(ResponseMedia::GraphqlResponseJson)
    } else if value.eq_ignore_ascii_case(b"application/json") || value == b"*/*" {
        Some(ResponseMedia::Json)
    } else {
        None
    }
}

/// [`response_media`] by parsing every media range with its quality.
fn parsed_media(headers: &HeaderMap) -> Option<ResponseMedia> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::ACCEPT, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn a_sole_media_type_answers_as_the_full_parse_does() {
        for value in [
            "application/json",
            "APPLICATION/JSON",
            "application/graphql-response+json",
            "Application/GraphQL-Response+JSON",
            "*/*",
        ] {
            let headers = accepting(&[value]);
            assert!(sole_media(value.as_bytes()).is_some(), "{value}");
            assert_eq!(response_media(&headers), parsed_media(&headers), "{value}");
        }
    }

    #[test]
    fn anything_else_is_parsed() {
        for values in [
            &["text/html"][..],
            &["application/json;q=0"],
            &["application/json, application/graphql-response+json;q=0.9"],
            &["application/graphql-response+json;q=0.5, application/json"],
            &["application/json", "application/graphql-response+json"],
            &["application/*"],
            &[""],
        ] {
            let headers = accepting(values);
            if let [only] = values {
                assert!(sole_media(only.as_bytes()).is_none(), "{values:?}");
            }
            assert_eq!(
                response_media(&headers),
                parsed_media(&headers),
                "{values:?}"
            );
        }
        assert_eq!(response_media(&accepting(&["application/json;q=0"])), None);
        assert_eq!(
            response_media(&accepting(&[
                "application/graphql-response+json;q=0.5, application/json"
            ])),
            Some(ResponseMedia::Json)
        );
        assert_eq!(response_media(&HeaderMap::new()), Some(ResponseMedia::Json));
    }
}
