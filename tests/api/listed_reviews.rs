//! A list of products loads its items' review pages at once, with the
//! arguments its selection gives `reviews`; an item whose `reviews` asks
//! for another page (an alias, other arguments, another sub-selection)
//! loads its own. Either way each product answers as it does alone.

use serde_json::{Value, json};

use crate::helpers::{catalog_plan, spawn_seeded, statements};

/// Three selections of `reviews` on one product: the first is the one the
/// list loads for all its items; the others differ from it in page size,
/// direction, cursor and sub-selection.
const SELECTION: &str = r#"
    fragment Reviewed on Product {
      id
      newest: reviews(first: $size) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { rating body author { name } }
      }
      one: reviews(first: 1) { nodes { body } }
      oldest: reviews(last: 2) { edges { cursor node { id author { id } } } }
    }
"#;

fn text(value: &Value) -> String {
    serde_json::to_string(value).expect("json text")
}

#[tokio::test]
async fn listed_products_answer_their_reviews_as_each_product_alone() {
    let app = spawn_seeded(catalog_plan()).await;
    let list = app
        .data(
            &format!(
                "query($size: Int!) {{ products(first: 8) {{ nodes {{ ...Reviewed }} }} }} {SELECTION}"
            ),
            json!({ "size": 2 }),
        )
        .await;
    let nodes = list["products"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 8, "{list}");
    let paged = nodes
        .iter()
        .filter(|node| node["newest"]["pageInfo"]["hasNextPage"] == true)
        .count();
    assert!(paged > 2, "the seed should give products several reviews");

    for listed in nodes {
        let id = listed["id"].as_str().expect("an id");
        let alone = app
            .data(
                &format!(
                    "query($id: ID!, $size: Int!) {{ node(id: $id) {{ ...Reviewed }} }} {SELECTION}"
                ),
                json!({ "id": id, "size": 2 }),
            )
            .await;
        assert_eq!(text(listed), text(&alone["node"]));
    }
}

#[tokio::test]
async fn a_list_reading_reviews_with_and_without_authors_sends_the_same_statements_at_any_size() {
    let app = spawn_seeded(catalog_plan()).await;
    let query = "query($n: Int!) { products(first: $n) { nodes {
        reviews(first: 3) { nodes { author { name } } }
        plain: reviews(first: 2) { nodes { rating } }
    } } }";

    let small = app.gql(query, json!({ "n": 3 })).await;
    let large = app.gql(query, json!({ "n": 40 })).await;

    assert!(small.get("errors").is_none(), "{small}");
    assert!(large.get("errors").is_none(), "{large}");
    assert_eq!(statements(&small), statements(&large));
}

#[tokio::test]
async fn page_arguments_that_make_no_page_are_refused_for_each_listed_product() {
    let app = spawn_seeded(catalog_plan()).await;
    let body = app
        .gql(
            "{ products(first: 2) { nodes { reviews(first: 1, last: 1) { nodes { id } } } } }",
            json!({}),
        )
        .await;

    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "one per product: {body}");
    for error in errors {
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(error["extensions"]["field"], "last", "{body}");
    }
}
