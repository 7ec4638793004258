//! Security headers on every response, CORS for listed origins only, and
//! no way for a cross-site form to reach the executor.

use std::time::Duration;

use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::json;
use storefront::config::Origins;

use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_with};

const SHOP: &str = "https://shop.example.com";
const EVIL: &str = "https://evil.example";

fn value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn assert_secure(headers: &HeaderMap, what: &str) {
    assert_eq!(
        value(headers, "x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(value(headers, "x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        value(headers, "referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
    let policy = value(headers, "content-security-policy").unwrap_or_default();
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{what}: {policy}"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let responses = [
        (
            "graphql",
            app.post_json(json!({ "query": "{ __typename }" }), "application/json")
                .await
                .headers,
        ),
        (
            "415",
            app.post_raw("query=x".to_owned(), "text/plain", "application/json")
                .await
                .headers,
        ),
        (
            "healthz",
            app.get_page("/healthz", "*/*").await.headers().clone(),
        ),
        (
            "404",
            app.get_page("/no-such-page", "*/*").await.headers().clone(),
        ),
    ];

    for (what, headers) in &responses {
        assert_secure(headers, what);
        let policy = value(headers, "content-security-policy").unwrap_or_default();
        assert!(policy.starts_with("default-src 'none'"), "{what}: {policy}");
        assert!(
            value(headers, "strict-transport-security").is_none(),
            "{what}"
        );
        assert!(
            value(headers, "access-control-allow-origin").is_none(),
            "{what}"
        );
    }
}

#[tokio::test]
async fn every_response_names_its_request_with_the_clients_id_or_a_new_uuid() {
    let app = spawn_app().await;
    let sent = "client-chosen-id-42";
    let echoed = [
        (
            "graphql",
            app.post_with(
                json!({ "query": "{ __typename }" }).to_string(),
                &[
                    ("content-type", "application/json"),
                    ("accept", "application/json"),
                    ("x-request-id", sent),
                ],
            )
            .await
            .headers,
        ),
        (
            "415",
            app.post_with(
                "query=x".to_owned(),
                &[("content-type", "text/plain"), ("x-request-id", sent)],
            )
            .await
            .headers,
        ),
    ];
    for (what, headers) in &echoed {
        assert_eq!(value(headers, "x-request-id"), Some(sent), "{what}");
    }

    let mut generated = Vec::new();
    for _ in 0..2 {
        let graphql = app
            .post_json(json!({ "query": "{ __typename }" }), "application/json")
            .await;
        let missing = app.get_page("/no-such-page", "*/*").await;
        for headers in [&graphql.headers, missing.headers()] {
            let id = value(headers, "x-request-id").unwrap_or_default();
            assert!(uuid::Uuid::parse_str(id).is_ok(), "{id:?} is a UUID");
            generated.push(id.to_owned());
        }
    }
    generated.sort();
    generated.dedup();
    assert_eq!(generated.len(), 4, "each request gets its own id");
}

#[tokio::test]
async fn strict_transport_security_is_sent_when_configured() {
    let app = spawn_app_with(|settings| {
        settings.http.hsts_max_age = Duration::from_secs(31_536_000);
    })
    .await;

    let health = app.get_page("/healthz", "*/*").await;

    assert_eq!(
        value(health.headers(), "strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization",
        )
        .send()
        .await
        .expect("preflight")
}

/// A POST from `origin` carrying `content_type`, as a page there would send it.
async fn cross_origin_post(app: &TestApp, origin: &str, content_type: &str, body: String) -> Reply {
    app.post_with(body, &[("origin", origin), ("content-type", content_type)])
        .await
}

/// A JSON operation POSTed from a page at `origin`.
async fn cross_origin_json(app: &TestApp, origin: &str) -> Reply {
    let body = json!({ "query": "{ __typename }" }).to_string();
    cross_origin_post(app, origin, "application/json", body).await
}

#[tokio::test]
async fn listed_origins_get_cors_and_others_do_not() {
    let app = spawn_app_with(|settings| {
        settings.http.cors_origins =
            Origins(vec![SHOP.to_owned(), "http://localhost:3000".to_owned()]);
    })
    .await;

    let allowed = preflight(&app, SHOP).await;
    assert!(allowed.status().is_success());
    let headers = allowed.headers();
    assert_eq!(value(headers, "access-control-allow-origin"), Some(SHOP));
    let methods = value(headers, "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("POST"), "{methods}");
    let allowed_headers = value(headers, "access-control-allow-headers").unwrap_or_default();
    for name in ["content-type", "authorization"] {
        assert!(allowed_headers.contains(name), "{allowed_headers}");
    }
    assert!(value(headers, "access-control-allow-credentials").is_none());
    assert_secure(headers, "preflight");

    let post = cross_origin_json(&app, SHOP).await;
    assert_eq!(post.status, StatusCode::OK);
    assert_eq!(
        value(&post.headers, "access-control-allow-origin"),
        Some(SHOP)
    );
    let exposed = value(&post.headers, "access-control-expose-headers").unwrap_or_default();
    for name in ["retry-after", "x-request-id", "x-ratelimit-remaining"] {
        assert!(exposed.contains(name), "{exposed}");
    }

    for headers in [
        preflight(&app, EVIL).await.headers().clone(),
        cross_origin_json(&app, EVIL).await.headers,
    ] {
        assert!(
            value(&headers, "access-control-allow-origin").is_none(),
            "{headers:?}"
        );
    }
}

#[tokio::test]
async fn without_listed_origins_no_origin_gets_cross_origin_access() {
    let app = spawn_app().await;

    let refused = preflight(&app, SHOP).await;
    assert!(!refused.status().is_success());
    assert!(value(refused.headers(), "access-control-allow-origin").is_none());

    let post = cross_origin_json(&app, SHOP).await;
    assert!(value(&post.headers, "access-control-allow-origin").is_none());
}

#[tokio::test]
async fn cross_site_form_posts_never_reach_the_executor() {
    let app = spawn_app().await;
    let mutation = "mutation { deleteProduct(id: \"UHJvZHVjdDox\") }";

    for (content_type, body) in [
        (
            "application/x-www-form-urlencoded",
            format!("query={}", mutation.replace(' ', "+")),
        ),
        (
            "multipart/form-data; boundary=x",
            format!(
                "--x\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\n{mutation}\r\n--x--\r\n"
            ),
        ),
        ("text/plain", json!({ "query": mutation }).to_string()),
    ] {
        let reply = cross_origin_post(&app, EVIL, content_type, body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        assert!(value(&reply.headers, "access-control-allow-origin").is_none());
        let body = reply.body;
        assert!(body.is_object(), "{body}");
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
}
