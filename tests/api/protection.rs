//! Hostile documents are refused before any statement is sent, and the
//! server keeps serving.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, statements};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn assert_refused(app: &TestApp, query: &str, code: &str) {
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
}

async fn assert_still_serving(app: &TestApp) {
    let data = app
        .data("{ products(first: 2) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(data["products"]["nodes"].as_array().map(Vec::len), Some(2));
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
    assert_still_serving(&app).await;
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
    assert_still_serving(&app).await;
}

#[tokio::test]
async fn two_thousand_aliases_are_too_complex() {
    let app = spawn_app().await;
    let aliases: String = (0..2_000)
        .map(|i| format!("a{i}: products(first: 1) {{ totalCount }} "))
        .collect();

    assert_refused(&app, &format!("{{ {aliases} }}"), "QUERY_TOO_COMPLEX").await;
    assert_still_serving(&app).await;
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
    assert_still_serving(&app).await;
}

#[tokio::test]
async fn a_fragment_cycle_is_refused_by_the_parser_recursion_guard() {
    let app = spawn_app().await;
    let query = "{ products { ...A } } fragment A on ProductConnection { totalCount ...B } fragment B on ProductConnection { ...A }";

    // async-graphql's recursion guard follows fragment spreads while parsing,
    // so the cycle never reaches validation.
    assert_refused(&app, query, "GRAPHQL_PARSE_FAILED").await;
    assert_still_serving(&app).await;
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

    assert_still_serving(&app).await;
}
