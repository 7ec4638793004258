//! Response keys come out in selection order (the spec's CollectFields),
//! where async-graphql resolves fields concurrently (the query root, the
//! edges of a connection) and where fragments on other types are selected
//! beside a field.

use serde_json::json;

use crate::helpers::{object_keys, spawn_app};

#[tokio::test]
async fn root_fields_and_edges_follow_the_selection_order() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ b: products(first: 3) { edges { node { name category { name } \
               reviews(first: 1) { totalCount } } cursor } } \
               a: categories(first: 1) { nodes { name } } \
               __typename }",
            json!({}),
        )
        .await;

    assert_eq!(object_keys(&data), ["b", "a", "__typename"]);
    let edges = data["b"]["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 3, "{data}");
    for edge in edges {
        assert_eq!(object_keys(edge), ["node", "cursor"]);
        assert_eq!(object_keys(&edge["node"]), ["name", "category", "reviews"]);
    }
}

/// A fragment whose type does not apply to an object adds nothing to it,
/// not even the place of its keys: a product answers `id` before the `name`
/// that only its own fragment selects, and a category answers `name` first.
#[tokio::test]
async fn fragments_on_other_types_do_not_order_a_node() {
    let app = spawn_app().await;
    let listed = app
        .data(
            "{ products(first: 1) { nodes { id category { id } } } }",
            json!({}),
        )
        .await;
    let product = &listed["products"]["nodes"][0];
    let query = "query($id: ID!) { node(id: $id) { \
                   ... on Category { name } id ... on Product { name } } }";

    let data = app.data(query, json!({ "id": product["id"] })).await;
    assert_eq!(object_keys(&data["node"]), ["id", "name"], "{data}");

    let data = app
        .data(query, json!({ "id": product["category"]["id"] }))
        .await;
    assert_eq!(object_keys(&data["node"]), ["name", "id"], "{data}");
}
