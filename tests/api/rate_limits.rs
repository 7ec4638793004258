//! Cost budgets and login throttling: refusals are `RATE_LIMITED` with
//! `extensions.retryAfter`, a `Retry-After` header and HTTP 429, sent
//! before any statement, and the server keeps serving.
//!
//! An attempt that passes the throttle must reach the credentials check:
//! the tests assert the answer it then gets (a wrong password is
//! `UNAUTHENTICATED`, a taken email `CONFLICT`), not merely "not limited".

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use storefront::{auth::Role, config::Settings};

use crate::helpers::{
    Reply, TestApp,
    redis_server::{OwnedRedis, keys_matching, unique_prefix},
    spawn_app, spawn_app_with, statements,
};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// A cheap query whose cost the tests read from `extensions.stats`.
const PAGE: &str = "{ products(first: 5) { nodes { id name } } }";
/// A query that costs more than the small budgets below.
const EXPENSIVE: &str = "{ products(first: 100) { nodes { id name sku } } }";

/// Gives `settings` a budget that does not visibly refill while a test runs.
pub(crate) fn budget(settings: &mut Settings, budget: u32) {
    settings.limits.rate_limit_budget = budget;
    settings.limits.rate_limit_window = Duration::from_secs(10_000_000);
}

async fn spawn_with_budget(amount: u32) -> TestApp {
    spawn_app_with(|settings| budget(settings, amount)).await
}

/// The complexity an answered operation spent (`extensions.stats`).
fn complexity(reply: &Reply) -> u64 {
    reply.body["extensions"]["stats"]["complexity"]
        .as_u64()
        .unwrap_or_else(|| panic!("no complexity in {}", reply.body))
}

fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header in {:?}", reply.headers))
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

/// `extensions.code` of every error of one result, in order.
fn codes(body: &Value) -> Vec<&str> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {body}"))
        .iter()
        .map(|error| error["extensions"]["code"].as_str().unwrap_or_default())
        .collect()
}

/// The throttle let `attempts` sign-in attempts through to the password
/// check, and each was answered as a wrong password.
fn assert_wrong_credentials(reply: &Reply, attempts: usize) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        codes(&reply.body),
        vec!["UNAUTHENTICATED"; attempts],
        "{}",
        reply.body
    );
}

fn assert_rate_limited(reply: &Reply) -> u64 {
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(code(&reply.body), "RATE_LIMITED", "{}", reply.body);
    let retry_after = reply.body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap_or_else(|| panic!("no retryAfter in {}", reply.body));
    assert!(retry_after >= 1);
    assert_eq!(header(reply, "retry-after"), retry_after.to_string());
    assert_eq!(
        statements(&reply.body),
        0,
        "a refused operation must not reach the database"
    );
    retry_after
}

async fn post(app: &TestApp, query: &str, variables: Value, accept: &str) -> Reply {
    app.post_json(json!({ "query": query, "variables": variables }), accept)
        .await
}

#[tokio::test]
async fn operations_spend_their_complexity_until_the_budget_is_spent() {
    let app = spawn_with_budget(100).await;

    let first = post(&app, PAGE, json!({}), "application/json").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let cost = complexity(&first);
    assert!(
        cost > 1 && cost < 50,
        "the test needs a cheap query: {cost}"
    );
    assert_eq!(header(&first, "x-ratelimit-limit"), "100");
    assert_eq!(
        header(&first, "x-ratelimit-remaining"),
        (100 - cost).to_string()
    );
    assert!(header(&first, "x-ratelimit-reset").parse::<u64>().is_ok());

    let mut remaining = 100 - cost;
    while remaining >= cost {
        let reply = post(&app, PAGE, json!({}), "application/json").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        remaining -= cost;
        assert_eq!(
            header(&reply, "x-ratelimit-remaining"),
            remaining.to_string()
        );
    }

    let refused = post(&app, PAGE, json!({}), GRAPHQL_RESPONSE).await;
    assert_rate_limited(&refused);
    assert!(refused.body.get("data").is_none(), "{}", refused.body);
    assert_eq!(
        header(&refused, "x-ratelimit-remaining"),
        remaining.to_string()
    );

    let legacy = post(&app, PAGE, json!({}), "application/json").await;
    assert_rate_limited(&legacy);
    assert_eq!(legacy.body["data"], Value::Null);

    let alive = app.get_page("/healthz", "*/*").await;
    assert_eq!(alive.status(), StatusCode::OK);
}

/// Sends the cheap query until the caller's budget refuses it.
async fn spend_all(app: &TestApp, token: &str) {
    for _ in 0..100 {
        let reply = app.gql_as(token, PAGE, json!({})).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert_rate_limited(&reply);
            return;
        }
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    panic!("a budget of 100 never ran out");
}

#[tokio::test]
async fn signed_in_users_spend_their_own_budget_apart_from_their_address() {
    let app = spawn_with_budget(100).await;
    let (_, alice) = app.signed_in(Role::Customer).await;
    let (_, bob) = app.signed_in(Role::Customer).await;

    spend_all(&app, &alice).await;

    let anonymous = post(&app, PAGE, json!({}), "application/json").await;
    assert_eq!(anonymous.status, StatusCode::OK, "{}", anonymous.body);
    assert!(anonymous.body.get("errors").is_none(), "{}", anonymous.body);
    let other = app.gql_as(&bob, PAGE, json!({})).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    assert!(other.body.get("errors").is_none(), "{}", other.body);
}

#[tokio::test]
async fn an_operation_costing_more_than_the_whole_budget_is_refused_without_spending() {
    let app = spawn_with_budget(100).await;

    let refused = post(&app, EXPENSIVE, json!({}), GRAPHQL_RESPONSE).await;
    assert_rate_limited(&refused);

    let cheap = post(&app, PAGE, json!({}), "application/json").await;
    assert_eq!(cheap.status, StatusCode::OK, "{}", cheap.body);
    let cost = complexity(&cheap);
    assert_eq!(
        header(&cheap, "x-ratelimit-remaining"),
        (100 - cost).to_string()
    );
}

#[tokio::test]
async fn each_batched_operation_spends_its_own_cost() {
    let app = spawn_app_with(|settings| {
        budget(settings, 100);
        settings.limits.max_batch_operations = 10;
    })
    .await;
    let probe = post(&app, PAGE, json!({}), "application/json").await;
    let cost = complexity(&probe);
    let affordable = (100 - cost) / cost;
    let batch: Vec<Value> = (0..=affordable).map(|_| json!({ "query": PAGE })).collect();

    let reply = app.post_json(Value::Array(batch), "application/json").await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let results = reply.body.as_array().expect("one result per operation");
    assert_eq!(results.len() as u64, affordable + 1);
    for result in &results[..results.len() - 1] {
        assert!(result.get("errors").is_none(), "{result}");
        assert!(statements(result) > 0);
    }
    let last = &results[results.len() - 1];
    assert_eq!(code(last), "RATE_LIMITED", "{last}");
    assert_eq!(statements(last), 0);
    assert!(header(&reply, "retry-after").parse::<u64>().is_ok());
}

fn aliased_logins(emails: &[String]) -> String {
    let fields: String = emails
        .iter()
        .enumerate()
        .map(|(i, email)| {
            format!(
                "a{i}: login(input: {{ email: \"{email}\", password: \"guess-{i}\" }}) {{ accessToken }} "
            )
        })
        .collect();
    format!("mutation {{ {fields}}}")
}

fn distinct_emails(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("user{i}@example.com")).collect()
}

/// One document with a `login` attempt for each of `emails`.
async fn attempt_logins(app: &TestApp, emails: &[String]) -> Reply {
    post(app, &aliased_logins(emails), json!({}), GRAPHQL_RESPONSE).await
}

#[tokio::test]
async fn a_hundred_aliased_login_attempts_are_refused_before_any_statement() {
    let app = spawn_app().await;

    let reply = attempt_logins(&app, &distinct_emails(100)).await;

    assert!(reply.status.is_client_error(), "{}", reply.body);
    assert!(
        ["QUERY_TOO_COMPLEX", "RATE_LIMITED"].contains(&code(&reply.body)),
        "{}",
        reply.body
    );
    assert!(reply.body.get("data").is_none());
    assert_eq!(statements(&reply.body), 0);
    app.assert_still_serving().await;
}

#[tokio::test]
async fn aliased_attempts_over_the_per_ip_limit_are_rate_limited_before_validation() {
    let app = spawn_app().await;
    let emails = distinct_emails(21);
    let half = emails.len() / 2;
    let mut fields: Vec<String> = Vec::new();
    for (i, email) in emails.iter().enumerate() {
        fields.push(if i < half {
            format!("l{i}: login(input: {{ email: \"{email}\", password: \"p\" }}) {{ accessToken }}")
        } else {
            format!(
                "r{i}: register(input: {{ email: \"{email}\", password: \"p\", name: \"N\" }}) {{ accessToken }}"
            )
        });
    }
    let document = format!("mutation {{ {} }}", fields.join(" "));

    let reply = post(&app, &document, json!({}), GRAPHQL_RESPONSE).await;

    assert_rate_limited(&reply);
    assert!(reply.body.get("data").is_none());
    app.assert_still_serving().await;
}

#[tokio::test]
async fn attempts_within_the_per_ip_limit_pass_the_throttle_and_later_ones_do_not() {
    let app = spawn_app_with(|settings| {
        settings.limits.login_limit_per_ip = 3;
    })
    .await;

    let within = attempt_logins(&app, &distinct_emails(3)).await;
    assert_wrong_credentials(&within, 3);

    let over = attempt_logins(&app, &["late@example.com".to_owned()]).await;
    assert_rate_limited(&over);
}

#[tokio::test]
async fn attempts_naming_one_account_are_limited_across_requests() {
    let app = spawn_app().await;
    let login = "mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }";
    let attempt = |email: &str| json!({ "input": { "email": email, "password": "wrong" } });

    for _ in 0..5 {
        let reply = post(&app, login, attempt("victim@example.com"), GRAPHQL_RESPONSE).await;
        assert_wrong_credentials(&reply, 1);
    }
    let refused = post(
        &app,
        login,
        attempt(" Victim@Example.COM"),
        GRAPHQL_RESPONSE,
    )
    .await;
    assert_rate_limited(&refused);

    let someone_else = post(&app, login, attempt("other@example.com"), GRAPHQL_RESPONSE).await;
    assert_wrong_credentials(&someone_else, 1);
}

#[tokio::test]
async fn registering_someones_email_does_not_lock_them_out_of_signing_in() {
    let app = spawn_app().await;
    let register =
        "mutation Register($input: RegisterInput!) { register(input: $input) { accessToken } }";
    let victim = "user2@example.com";
    for _ in 0..5 {
        let input = json!({ "input": { "email": victim, "password": "0123456789", "name": "X" } });
        let reply = post(&app, register, input, GRAPHQL_RESPONSE).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(codes(&reply.body), ["CONFLICT"], "{}", reply.body);
    }
    let sixth = json!({ "input": { "email": victim, "password": "0123456789", "name": "X" } });
    assert_rate_limited(&post(&app, register, sixth, GRAPHQL_RESPONSE).await);

    let login = app.login(victim, "storefront-demo").await;

    assert!(login["accessToken"].is_string(), "{login}");
}

#[tokio::test]
async fn each_operation_of_a_batch_counts_its_attempts() {
    let app = spawn_app_with(|settings| {
        settings.limits.login_limit_per_ip = 3;
        settings.limits.max_batch_operations = 5;
    })
    .await;
    let batch: Vec<Value> = distinct_emails(4)
        .iter()
        .map(|email| json!({ "query": aliased_logins(std::slice::from_ref(email)) }))
        .collect();

    let reply = app.post_json(Value::Array(batch), GRAPHQL_RESPONSE).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let codes: Vec<&str> = reply
        .body
        .as_array()
        .expect("one result per operation")
        .iter()
        .map(code)
        .collect();
    assert_eq!(codes.len(), 4);
    assert_eq!(
        codes,
        [
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "RATE_LIMITED"
        ]
    );
    assert!(header(&reply, "retry-after").parse::<u64>().is_ok());
}

#[tokio::test]
async fn instances_sharing_redis_spend_one_budget() {
    let redis = crate::helpers::redis_server::TestRedis::get().await;
    one_budget_across_instances(redis.url()).await;
}

/// Two instances on the Redis at `url`: requests alternating between them
/// spend one budget.
pub(crate) async fn one_budget_across_instances(url: &str) {
    let prefix = unique_prefix();
    let url = url.to_owned();
    let shared = move |settings: &mut Settings| {
        budget(settings, 100);
        settings.redis.url = Some(url.clone().into());
        settings.redis.prefix.clone_from(&prefix);
    };
    let app = spawn_app_with(&shared).await;
    let other = app.another_instance(&shared).await;
    let (_, token) = app.signed_in(Role::Customer).await;

    let ask = |address: std::net::SocketAddr| {
        let request = app
            .client
            .post(format!("http://{address}/graphql"))
            .bearer_auth(&token)
            .json(&json!({ "query": PAGE }));
        async move {
            let response = request.send().await.expect("a response");
            let status = response.status();
            (status, response.json::<Value>().await.expect("a JSON body"))
        }
    };
    let (_, first) = ask(app.address).await;
    let cost = first["extensions"]["stats"]["complexity"]
        .as_u64()
        .unwrap_or_else(|| panic!("no complexity in {first}"));
    let mut answered = 1;
    for turn in 0..40 {
        let address = if turn % 2 == 0 {
            other.address
        } else {
            app.address
        };
        let (status, body) = ask(address).await;
        if status == StatusCode::TOO_MANY_REQUESTS || code(&body) == "RATE_LIMITED" {
            break;
        }
        answered += 1;
    }
    // One budget for both: what one instance alone would allow, not twice it.
    assert_eq!(answered, 100 / cost, "cost {cost} per operation");
}

/// An instance with a budget of 100 in the Redis at `url`, under `prefix`.
async fn spawn_on_redis(url: &str, prefix: &str) -> TestApp {
    let (url, prefix) = (url.to_owned(), prefix.to_owned());
    spawn_app_with(move |settings| {
        budget(settings, 100);
        settings.redis.url = Some(url.clone().into());
        settings.redis.prefix.clone_from(&prefix);
    })
    .await
}

/// Whether `reply` is a rate-limit refusal, in either media type.
fn refused(reply: &Reply) -> bool {
    reply.status == StatusCode::TOO_MANY_REQUESTS || code(&reply.body) == "RATE_LIMITED"
}

#[tokio::test]
async fn a_redis_outage_keeps_what_this_instance_already_spent() {
    let mut redis = OwnedRedis::start().await;
    let app = spawn_on_redis(&redis.url, &unique_prefix()).await;
    let (_, token) = app.signed_in(Role::Customer).await;
    let first = app.gql_as(&token, PAGE, json!({})).await;
    let cost = complexity(&first);
    let second = app.gql_as(&token, PAGE, json!({})).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);

    redis.kill();
    let mut answered = 2;
    for _ in 0..40 {
        let reply = app.gql_as(&token, PAGE, json!({})).await;
        if refused(&reply) {
            break;
        }
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        answered += 1;
    }
    // The fallback budget already holds the two spends Redis allowed.
    assert_eq!(answered, 100 / cost, "cost {cost} per operation");
}

#[tokio::test]
async fn what_an_instance_spent_while_redis_was_down_still_counts_when_it_is_back() {
    let mut redis = OwnedRedis::start().await;
    let prefix = unique_prefix();
    let app = spawn_on_redis(&redis.url, &prefix).await;
    let (_, spender) = app.signed_in(Role::Customer).await;
    let (_, prober) = app.signed_in(Role::Customer).await;

    redis.kill();
    let mut spent = false;
    for _ in 0..40 {
        let reply = app.gql_as(&spender, PAGE, json!({})).await;
        if refused(&reply) {
            spent = true;
            break;
        }
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert!(spent, "the in-process budget never ran out");
    redis.restart().await;
    // Another caller's spends show when the instance uses Redis again.
    let pattern = format!("{prefix}limit:*");
    let mut back = false;
    for _ in 0..100 {
        app.gql_as(&prober, PAGE, json!({})).await;
        if !keys_matching(&redis.url, &pattern).await.1.is_empty() {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the instance never spent through Redis again");
    let reply = app.gql_as(&spender, PAGE, json!({})).await;

    assert!(refused(&reply), "{} {}", reply.status, reply.body);
}
