//! A query sent again with the same document, operation name and variables
//! is admitted without the checks it passed before (see the executor). It
//! must still answer its own inputs, spend its own cost, and be refused
//! once its caller's budget is spent.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    helpers::{Reply, TestApp, spawn_app_with},
    rate_limits::budget,
};

const PAGE_OF: &str = "query Page($first: Int!) { products(first: $first) { nodes { id } } }";
const TWO_QUERIES: &str = "query Products { products(first: 1) { nodes { name } } } \
                           query Categories { categories(first: 1) { nodes { name } } }";

async fn page(app: &TestApp, first: u64) -> Reply {
    app.post_json(
        json!({ "query": PAGE_OF, "variables": { "first": first } }),
        "application/json",
    )
    .await
}

fn remaining(reply: &Reply) -> u64 {
    reply
        .headers
        .get("x-ratelimit-remaining")
        .and_then(|value| value.to_str().ok()?.parse().ok())
        .unwrap_or_else(|| panic!("no remaining budget in {:?}", reply.headers))
}

fn complexity(reply: &Reply) -> u64 {
    reply.body["extensions"]["stats"]["complexity"]
        .as_u64()
        .unwrap_or_else(|| panic!("no complexity in {}", reply.body))
}

#[tokio::test]
async fn a_repeated_query_answers_and_spends_for_its_own_variables() {
    let app = spawn_app_with(|settings| budget(settings, 10_000)).await;
    let mut left = 10_000;
    let mut cost_of = HashMap::new();
    for first in [2, 2, 2, 5, 5, 5, 2] {
        let reply = page(&app, first).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let nodes = reply.body["data"]["products"]["nodes"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(nodes as u64, first, "{}", reply.body);
        let cost = complexity(&reply);
        assert_eq!(
            *cost_of.entry(first).or_insert(cost),
            cost,
            "first: {first}"
        );
        left -= cost;
        assert_eq!(remaining(&reply), left, "first: {first}");
    }
    assert!(cost_of[&5] > cost_of[&2], "{cost_of:?}");
}

#[tokio::test]
async fn a_repeated_query_is_refused_once_the_budget_is_spent() {
    let app = spawn_app_with(|settings| budget(settings, 100)).await;
    let mut answered = 0;
    let refused = loop {
        let reply = page(&app, 5).await;
        if reply.status != StatusCode::OK || reply.body.get("errors").is_some() {
            break reply;
        }
        answered += 1;
        assert!(answered < 100, "a budget of 100 never ran out");
    };
    assert!(answered >= 3, "refused before any readmission: {answered}");
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        refused.body["errors"][0]["extensions"]["code"],
        "RATE_LIMITED"
    );
    assert_eq!(refused.body["data"], Value::Null);
    assert!(refused.headers.contains_key("retry-after"));
}

/// The reply holds the root field `ran` and not `other`.
fn assert_ran_only(reply: &Reply, ran: &str, other: &str) {
    assert!(reply.body["data"][ran].is_object(), "{}", reply.body);
    assert!(reply.body["data"].get(other).is_none(), "{}", reply.body);
}

#[tokio::test]
async fn each_operation_of_a_document_runs_when_named_after_the_other_repeated() {
    let app = spawn_app_with(|_| {}).await;
    let run = |name: &'static str| {
        app.post_json(
            json!({ "query": TWO_QUERIES, "operationName": name }),
            "application/json",
        )
    };
    for _ in 0..3 {
        assert_ran_only(&run("Products").await, "products", "categories");
    }
    assert_ran_only(&run("Categories").await, "categories", "products");

    let unnamed = app
        .post_json(json!({ "query": TWO_QUERIES }), "application/json")
        .await;
    assert!(
        unnamed.body["errors"].is_array(),
        "an unnamed run of two operations must be refused: {}",
        unnamed.body
    );
}
