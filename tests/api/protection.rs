//! Hostile documents are refused before any statement is sent, and the
//! server keeps serving.

use std::{
    io::{Read, Write},
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message, only_error, spawn_app, spawn_app_with, statements};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Asserts that `query` is refused with 400, no data and only `code`
/// errors, before any statement; returns the body.
async fn assert_refused(app: &TestApp, query: &str, code: &str) -> Value {
    let reply = app
        .post_json(json!({ "query": query }), GRAPHQL_RESPONSE)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.get("data").is_none());
    let errors = reply.body["errors"].as_array().expect("errors");
    assert!(
        errors
            .iter()
            .all(|error| error["extensions"]["code"] == code),
        "{}",
        reply.body
    );
    assert_eq!(
        statements(&reply.body),
        0,
        "a refused document must not reach the database"
    );
    reply.body
}

#[tokio::test]
async fn a_forty_level_query_is_too_complex() {
    let app = spawn_app().await;
    let query = format!(
        "{{ categories(first: 1) {{ nodes {{ {} name {} }} }} }}",
        "parent { ".repeat(40),
        "}".repeat(40)
    );

    assert_refused(&app, &query, "QUERY_TOO_COMPLEX").await;
    app.assert_still_serving().await;
}

#[tokio::test]
async fn nested_connections_multiply_their_cost() {
    let app = spawn_app().await;
    let affordable = "{ products(first: 100) { nodes { reviews(first: 100) { nodes { rating author { name } } } } } }";
    let body = app.gql(affordable, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["extensions"]["stats"]["complexity"].as_u64() > Some(10_000));

    let explosive = "{ products(first: 100) { nodes { reviews(first: 100) { nodes { author { reviews(first: 100) { nodes { id rating } } } } } } } }";
    assert_refused(&app, explosive, "QUERY_TOO_COMPLEX").await;
    app.assert_still_serving().await;
}

#[tokio::test]
async fn order_items_cost_as_many_lines_as_an_order_may_hold() {
    let app = spawn_app().await;
    // A plain list is no cheaper than a connection of its largest size:
    // 100 orders × 100 lines × 100 reviews would otherwise cost ~20,000.
    let explosive = "{ orders(first: 100) { nodes { items { product { reviews(first: 100) { nodes { id rating } } } } } } }";

    let body = assert_refused(&app, explosive, "QUERY_TOO_COMPLEX").await;

    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("costs")),
        "{body}"
    );
    app.assert_still_serving().await;
}

#[tokio::test]
async fn top_products_cost_as_many_products_as_their_limit() {
    let app = spawn_app().await;
    let explosive = "{ salesSummary { topProducts(limit: 100) { product { reviews(first: 100) { nodes { id author { reviews(first: 10) { nodes { id } } } } } } } } }";

    assert_refused(&app, explosive, "QUERY_TOO_COMPLEX").await;
    app.assert_still_serving().await;
}

#[tokio::test]
async fn two_thousand_aliases_are_too_complex() {
    let app = spawn_app().await;
    let aliases: String = (0..2_000)
        .map(|i| format!("a{i}: products(first: 1) {{ totalCount }} "))
        .collect();

    assert_refused(&app, &format!("{{ {aliases} }}"), "QUERY_TOO_COMPLEX").await;
    app.assert_still_serving().await;
}

#[tokio::test]
async fn a_thousand_repeated_directives_are_too_complex() {
    let app = spawn_app().await;
    let directives = "@include(if: true) ".repeat(1_000);

    assert_refused(
        &app,
        &format!("{{ products(first: 1) {directives} {{ totalCount }} }}"),
        "QUERY_TOO_COMPLEX",
    )
    .await;
    app.assert_still_serving().await;
}

#[tokio::test]
async fn a_fragment_cycle_is_a_validation_failure() {
    let app = spawn_app().await;
    let query = "{ products { ...A } } fragment A on ProductConnection { totalCount ...B } fragment B on ProductConnection { ...A }";

    let body = assert_refused(&app, query, "GRAPHQL_VALIDATION_FAILED").await;

    assert!(
        error_message(&body).contains("Cannot spread fragment"),
        "{body}"
    );
    app.assert_still_serving().await;
}

#[tokio::test]
async fn a_fragment_spreading_itself_is_a_validation_failure() {
    let app = spawn_app().await;
    let query = "{ ...Loop } fragment Loop on Query { __typename ...Loop }";

    assert_refused(&app, query, "GRAPHQL_VALIDATION_FAILED").await;
    app.assert_still_serving().await;
}

#[tokio::test]
async fn a_chain_of_fragments_deeper_than_the_recursion_limit_is_too_complex() {
    let app = spawn_app().await;
    let fragments: String = (0..80)
        .map(|i| {
            format!(
                "fragment F{i} on Category {{ parent {{ ...F{} }} }} ",
                i + 1
            )
        })
        .collect();
    let query = format!(
        "{{ categories(first: 1) {{ nodes {{ ...F0 }} }} }} {fragments} fragment F80 on Category {{ name }}"
    );

    assert_refused(&app, &query, "QUERY_TOO_COMPLEX").await;
    app.assert_still_serving().await;
}

#[tokio::test]
async fn batches_and_oversized_bodies_are_refused_at_the_door() {
    let app = spawn_app().await;
    let batch = Value::Array(
        (0..300)
            .map(|_| json!({ "query": "{ products { totalCount } }" }))
            .collect(),
    );
    let batched = app.post_json(batch, GRAPHQL_RESPONSE).await;
    assert_eq!(batched.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        batched.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );

    let padding = "x".repeat(5 << 20);
    let huge =
        json!({ "query": "{ __typename }", "variables": { "padding": padding } }).to_string();
    let oversized = app
        .post_raw(huge, "application/json", GRAPHQL_RESPONSE)
        .await;
    assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);

    app.assert_still_serving().await;
}

#[tokio::test]
async fn a_document_over_the_token_limit_is_refused_before_parsing() {
    let app = spawn_app_with(|settings| settings.limits.max_tokens = 100).await;
    // `{`, 98 names and `}`: exactly 100 tokens; commas and comments are free.
    let at_limit = format!(
        "# {}\n{{ {} }}",
        "a comment ".repeat(50),
        vec!["__typename"; 98].join(", ")
    );
    let body = app.gql(&at_limit, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");

    let over = format!("{{ {} }}", vec!["__typename"; 99].join(" "));
    assert_refused(&app, &over, "QUERY_TOO_COMPLEX").await;
    // Not even valid syntax: refused by the count, before the parser sees it.
    assert_refused(&app, &"{ ".repeat(200), "QUERY_TOO_COMPLEX").await;
    let over_get = app.get(&[("query", over.as_str())], GRAPHQL_RESPONSE).await;
    assert_eq!(over_get.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        only_error(&over_get.body)["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );
    app.assert_still_serving().await;
}

#[tokio::test]
async fn enabled_batches_run_each_operation_with_its_own_limits_and_counter() {
    let app = spawn_app_with(|settings| {
        settings.limits.max_batch_operations = 3;
    })
    .await;
    let aliases: String = (0..60).map(|i| format!("a{i}: __typename ")).collect();
    let batch = json!([
        { "query": "{ products(first: 2) { nodes { id } } }" },
        {
            "query": "query Category($slug: String) { category(slug: $slug) { name } }",
            "variables": { "slug": "no-such-category" },
            "operationName": "Category"
        },
        { "query": format!("{{ {aliases} }}") }
    ]);

    let reply = app.post_json(batch, GRAPHQL_RESPONSE).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let results = reply.body.as_array().expect("one result per operation");
    assert_eq!(results.len(), 3);
    assert_eq!(
        results[0]["data"]["products"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert!(statements(&results[0]) >= 1);
    assert_eq!(results[1]["data"]["category"], Value::Null);
    assert!(results[1].get("errors").is_none(), "{}", results[1]);
    assert_eq!(statements(&results[1]), 1);
    assert_eq!(
        only_error(&results[2])["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );
    assert!(results[2].get("data").is_none());
    assert_eq!(statements(&results[2]), 0);
}

#[tokio::test]
async fn oversized_or_malformed_batches_are_refused_before_any_operation_runs() {
    let app = spawn_app_with(|settings| {
        settings.limits.max_batch_operations = 3;
    })
    .await;
    let operation = json!({ "query": "{ products(first: 1) { totalCount } }" });

    for (batch, hint) in [
        (
            json!([operation, operation, operation, operation]),
            "at most 3",
        ),
        (json!([]), "at least one"),
        (json!([operation, 5]), "operation 1"),
        (json!([operation, { "query": 1 }]), "operation 1"),
    ] {
        let reply = app.post_json(batch.clone(), GRAPHQL_RESPONSE).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{batch}");
        assert_eq!(
            only_error(&reply.body)["extensions"]["code"],
            "BAD_USER_INPUT"
        );
        assert!(error_message(&reply.body).contains(hint), "{}", reply.body);
    }
    app.assert_still_serving().await;
}

#[tokio::test]
async fn a_request_still_running_at_its_deadline_is_cancelled_with_503() {
    let app = spawn_app_with(|settings| {
        settings.http.request_timeout = Duration::from_secs(2);
    })
    .await;
    let address = app.address;

    // The headers announce 1,000 body bytes and only the first few arrive,
    // so the request cannot finish before its deadline, whatever the load.
    let raw = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut stream = std::net::TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        write!(
            stream,
            "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Accept: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n\
             {{\"query\": \"{{ __typename"
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response)
    })
    .await
    .expect("client thread")
    .expect("raw request");

    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 503"), "{head}");
    let body: Value = serde_json::from_str(body).expect("a JSON body");
    let error = only_error(&body);
    assert_eq!(error["extensions"]["code"], "TIMEOUT");
    let request_id = error["extensions"]["requestId"]
        .as_str()
        .unwrap_or_default();
    assert!(!request_id.is_empty());
    assert!(
        head.lines()
            .any(|line| line.eq_ignore_ascii_case(&format!("x-request-id: {request_id}"))),
        "the 503 names the request its body names: {head}"
    );
    assert!(error_message(&body).contains("within 2 s"), "{body}");
    app.assert_still_serving().await;
}

#[tokio::test]
async fn alias_and_directive_limits_hold_below_the_token_limit() {
    let app = spawn_app().await;
    let aliases: String = (0..51).map(|i| format!("a{i}: __typename ")).collect();
    let directives = "@include(if: true) ".repeat(51);

    for (query, limit) in [
        (format!("{{ {aliases}}}"), "aliases"),
        (format!("{{ __typename {directives}}}"), "directives"),
    ] {
        let body = assert_refused(&app, &query, "QUERY_TOO_COMPLEX").await;
        assert!(error_message(&body).contains(limit), "{body}");
    }
}
