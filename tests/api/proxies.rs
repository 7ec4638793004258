//! The client address behind reverse proxies: `Forwarded` and
//! `X-Forwarded-For` count only when the socket peer is a trusted proxy,
//! and then the rightmost untrusted hop is the client that the per-IP
//! sign-in limit and the anonymous cost budget apply to.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app_with};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

const LOGIN: &str = "mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }";

/// One wrong-password sign-in attempt, for a fresh account each time so
/// that only the per-IP limit can refuse it, sent with `forwarding` headers.
async fn attempt_login(app: &TestApp, attempt: usize, forwarding: &[(&str, &str)]) -> Reply {
    let body = json!({
        "query": LOGIN,
        "variables": { "input": { "email": format!("nobody{attempt}@example.com"), "password": "wrong-password" } },
    });
    post(app, body, forwarding).await
}

async fn post(app: &TestApp, body: Value, forwarding: &[(&str, &str)]) -> Reply {
    let mut headers = vec![
        ("content-type", "application/json"),
        ("accept", GRAPHQL_RESPONSE),
    ];
    headers.extend_from_slice(forwarding);
    app.post_with(body.to_string(), &headers).await
}

fn code(reply: &Reply) -> &str {
    reply.body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {}", reply.body))
}

fn assert_wrong_password(reply: &Reply) {
    assert_eq!(code(reply), "UNAUTHENTICATED", "{}", reply.body);
}

fn assert_rate_limited(reply: &Reply) {
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(code(reply), "RATE_LIMITED", "{}", reply.body);
}

#[tokio::test]
async fn an_untrusted_peer_cannot_spoof_its_address_with_forwarding_headers() {
    let app = spawn_app_with(|settings| settings.limits.login_limit_per_ip = 2).await;

    assert_wrong_password(&attempt_login(&app, 0, &[("x-forwarded-for", "203.0.113.1")]).await);
    assert_wrong_password(&attempt_login(&app, 1, &[("forwarded", "for=203.0.113.2")]).await);
    let third = attempt_login(
        &app,
        2,
        &[
            ("x-forwarded-for", "203.0.113.3"),
            ("forwarded", "for=\"[2001:db8::3]:4711\""),
        ],
    )
    .await;

    assert_rate_limited(&third);
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_and_each_client_has_its_own_sign_in_limit() {
    let app = spawn_app_with(|settings| {
        settings.limits.login_limit_per_ip = 2;
        settings.http.trusted_proxies = "10.0.0.0/8, 127.0.0.1".parse().expect("CIDR list");
    })
    .await;

    // The leftmost entries are whatever the client wrote; the rightmost
    // untrusted one is what the (trusted) proxies saw.
    for (attempt, chain) in [
        "198.51.100.66, 203.0.113.1",
        "192.0.2.99, 203.0.113.1, 10.1.2.3",
    ]
    .into_iter()
    .enumerate()
    {
        assert_wrong_password(&attempt_login(&app, attempt, &[("x-forwarded-for", chain)]).await);
    }
    assert_rate_limited(&attempt_login(&app, 2, &[("x-forwarded-for", "203.0.113.1")]).await);

    let other_client = attempt_login(
        &app,
        3,
        &[(
            "forwarded",
            "for=\"[2001:db8::7]:4711\";proto=https, for=10.9.8.7",
        )],
    )
    .await;
    assert_wrong_password(&other_client);
    let third_client = attempt_login(&app, 4, &[("x-forwarded-for", "203.0.113.2")]).await;
    assert_wrong_password(&third_client);
}

#[tokio::test]
async fn anonymous_clients_behind_a_trusted_proxy_spend_separate_budgets() {
    let app = spawn_app_with(|settings| {
        settings.limits.rate_limit_budget = 100;
        settings.limits.rate_limit_window = Duration::from_secs(10_000_000);
        settings.http.trusted_proxies = "127.0.0.0/8".parse().expect("CIDR list");
    })
    .await;
    let page = json!({ "query": "{ products(first: 5) { nodes { id } } }" });
    let first_client = [("x-forwarded-for", "203.0.113.10")];

    let mut answered = 0;
    let refused = loop {
        let reply = post(&app, page.clone(), &first_client).await;
        if reply.status != StatusCode::OK {
            break reply;
        }
        assert!(reply.body.get("errors").is_none(), "{}", reply.body);
        answered += 1;
        assert!(answered < 100, "the budget of 100 was never spent");
    };
    assert_rate_limited(&refused);

    let second_client = post(&app, page.clone(), &[("x-forwarded-for", "203.0.113.11")]).await;
    assert_eq!(
        second_client.status,
        StatusCode::OK,
        "{}",
        second_client.body
    );
    assert_eq!(
        second_client.body["data"]["products"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(5),
        "{}",
        second_client.body
    );
    assert_rate_limited(&post(&app, page, &first_client).await);
}
