//! The GraphQL over HTTP edge and bad input: each gets its specified status
//! and `extensions.code`, never a 500, and the server keeps answering.

use reqwest::StatusCode;
use serde_json::{Value, json};
use storefront::{
    config::Environment,
    schema::ids::{self, NodeKind},
    seed::Scale,
};

use crate::helpers::{only_error, spawn_app, spawn_with};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn code(error: &Value) -> &str {
    error["extensions"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn invalid_arguments_are_bad_user_input_naming_the_field() {
    let app = spawn_app().await;
    let category = ids::encode(NodeKind::Category, 1);
    let cases = [
        ("{ products(first: 101) { nodes { id } } }", "first"),
        ("{ products(first: -1) { nodes { id } } }", "first"),
        ("{ products(last: 500) { nodes { id } } }", "last"),
        ("{ products(first: 2, last: 2) { nodes { id } } }", "last"),
        (
            "{ products(after: \"not-a-cursor\") { nodes { id } } }",
            "after",
        ),
        (
            "{ products(before: \"eyJvIjoieCJ9\") { nodes { id } } }",
            "before",
        ),
        ("{ product(id: \"garbage\") { id } }", "id"),
        (
            &format!("{{ product(id: \"{}\") {{ id }} }}", category.as_str()),
            "id",
        ),
        ("{ product { id } }", "id"),
        ("{ node(id: \"UHJvZHVjdDp4\") { id } }", "id"),
        ("{ nodes(ids: [\"@@@\"]) { id } }", "ids"),
        (
            "{ products(filter: { minPrice: \"5\", maxPrice: \"1\" }) { nodes { id } } }",
            "filter.maxPrice",
        ),
        (
            "{ products(filter: { minPrice: \"-1\" }) { nodes { id } } }",
            "filter.minPrice",
        ),
        (
            &format!(
                "{{ products(filter: {{ categoryId: \"{}\" }}) {{ nodes {{ id }} }} }}",
                ids::encode(NodeKind::Product, 1).as_str()
            ),
            "filter.categoryId",
        ),
    ];
    for (query, field) in cases {
        let body = app.gql(query, json!({})).await;
        let error = only_error(&body);
        assert_eq!(code(error), "BAD_USER_INPUT", "{query}: {body}");
        assert_eq!(error["extensions"]["field"], field, "{query}: {body}");
    }
}

#[tokio::test]
async fn a_cursor_from_another_ordering_is_rejected() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ products(first: 1, orderBy: { field: PRICE }) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = data["products"]["pageInfo"]["endCursor"].clone();

    let body = app
        .gql("query($after: String) { products(after: $after, orderBy: { field: NAME }) { nodes { id } } }", json!({ "after": cursor }))
        .await;

    let error = only_error(&body);
    assert_eq!(code(error), "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "after");
}

#[tokio::test]
async fn request_errors_are_400_without_data_under_graphql_response_json() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "query": "" }), "GRAPHQL_PARSE_FAILED"),
        (
            json!({ "query": "{ products { nodes { id }" }),
            "GRAPHQL_PARSE_FAILED",
        ),
        (
            json!({ "query": "{ noSuchField }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "query($n: Int!) { products(first: $n) { nodes { id } } }", "variables": { "n": "ten" } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "query($p: Decimal!) { products(filter: { minPrice: $p }) { nodes { id } } }", "variables": { "p": "1.999" } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "query A { viewer: products { totalCount } } query B { products { totalCount } }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (request, expected) in cases {
        let strict = app.post_json(request.clone(), GRAPHQL_RESPONSE).await;
        assert_eq!(
            strict.status,
            StatusCode::BAD_REQUEST,
            "{request}: {}",
            strict.body
        );
        assert!(
            strict.headers["content-type"]
                .to_str()
                .unwrap_or_default()
                .starts_with(GRAPHQL_RESPONSE)
        );
        assert!(strict.body.get("data").is_none(), "{}", strict.body);
        assert!(
            strict.body["errors"]
                .as_array()
                .is_some_and(|errors| errors.iter().all(|e| code(e) == expected)),
            "{request}: {}",
            strict.body
        );

        let legacy = app.post_json(request.clone(), "application/json").await;
        assert_eq!(legacy.status, StatusCode::OK, "{request}");
        assert!(
            legacy.headers["content-type"]
                .to_str()
                .unwrap_or_default()
                .starts_with("application/json")
        );
        assert_eq!(code(&legacy.body["errors"][0]), expected);
    }
}

#[tokio::test]
async fn malformed_bodies_get_400_and_non_json_bodies_get_415() {
    let app = spawn_app().await;

    let malformed = app
        .post_raw(
            "{\"query\": ".to_owned(),
            "application/json",
            GRAPHQL_RESPONSE,
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(only_error(&malformed.body)), "BAD_USER_INPUT");

    for body in [
        json!({ "query": 1 }),
        json!({ "query": "{ __typename }", "variables": "x" }),
        json!({ "query": "{ __typename }", "operationName": 5 }),
        json!([{ "query": "{ __typename }" }]),
        json!({}),
        json!("query"),
    ] {
        let reply = app.post_json(body.clone(), "application/json").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(code(only_error(&reply.body)), "BAD_USER_INPUT", "{body}");
    }

    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
    ] {
        let reply = app
            .post_raw(
                json!({ "query": "{ __typename }" }).to_string(),
                content_type,
                "application/json",
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        assert_eq!(code(only_error(&reply.body)), "BAD_USER_INPUT");
    }

    let huge = format!(
        "{{\"query\": \"{{ __typename }}\", \"variables\": {{\"pad\": \"{}\"}}}}",
        "x".repeat(2 << 20)
    );
    let too_large = app
        .post_raw(huge, "application/json", "application/json")
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);

    let unacceptable = app
        .post_json(json!({ "query": "{ __typename }" }), "text/csv")
        .await;
    assert_eq!(unacceptable.status, StatusCode::NOT_ACCEPTABLE);

    let alive = app.get_page("/healthz", "*/*").await;
    assert_eq!(alive.status(), StatusCode::OK);
    app.assert_still_serving().await;
}

#[tokio::test]
async fn get_runs_queries_but_refuses_mutations_with_405() {
    let app = spawn_app().await;

    let query = app
        .get(
            &[
                (
                    "query",
                    "query Q($n: Int) { products(first: $n) { nodes { id } } }",
                ),
                ("variables", "{\"n\": 2}"),
            ],
            "application/json",
        )
        .await;
    assert_eq!(query.status, StatusCode::OK);
    assert_eq!(
        query.body["data"]["products"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    let mutation = app
        .get(
            &[("query", "mutation { register(input: {}) { accessToken } }")],
            GRAPHQL_RESPONSE,
        )
        .await;
    assert_eq!(mutation.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(mutation.headers["allow"], "POST");

    let bad_variables = app
        .get(
            &[("query", "{ __typename }"), ("variables", "{not json")],
            "application/json",
        )
        .await;
    assert_eq!(bad_variables.status, StatusCode::BAD_REQUEST);

    let page = app.get_page("/graphql", "text/html,*/*;q=0.8").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap_or_default().contains("graphiql"));
}

#[tokio::test]
async fn every_response_reports_its_cost_in_development_and_none_in_production() {
    let development = spawn_app().await;
    let body = development
        .gql("{ products(first: 2) { nodes { name } } }", json!({}))
        .await;
    let stats = &body["extensions"]["stats"];
    assert_eq!(stats["sqlStatements"], 1);
    for key in [
        "cacheHits",
        "cacheMisses",
        "complexity",
        "depth",
        "elapsedMs",
    ] {
        assert!(stats[key].is_number(), "{key} missing from {stats}");
    }
    assert!(development.get_page("/", "*/*").await.status().is_success());

    let production = spawn_with(Scale::Tiny.plan(), Environment::Production).await;
    let body = production
        .gql("{ products(first: 2) { nodes { name } } }", json!({}))
        .await;
    assert!(body.get("extensions").is_none(), "{body}");
    let introspection = production
        .gql("{ __schema { types { name } } }", json!({}))
        .await;
    assert_eq!(
        introspection["data"]["__schema"],
        Value::Null,
        "{introspection}"
    );
    assert!(
        !introspection.to_string().contains("Product"),
        "{introspection}"
    );
    let suggestion = production
        .gql("{ prodcts { totalCount } }", json!({}))
        .await;
    assert!(
        !suggestion.to_string().contains("Did you mean"),
        "{suggestion}"
    );
    assert_eq!(
        production.get_page("/", "*/*").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn operations_show_up_in_metrics_and_probes_report_readiness() {
    let app = spawn_app().await;
    let request = json!({ "query": "query MetricsProbe { products(first: 1) { nodes { id } } }" });
    let reply = app.post_json(request, "application/json").await;
    assert!(reply.headers.contains_key("x-request-id"));

    let metrics = app
        .get_page("/metrics", "*/*")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(
            "graphql_operations_total{operation=\"MetricsProbe\",type=\"query\",outcome=\"ok\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("graphql_operation_sql_statements_bucket"));
    assert!(metrics.contains("http_requests_total"));
    assert!(metrics.contains("db_pool_connections"));

    let ready = app.get_page("/readyz", "*/*").await;
    assert_eq!(ready.status(), StatusCode::OK);
    // Redis is reported when configured (CI's second pass sets REDIS_URL).
    let expected = if std::env::var_os("REDIS_URL").is_some() {
        json!({ "database": "ok", "migrations": "ok", "redis": "ok" })
    } else {
        json!({ "database": "ok", "migrations": "ok" })
    };
    assert_eq!(ready.json::<Value>().await.expect("json"), expected);
}

#[tokio::test]
async fn response_fields_come_back_in_selection_order() {
    let app = spawn_app().await;
    let query = "{ products(first: 5) { totalCount nodes { slug rating { count average } category { slug name } name price { currency amount } id } pageInfo { endCursor hasNextPage } } }";
    for _ in 0..10 {
        let body = app.data(query, json!({})).await;
        let keys = |value: &Value| {
            value
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let products = &body["products"];
        assert_eq!(keys(products), ["totalCount", "nodes", "pageInfo"]);
        for node in products["nodes"].as_array().expect("nodes") {
            assert_eq!(
                keys(node),
                ["slug", "rating", "category", "name", "price", "id"]
            );
            assert_eq!(keys(&node["rating"]), ["count", "average"]);
            assert_eq!(keys(&node["category"]), ["slug", "name"]);
            assert_eq!(keys(&node["price"]), ["currency", "amount"]);
        }
    }
}
