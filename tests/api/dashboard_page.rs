//! The live dashboard page is served from the binary, in every
//! environment: the page, its modules, stylesheet and icon come from this
//! server only, under a policy that admits no other origin, no `eval` and
//! no inline script, and that lets the page reach its own WebSocket.

use std::collections::BTreeSet;

use reqwest::{StatusCode, header::HeaderMap};
use storefront::{config::Environment, seed::Scale};

use crate::helpers::{TestApp, spawn_app, spawn_with};

/// The one absolute URL the files may hold: SVG's namespace, a name that
/// browsers never fetch.
const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

fn value<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

async fn fetch(app: &TestApp, path: &str, accept: &str) -> (HeaderMap, String) {
    let response = app.get_page(path, accept).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let headers = response.headers().clone();
    (headers, response.text().await.expect("body"))
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

/// The modules a script imports (`from './x.js'`), as absolute paths
/// beside `path`.
fn imports(path: &str, script: &str) -> Vec<String> {
    let folder = &path[..=path.rfind('/').expect("an absolute path")];
    script
        .split("from '")
        .skip(1)
        .filter_map(|rest| rest.split('\'').next())
        .map(|module| {
            let relative = module
                .strip_prefix("./")
                .unwrap_or_else(|| panic!("{path} imports {module}, not a sibling module"));
            format!("{folder}{relative}")
        })
        .collect()
}

/// The page and every file it loads, directly or through imports, with
/// each file's headers and text.
async fn every_file(app: &TestApp) -> Vec<(String, HeaderMap, String)> {
    let (headers, html) = fetch(app, "/dashboard", "text/html").await;
    let mut pending: Vec<String> = linked_urls(&html);
    let mut seen = BTreeSet::new();
    let mut files = vec![("/dashboard".to_owned(), headers, html)];
    while let Some(path) = pending.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let (headers, text) = fetch(app, &path, "*/*").await;
        if path.ends_with(".js") {
            pending.extend(imports(&path, &text));
        }
        files.push((path, headers, text));
    }
    files
}

#[tokio::test]
async fn the_dashboard_page_is_an_html_page_with_a_title_a_language_and_no_inline_script() {
    let app = spawn_app().await;
    let (headers, html) = fetch(&app, "/dashboard", "text/html").await;

    assert!(
        value(&headers, "content-type").starts_with("text/html"),
        "{headers:?}"
    );
    assert_eq!(value(&headers, "cache-control"), "no-cache");
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("<title>"), "{html}");
    for script in html.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(" src=\"/dashboard/"),
            "an inline script: {script}"
        );
        assert!(script.starts_with(&format!("{tag}></script>")), "{script}");
    }
    for label in ["<label for=\"email\">", "<label for=\"password\">"] {
        assert!(html.contains(label), "no {label} in {html}");
    }
    assert!(html.contains("aria-live=\"polite\""), "{html}");
}

#[tokio::test]
async fn the_dashboard_policy_admits_this_origin_only_and_no_eval_or_inline_code() {
    let app = spawn_app().await;
    let (headers, _) = fetch(&app, "/dashboard", "text/html").await;
    let policy = value(&headers, "content-security-policy");

    let mut directives = std::collections::BTreeMap::new();
    for directive in policy.split(';').map(str::trim) {
        let mut parts = directive.split_whitespace();
        let name = parts.next().unwrap_or_default();
        let sources: Vec<&str> = parts.collect();
        for source in &sources {
            assert!(
                matches!(*source, "'self'" | "'none'"),
                "`{directive}` allows {source}: {policy}"
            );
        }
        directives.insert(name, sources);
    }
    assert_eq!(directives["default-src"], ["'none'"], "{policy}");
    // 'self' admits ws:/wss: on the page's own host and port (CSP Level 3),
    // which is where the page opens its WebSocket.
    for name in ["script-src", "style-src", "connect-src", "img-src"] {
        assert_eq!(directives[name], ["'self'"], "{name}: {policy}");
    }
    for name in ["frame-ancestors", "base-uri", "form-action"] {
        assert_eq!(directives[name], ["'none'"], "{name}: {policy}");
    }
}

#[tokio::test]
async fn dashboard_modules_styles_and_icon_are_served_with_their_content_types() {
    let app = spawn_app().await;
    let files = every_file(&app).await;
    let paths: Vec<&str> = files.iter().map(|(path, _, _)| path.as_str()).collect();
    for expected in [
        "/dashboard/main.js",
        "/dashboard/socket.js",
        "/dashboard/session.js",
        "/dashboard/chart.js",
        "/dashboard/dashboard.css",
        "/dashboard/icon.svg",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {paths:?}");
    }

    for (path, headers, text) in &files[1..] {
        let expected = match path.rsplit_once('.').map(|(_, extension)| extension) {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("svg") => "image/svg+xml",
            _ => panic!("the page loads {path}: not a module, stylesheet or icon"),
        };
        assert_eq!(value(headers, "content-type"), expected, "{path}");
        assert_eq!(value(headers, "cache-control"), "no-cache", "{path}");
        assert!(!text.is_empty(), "{path} is empty");
    }
}

#[tokio::test]
async fn no_external_url_appears_in_the_dashboard_or_its_files() {
    let app = spawn_app().await;

    for (path, _, text) in every_file(&app).await {
        let text = text.replace(SVG_NAMESPACE, "");
        for scheme in ["http://", "https://", "ws://", "wss://", "url("] {
            assert!(!text.contains(scheme), "{path} holds {scheme}…");
        }
        if path == "/dashboard" {
            for url in linked_urls(&text) {
                assert!(
                    url.starts_with("/dashboard/") && !url.starts_with("//"),
                    "the page links to {url}"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_dashboard_page_is_served_in_production_too() {
    let app = spawn_with(Scale::Tiny.plan(), Environment::Production).await;

    for path in [
        "/dashboard",
        "/dashboard/main.js",
        "/dashboard/dashboard.css",
    ] {
        assert_eq!(
            app.get_page(path, "*/*").await.status(),
            StatusCode::OK,
            "{path}"
        );
    }
}

#[tokio::test]
async fn unknown_dashboard_files_are_not_found() {
    let app = spawn_app().await;

    for path in [
        "/dashboard/no-such-module.js",
        "/dashboard/..%2F..%2FCargo.toml",
        "/dashboard/page.html",
        "/dashboard/",
    ] {
        assert_eq!(
            app.get_page(path, "*/*").await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}
