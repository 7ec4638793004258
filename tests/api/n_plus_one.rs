//! The statement count of an operation depends on its shape, never on how
//! many rows it returns.

use serde_json::json;
use storefront::{auth::Role, schema::ids::NodeKind};

use crate::helpers::{catalog_plan, gid, spawn_app, spawn_seeded, statements};

const CATALOG: &str = "query Catalog($n: Int!) {
  products(first: $n) {
    nodes {
      name
      category { name parent { name } }
      rating { average count }
      reviews(first: 3) { nodes { rating author { name } } }
    }
  }
}";

const CATEGORY_TREE: &str = "query Tree($n: Int!) {
  categories(first: $n) {
    nodes {
      name
      products(first: 5) { nodes { name reviews(first: 2) { nodes { author { name } } } } }
    }
  }
}";

#[tokio::test]
async fn catalog_query_sends_the_same_few_statements_for_5_and_50_products() {
    let app = spawn_seeded(catalog_plan()).await;

    let small = app.gql(CATALOG, json!({ "n": 5 })).await;
    let large = app.gql(CATALOG, json!({ "n": 50 })).await;

    assert!(small.get("errors").is_none(), "{small}");
    assert!(large.get("errors").is_none(), "{large}");
    let nodes = large["data"]["products"]["nodes"]
        .as_array()
        .expect("nodes");
    assert_eq!(nodes.len(), 50);
    let reviewed = nodes
        .iter()
        .filter(|node| {
            !node["reviews"]["nodes"]
                .as_array()
                .expect("reviews")
                .is_empty()
        })
        .count();
    assert!(reviewed > 25, "the seed should give most products reviews");
    assert!(
        nodes
            .iter()
            .all(|node| node["category"]["parent"]["name"].is_string())
    );
    assert_eq!(statements(&small), statements(&large));
    assert!(statements(&large) <= 7, "{} statements", statements(&large));
}

#[tokio::test]
async fn nested_category_connections_send_the_same_statements_for_3_and_30_categories() {
    let app = spawn_seeded(catalog_plan()).await;

    let small = app.gql(CATEGORY_TREE, json!({ "n": 3 })).await;
    let large = app.gql(CATEGORY_TREE, json!({ "n": 30 })).await;

    assert!(large.get("errors").is_none(), "{large}");
    let categories = large["data"]["categories"]["nodes"]
        .as_array()
        .expect("nodes");
    assert_eq!(categories.len(), 30);
    let products: usize = categories
        .iter()
        .map(|category| {
            category["products"]["nodes"]
                .as_array()
                .expect("products")
                .len()
        })
        .sum();
    assert!(
        products > 30,
        "leaf categories should hold products, got {products}"
    );
    assert!(categories.iter().all(|c| {
        c["products"]["nodes"]
            .as_array()
            .is_some_and(|p| p.len() <= 5)
    }));
    assert_eq!(statements(&small), statements(&large));
    assert!(statements(&large) <= 7, "{} statements", statements(&large));
}

#[tokio::test]
async fn nested_total_counts_are_one_grouped_statement_per_level() {
    let app = spawn_seeded(catalog_plan()).await;
    let query = "query($n: Int!) { products(first: $n) { totalCount nodes { reviews(first: 1) { totalCount } } } }";

    let small = app.gql(query, json!({ "n": 2 })).await;
    let large = app.gql(query, json!({ "n": 40 })).await;

    let counted: i64 = large["data"]["products"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["reviews"]["totalCount"].as_i64().expect("count"))
        .sum();
    assert!(counted > 40, "reviews should be counted, got {counted}");
    assert_eq!(large["data"]["products"]["totalCount"], 80);
    assert_eq!(statements(&small), statements(&large));
    assert_eq!(
        statements(&large),
        4,
        "page, total, review pages, review counts"
    );
}

#[tokio::test]
async fn aliased_lookups_by_slug_and_nodes_share_statements() {
    let app = spawn_seeded(catalog_plan()).await;
    let page = app
        .data("{ products(first: 10) { nodes { id slug } } }", json!({}))
        .await;
    let nodes = page["products"]["nodes"].as_array().expect("nodes").clone();
    let ids: Vec<_> = nodes.iter().map(|n| n["id"].clone()).collect();
    let aliases: String = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| format!("p{i}: product(slug: {}) {{ name }} ", n["slug"]))
        .collect();

    let by_slug = app.gql(&format!("{{ {aliases} }}"), json!({})).await;
    let by_id = app
        .gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Product { name } } }",
            json!({ "ids": ids }),
        )
        .await;

    assert_eq!(statements(&by_slug), 1, "{by_slug}");
    assert_eq!(statements(&by_id), 1, "{by_id}");
    assert_eq!(by_id["data"]["nodes"].as_array().map(Vec::len), Some(10));
    assert_eq!(by_id["data"]["nodes"][3]["id"], ids[3]);
}

#[tokio::test]
async fn a_product_without_reviews_sends_no_statement_for_their_authors() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let created = app
        .data_as(
            &admin,
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { slug } }",
            json!({ "input": {
                "categoryId": gid(NodeKind::Category, 2),
                "sku": "UNREVIEWED-1",
                "name": "Unreviewed Lamp",
                "price": "9.99",
            } }),
        )
        .await;
    let slug = created["createProduct"]["slug"].as_str().expect("slug");
    let reviews = |selection: &str| {
        format!(
            "query($slug: String!) {{ product(slug: $slug) {{ name reviews(first: 3) {{ nodes {{ {selection} }} }} }} }}"
        )
    };

    let with_authors = app
        .gql(&reviews("rating author { name }"), json!({ "slug": slug }))
        .await;
    let without = app.gql(&reviews("rating"), json!({ "slug": slug })).await;

    assert!(with_authors.get("errors").is_none(), "{with_authors}");
    assert_eq!(
        with_authors["data"]["product"]["reviews"]["nodes"],
        json!([])
    );
    assert_eq!(statements(&with_authors), statements(&without));
}

#[tokio::test]
async fn a_product_looked_up_with_its_category_is_one_statement() {
    let app = spawn_seeded(catalog_plan()).await;
    let page = app
        .data(
            "{ products(first: 3) { nodes { id slug category { name } } } }",
            json!({}),
        )
        .await;
    let nodes = page["products"]["nodes"].as_array().expect("nodes").clone();
    let by_slug = |n: usize| {
        format!(
            "p{n}: product(slug: {}) {{ name category {{ name }} }}",
            nodes[n]["slug"]
        )
    };
    let by_id = |n: usize| {
        format!(
            "q{n}: product(id: {}) {{ category {{ name }} }}",
            nodes[n]["id"]
        )
    };

    let one = app.gql(&format!("{{ {} }}", by_slug(0)), json!({})).await;
    let aliased = app
        .gql(
            &format!("{{ {} {} {} }}", by_slug(1), by_slug(2), by_id(0)),
            json!({}),
        )
        .await;

    assert!(one.get("errors").is_none(), "{one}");
    assert_eq!(one["data"]["p0"]["category"], nodes[0]["category"]);
    assert_eq!(statements(&one), 1, "{one}");
    assert!(aliased.get("errors").is_none(), "{aliased}");
    assert_eq!(aliased["data"]["p2"]["category"], nodes[2]["category"]);
    assert_eq!(aliased["data"]["q0"]["category"], nodes[0]["category"]);
    assert!(statements(&aliased) <= 2, "{aliased}");
}

#[tokio::test]
async fn a_product_list_reads_its_categories_and_review_authors_with_its_rows() {
    let app = spawn_seeded(catalog_plan()).await;
    let listing = "query($n: Int!) { products(first: $n) { nodes {
      id category { name } reviews(first: 3) { nodes { id rating author { name } } }
    } } }";

    let small = app.gql(listing, json!({ "n": 5 })).await;
    let large = app.gql(listing, json!({ "n": 50 })).await;

    assert!(large.get("errors").is_none(), "{large}");
    assert_eq!(statements(&small), 2, "{small}");
    assert_eq!(
        statements(&large),
        2,
        "products with their categories, review pages with their authors"
    );
    // The joined rows are those each item finds by itself: the same
    // products and reviews looked up by id resolve their own relations.
    let nodes = large["data"]["products"]["nodes"]
        .as_array()
        .expect("nodes");
    let ids = |items: Vec<&serde_json::Value>| -> Vec<serde_json::Value> {
        items.into_iter().map(|item| item["id"].clone()).collect()
    };
    let reviews: Vec<&serde_json::Value> = nodes
        .iter()
        .flat_map(|node| node["reviews"]["nodes"].as_array().expect("reviews"))
        .collect();
    assert!(
        reviews.len() > 50,
        "the seed should give most products reviews"
    );
    let looked_up = app
        .data(
            "query($products: [ID!]!, $reviews: [ID!]!) {
              products: nodes(ids: $products) { ... on Product { category { name } } }
              reviews: nodes(ids: $reviews) { ... on Review { author { name } } }
            }",
            json!({ "products": ids(nodes.iter().collect()), "reviews": ids(reviews.clone()) }),
        )
        .await;
    for (node, alone) in nodes
        .iter()
        .zip(looked_up["products"].as_array().expect("products"))
    {
        assert_eq!(node["category"], alone["category"], "{}", node["id"]);
    }
    for (review, alone) in reviews
        .iter()
        .zip(looked_up["reviews"].as_array().expect("reviews"))
    {
        assert_eq!(review["author"], alone["author"], "{}", review["id"]);
    }

    // The pages read no address; an admin who asks for them gets each
    // author's own.
    let (_, admin) = app.signed_in(Role::Admin).await;
    let with_emails = "{ products(first: 10) { nodes { reviews(first: 3) { nodes {
      id author { email }
    } } } } }";
    let listed = app.data_as(&admin, with_emails, json!({})).await;
    let reviews: Vec<&serde_json::Value> = listed["products"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .flat_map(|node| node["reviews"]["nodes"].as_array().expect("reviews"))
        .collect();
    let looked_up = app
        .data_as(
            &admin,
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Review { author { email } } } }",
            json!({ "ids": ids(reviews.clone()) }),
        )
        .await;
    let alone = looked_up["nodes"].as_array().expect("nodes");
    assert!(!alone.is_empty());
    for (review, alone) in reviews.iter().zip(alone) {
        assert!(alone["author"]["email"].is_string(), "{alone}");
        assert_eq!(review["author"], alone["author"], "{}", review["id"]);
    }
}
