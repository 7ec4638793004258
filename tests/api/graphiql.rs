//! GraphiQL is served from the binary: the page loads only scripts and
//! styles of this server, under a policy that allows no other origin, no
//! `eval` and no inline script.

use reqwest::{StatusCode, header::HeaderMap};
use storefront::{config::Environment, seed::Scale};

use crate::helpers::{TestApp, spawn_app, spawn_with};

fn value<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// The GraphiQL page as a browser asks for it, with its headers.
async fn page(app: &TestApp, path: &str) -> (HeaderMap, String) {
    let response = app
        .get_page(path, "text/html,application/xhtml+xml,*/*;q=0.8")
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let headers = response.headers().clone();
    (headers, response.text().await.expect("page"))
}

/// Every `src` and `href` attribute value of `html`.
fn linked_urls(html: &str) -> Vec<String> {
    ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| html.split(attribute).skip(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The page's scripts and stylesheets: every linked URL but the inline icon.
fn assets(html: &str) -> Vec<String> {
    linked_urls(html)
        .into_iter()
        .filter(|url| !url.starts_with("data:"))
        .collect()
}

#[tokio::test]
async fn the_graphiql_page_links_only_to_assets_of_this_server() {
    let app = spawn_app().await;

    for path in ["/", "/graphql"] {
        let (headers, html) = page(&app, path).await;
        assert!(
            value(&headers, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert!(html.contains("id=\"graphiql\""), "{path}: {html}");
        assert!(!html.contains("<script>"), "an inline script: {html}");
        let urls = linked_urls(&html);
        assert!(!urls.is_empty(), "{html}");
        for url in urls {
            let local = url.starts_with('/') && !url.starts_with("//");
            assert!(local || url == "data:,", "{path} links to {url}");
        }
    }
}

#[tokio::test]
async fn graphiql_scripts_and_styles_are_served_with_their_content_types() {
    let app = spawn_app().await;
    let (_, html) = page(&app, "/").await;
    let assets = assets(&html);
    assert!(
        assets.iter().any(|url| url.ends_with("/graphiql.min.js")),
        "{assets:?}"
    );
    assert!(
        assets.iter().any(|url| url.ends_with("/graphiql.min.css")),
        "{assets:?}"
    );

    for url in assets {
        let response = app.get_page(&url, "*/*").await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let content_type = value(response.headers(), "content-type").to_owned();
        let expected = if url.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else if url.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            panic!("the page links to {url}, neither a script nor a stylesheet")
        };
        assert_eq!(content_type, expected, "{url}");
        assert!(
            !response.bytes().await.expect("body").is_empty(),
            "{url} is empty"
        );
    }
}

#[tokio::test]
async fn vendored_bundles_are_cached_for_long_and_the_bootstrap_is_revalidated() {
    let app = spawn_app().await;
    let (page_headers, html) = page(&app, "/").await;
    assert_eq!(value(&page_headers, "cache-control"), "no-cache");

    for url in assets(&html) {
        let response = app.get_page(&url, "*/*").await;
        let cache = value(response.headers(), "cache-control");
        // A vendored file's path names its package version, so a new version
        // is a new URL and the old one may be kept for good.
        if url.contains('@') {
            assert_eq!(cache, "public, max-age=31536000, immutable", "{url}");
        } else {
            assert_eq!(cache, "no-cache", "{url}");
        }
    }
}

#[tokio::test]
async fn the_graphiql_page_policy_allows_no_eval_no_inline_script_and_no_other_origin() {
    let app = spawn_app().await;
    let (headers, _) = page(&app, "/").await;
    let policy = value(&headers, "content-security-policy");

    assert!(!policy.contains("unsafe-eval"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let mut script_src = None;
    for directive in policy.split(';').map(str::trim) {
        let mut parts = directive.split_whitespace();
        let name = parts.next().unwrap_or_default();
        let sources: Vec<&str> = parts.collect();
        for source in &sources {
            // Keywords are quoted; the only scheme allowed is `data:` (the
            // fonts and images inlined in GraphiQL's stylesheet).
            let keyword = source.starts_with('\'') && source.ends_with('\'');
            assert!(
                keyword || *source == "data:",
                "`{directive}` allows the origin {source}"
            );
        }
        if name == "script-src" {
            script_src = Some(sources);
        }
    }
    assert_eq!(script_src, Some(vec!["'self'"]), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
}

/// The nonce that `policy`'s `style-src` admits.
fn style_nonce(policy: &str) -> String {
    policy
        .split(';')
        .map(str::trim)
        .find(|directive| directive.starts_with("style-src "))
        .and_then(|directive| directive.split("'nonce-").nth(1))
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no style nonce in {policy}"))
        .to_owned()
}

#[tokio::test]
async fn each_graphiql_page_hands_its_bootstrap_a_fresh_style_nonce() {
    let app = spawn_app().await;

    let mut nonces = Vec::new();
    for _ in 0..2 {
        let (headers, html) = page(&app, "/").await;
        let nonce = style_nonce(value(&headers, "content-security-policy"));
        assert!(nonce.len() >= 22, "a guessable nonce: {nonce}");
        assert!(
            html.contains(&format!("/graphiql/start.js\" nonce=\"{nonce}\"")),
            "{html}"
        );
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1]);
}

#[tokio::test]
async fn graphiql_and_its_assets_are_absent_in_production() {
    let development = spawn_app().await;
    let (_, html) = page(&development, "/").await;
    let production = spawn_with(Scale::Tiny.plan(), Environment::Production).await;

    assert_eq!(
        production.get_page("/", "text/html").await.status(),
        StatusCode::NOT_FOUND
    );
    for url in assets(&html) {
        assert_eq!(
            production.get_page(&url, "*/*").await.status(),
            StatusCode::NOT_FOUND,
            "{url}"
        );
    }
}

#[tokio::test]
async fn unknown_graphiql_assets_are_not_found() {
    let app = spawn_app().await;

    for path in [
        "/graphiql/no-such-file.js",
        "/graphiql/..%2F..%2FCargo.toml",
    ] {
        assert_eq!(
            app.get_page(path, "*/*").await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}
