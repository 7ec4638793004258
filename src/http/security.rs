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

use axum::http::{HeaderName, HeaderValue, Method, Response, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::REQUEST_ID;
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

/// The headers every response carries. Applied in one step after the
/// handler (not one layer per header), as they are on every request.
#[derive(Clone)]
pub struct SecurityHeaders {
    /// `Strict-Transport-Security`, when configured.
    hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    /// The headers `settings` ask for.
    pub fn new(settings: &Settings) -> Self {
        let max_age = settings.http.hsts_max_age.as_secs();
        let hsts = (max_age > 0)
            .then(|| HeaderValue::from_str(&format!("max-age={max_age}; includeSubDomains")).ok())
            .flatten();
        Self { hsts }
    }

    /// Sets the fixed headers, and the content security policy unless the
    /// handler chose one (pages with a style nonce do).
    pub fn apply<B>(&self, mut response: Response<B>) -> Response<B> {
        let headers = response.headers_mut();
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            let is_page = headers
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|content_type| content_type.starts_with("text/html"));
            let policy = if is_page { PAGE_POLICY } else { API_POLICY };
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(policy),
            );
        }
        for (name, value) in [
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        if let Some(hsts) = &self.hsts {
            headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
        }
        response
    }
}

/// CORS for the configured origins; none when no origin is listed.
pub fn cors(settings: &Settings) -> Option<CorsLayer> {
    let origins = &settings.http.cors_origins.0;
    if origins.is_empty() {
        return None;
    }
    let origins = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok());
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::ACCEPT,
                REQUEST_ID,
                HeaderName::from_static("apollographql-client-name"),
                HeaderName::from_static("apollographql-client-version"),
            ])
            .expose_headers([
                header::RETRY_AFTER,
                REQUEST_ID,
                HeaderName::from_static(LIMIT_HEADER),
                HeaderName::from_static(REMAINING_HEADER),
                HeaderName::from_static(RESET_HEADER),
            ])
            .max_age(PREFLIGHT_MAX_AGE),
    )
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
