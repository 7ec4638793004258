//! The row types in lists and relations resolve through the crate's own
//! field loop (`schema::types::Row`); `node(id:)` still resolves them
//! through async-graphql's. The same selection must answer the same JSON,
//! key order included, through both.

use serde_json::{Value, json};

use crate::helpers::{object_keys, spawn_app};

/// Aliases, a repeated field whose sub-selections merge, fragments on the
/// type and on an interface it implements, `__typename` at every level.
const SELECTION: &str = r#"
    fragment Row on Product {
      __typename
      label: name
      ... on Node { id }
      category { name __typename }
      category { slug parent { name } }
      reviews(first: 2) {
        nodes { rating ...Author ... on Review { body } author { id } }
      }
      slug
      label: name
      ... on Product { price { amount currency } inStock }
    }
    fragment Author on Review { author { name __typename } }
"#;

fn text(value: &Value) -> String {
    serde_json::to_string(value).expect("json text")
}

#[tokio::test]
async fn a_product_in_a_list_answers_as_the_same_product_by_node_id() {
    let app = spawn_app().await;
    let list = app
        .data(
            &format!("{{ products(first: 3) {{ nodes {{ ...Row }} }} }} {SELECTION}"),
            json!({}),
        )
        .await;
    let nodes = list["products"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 3, "{list}");

    for listed in nodes {
        let id = listed["id"].as_str().expect("an id");
        let by_id = app
            .data(
                &format!("query($id: ID!) {{ node(id: $id) {{ ...Row }} }} {SELECTION}"),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(text(listed), text(&by_id["node"]));
    }
    let first = &nodes[0];
    assert_eq!(
        object_keys(first),
        [
            "__typename",
            "label",
            "id",
            "category",
            "reviews",
            "slug",
            "price",
            "inStock"
        ]
    );
    assert_eq!(first["__typename"], "Product");
    assert_eq!(
        object_keys(&first["category"]),
        ["name", "__typename", "slug", "parent"]
    );
}
