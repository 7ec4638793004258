//! Handling field errors as the GraphQL spec asks: a failed nullable field
//! is `null` with its key present, a failed non-null field nulls its
//! nearest nullable parent (or `data`), and keys keep the selection order.

use serde_json::{Value, json};
use storefront::auth::Role;

use crate::helpers::{TestApp, object_keys, spawn_app};

/// `data` as compact JSON text: key order is part of what is asserted.
fn data_text(body: &Value) -> String {
    serde_json::to_string(&body["data"]).expect("json text")
}

/// The `path` of every error, and asserts each has the `code`.
fn error_paths(body: &Value, code: &str) -> Vec<Value> {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {body}"));
    for error in errors {
        assert_eq!(error["extensions"]["code"], code, "{body}");
    }
    let mut paths: Vec<Value> = errors.iter().map(|error| error["path"].clone()).collect();
    paths.sort_by_key(Value::to_string);
    paths
}

async fn first_product_slug(app: &TestApp) -> String {
    let data = app
        .data("{ products(first: 1) { nodes { slug } } }", json!({}))
        .await;
    data["products"]["nodes"][0]["slug"]
        .as_str()
        .expect("a slug")
        .to_owned()
}

#[tokio::test]
async fn a_failed_nullable_root_field_is_null_beside_its_error() {
    let app = spawn_app().await;

    let body = app
        .gql(
            r#"{ __typename product(id: "not-a-valid-id") { id } }"#,
            json!({}),
        )
        .await;

    assert_eq!(data_text(&body), r#"{"__typename":"Query","product":null}"#);
    assert_eq!(error_paths(&body, "BAD_USER_INPUT"), [json!(["product"])]);
}

#[tokio::test]
async fn failing_and_succeeding_root_fields_keep_their_keys_in_selection_order() {
    let app = spawn_app().await;

    let body = app
        .gql(
            r#"{ a: node(id: "nope") { id } total: products { totalCount } ...F }
               fragment F on Query { b: product(id: "bad") { name } __typename }"#,
            json!({}),
        )
        .await;

    let data = &body["data"];
    assert_eq!(
        object_keys(data),
        ["a", "total", "b", "__typename"],
        "{body}"
    );
    assert!(data["a"].is_null() && data["b"].is_null(), "{body}");
    assert!(data["total"]["totalCount"].as_u64() > Some(0), "{body}");
    assert_eq!(
        error_paths(&body, "BAD_USER_INPUT"),
        [json!(["a"]), json!(["b"])]
    );
}

#[tokio::test]
async fn a_failed_nullable_field_inside_a_list_is_null_in_each_item() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;

    let body = app
        .gql_as(
            &admin,
            "{ users(first: 2) { nodes { name orders(first: 500) { totalCount } id } } }",
            json!({}),
        )
        .await
        .body;

    let nodes = body["data"]["users"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no user list in {body}"));
    assert_eq!(nodes.len(), 2, "{body}");
    for node in nodes {
        assert_eq!(object_keys(node), ["name", "orders", "id"], "{body}");
        assert!(node["orders"].is_null(), "{body}");
    }
    assert_eq!(
        error_paths(&body, "BAD_USER_INPUT"),
        [
            json!(["users", "nodes", 0, "orders"]),
            json!(["users", "nodes", 1, "orders"])
        ]
    );
}

#[tokio::test]
async fn a_failed_non_null_field_nulls_its_nearest_nullable_parent() {
    let app = spawn_app().await;
    let slug = first_product_slug(&app).await;

    let body = app
        .gql(
            "query($slug: String!) { __typename p: product(slug: $slug) { ...F } }
             fragment F on Product { n: name r: reviews(first: 500) { totalCount } }",
            json!({ "slug": slug }),
        )
        .await;

    assert_eq!(data_text(&body), r#"{"__typename":"Query","p":null}"#);
    assert_eq!(error_paths(&body, "BAD_USER_INPUT"), [json!(["p", "r"])]);
}

#[tokio::test]
async fn a_failed_non_null_field_without_a_nullable_ancestor_nulls_data() {
    let app = spawn_app().await;

    let body = app
        .gql(
            "{ __typename categories(first: 2) { nodes { name products(first: 500) { totalCount } } } }",
            json!({}),
        )
        .await;

    assert_eq!(data_text(&body), "null", "{body}");
    let paths = error_paths(&body, "BAD_USER_INPUT");
    assert!(!paths.is_empty());
    for path in paths {
        assert_eq!(path[0], "categories", "{body}");
        assert_eq!(path[3], "products", "{body}");
    }
}

#[tokio::test]
async fn nodes_with_a_malformed_id_fails_the_non_null_list_and_so_data() {
    let app = spawn_app().await;
    let data = app
        .data("{ products(first: 1) { nodes { id } } }", json!({}))
        .await;
    let good = data["products"]["nodes"][0]["id"].clone();

    let body = app
        .gql(
            "query($ids: [ID!]!) { __typename nodes(ids: $ids) { id } }",
            json!({ "ids": [good, "not-an-id"] }),
        )
        .await;

    assert_eq!(data_text(&body), "null", "{body}");
    assert_eq!(error_paths(&body, "BAD_USER_INPUT"), [json!(["nodes"])]);
}

#[tokio::test]
async fn a_failed_field_behind_an_interface_fragment_nulls_the_nullable_node() {
    let app = spawn_app().await;
    let data = app
        .data("{ products(first: 1) { nodes { id } } }", json!({}))
        .await;
    let id = data["products"]["nodes"][0]["id"].clone();

    let body = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on Product { reviews(after: \"garbage\") { totalCount } } } viewer { id } }",
            json!({ "id": id }),
        )
        .await;

    assert_eq!(data_text(&body), r#"{"node":null,"viewer":null}"#);
    assert_eq!(
        error_paths(&body, "BAD_USER_INPUT"),
        [json!(["node", "reviews"])]
    );
}
