//! Security headers on every response, and CORS for the configured origins
//! only.
//!
//! Cross-site form posts cannot reach the executor: `POST /graphql` takes
//! only `application/json` bodies (a form can send only
//! `application/x-www-form-urlencoded`, `multipart/form-data` or
//! `text/plain`, all refused with 415), JSON from another origin needs a
//! CORS preflight that only listed origins pass, `GET` never runs a
//! mutation (405), and credentials travel in the `Authorization` header,
//! which browsers never attach on their own.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{HeaderName, HeaderValue, Method, Response, header},
};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    set_header::SetResponseHeaderLayer,
};

use super::REQUEST_ID_HEADER;
use crate::{
    config::Settings,
    schema::{LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER},
};

/// The policy of data responses: nothing may load, nothing may frame them.
pub const API_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of HTML pages: scripts and styles of this origin only (no
/// inline script, no `eval`), the fonts and images that GraphiQL's
/// stylesheet inlines as `data:` URLs, and requests to this origin only
/// (HTTP and WebSocket).
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The policy of the dashboard page: its modules, stylesheet and icon from
/// this origin, requests (HTTP and its WebSocket) to this origin only;
/// nothing inline, no `eval`, no `data:` URL.
pub const DASHBOARD_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// [`PAGE_POLICY`], also admitting the `<style>` elements tagged with
/// `nonce`: GraphiQL's dialogs inject one to lock scrolling, and the page
/// hands it a fresh nonce per response rather than allowing every inline
/// style.
pub fn page_policy_with_style_nonce(nonce: &str) -> String {
    PAGE_POLICY.replacen(
        "style-src 'self'",
        &format!("style-src 'self' 'nonce-{nonce}'"),
        1,
    )
}

/// How long browsers may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

fn content_security_policy(response: &Response<Body>) -> Option<HeaderValue> {
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|content_type| content_type.starts_with("text/html"));
    Some(HeaderValue::from_static(if is_page {
        PAGE_POLICY
    } else {
        API_POLICY
    }))
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok());
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::ACCEPT,
            HeaderName::from_static(REQUEST_ID_HEADER),
            HeaderName::from_static("apollographql-client-name"),
            HeaderName::from_static("apollographql-client-version"),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            HeaderName::from_static(REQUEST_ID_HEADER),
            HeaderName::from_static(LIMIT_HEADER),
            HeaderName::from_static(REMAINING_HEADER),
            HeaderName::from_static(RESET_HEADER),
        ])
        .max_age(PREFLIGHT_MAX_AGE)
}

/// Wraps `router` in CORS (when origins are configured) and the security
/// headers (outermost, so that preflight answers carry them too).
pub fn apply(router: Router, settings: &Settings) -> Router {
    let http = &settings.http;
    let router = if http.cors_origins.0.is_empty() {
        router
    } else {
        router.layer(cors(&http.cors_origins.0))
    };
    let router = if http.hsts_max_age.as_secs() > 0 {
        let hsts = format!("max-age={}; includeSubDomains", http.hsts_max_age.as_secs());
        match HeaderValue::from_str(&hsts) {
            Ok(value) => router.layer(SetResponseHeaderLayer::overriding(
                header::STRICT_TRANSPORT_SECURITY,
                value,
            )),
            Err(_) => router,
        }
    } else {
        router
    };
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            content_security_policy,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_style_nonce_is_admitted_by_style_src_only() {
        let policy = page_policy_with_style_nonce("n0nce");

        assert_eq!(policy.matches("'nonce-n0nce'").count(), 1, "{policy}");
        assert!(
            policy.contains("style-src 'self' 'nonce-n0nce';"),
            "{policy}"
        );
        assert_eq!(
            policy.replace(" 'nonce-n0nce'", ""),
            PAGE_POLICY,
            "{policy}"
        );
    }
}
