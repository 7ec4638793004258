//! Catalog reads: filters match a brute-force filter of the same data;
//! lookups by ID and slug; category trees.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use storefront::schema::scalars::Decimal;

use crate::helpers::{TestApp, catalog_plan, spawn_seeded};

const ALL: &str = "query All($after: String) {
  products(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id name sku stock inStock price { amount currency } category { id } }
  }
}";

const FILTERED: &str = "query Filtered($filter: ProductFilter, $after: String) {
  products(first: 100, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id }
  }
}";

async fn every_product(app: &TestApp) -> Vec<Value> {
    let mut products = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(ALL, json!({ "after": after })).await;
        products.extend(
            data["products"]["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .cloned(),
        );
        if data["products"]["pageInfo"]["hasNextPage"] != true {
            return products;
        }
        after = data["products"]["pageInfo"]["endCursor"].clone();
    }
}

async fn filtered_ids(app: &TestApp, filter: &Value) -> (BTreeSet<String>, i64) {
    let mut ids = BTreeSet::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(FILTERED, json!({ "filter": filter, "after": after }))
            .await;
        let connection = &data["products"];
        ids.extend(
            connection["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|node| node["id"].as_str().expect("id").to_owned()),
        );
        if connection["pageInfo"]["hasNextPage"] != true {
            return (ids, connection["totalCount"].as_i64().expect("totalCount"));
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

/// A filter as sent, and the brute-force predicate it must equal.
type FilterCase = (Value, Box<dyn Fn(&Value) -> bool>);

fn cents(product: &Value) -> i64 {
    Decimal::parse(product["price"]["amount"].as_str().expect("amount"))
        .expect("decimal")
        .0
}

#[tokio::test]
async fn filters_return_exactly_what_a_brute_force_filter_returns() {
    let app = spawn_seeded(catalog_plan()).await;
    let products = every_product(&app).await;
    assert_eq!(products.len(), 80);
    let category = products[0]["category"]["id"].clone();
    let word = products[3]["name"]
        .as_str()
        .expect("name")
        .split(' ')
        .nth(1)
        .expect("word")
        .to_owned();
    let shouted = word.to_uppercase();
    let sku = products[5]["sku"].as_str().expect("sku").to_lowercase();

    let cases: Vec<FilterCase> = vec![
        (
            json!({ "minPrice": "100.00", "maxPrice": "250.99" }),
            Box::new(|p| (10_000..=25_099).contains(&cents(p))),
        ),
        (
            json!({ "minPrice": "300" }),
            Box::new(|p| cents(p) >= 30_000),
        ),
        (
            json!({ "maxPrice": "49.99" }),
            Box::new(|p| cents(p) <= 4_999),
        ),
        (
            json!({ "categoryId": category }),
            Box::new({
                let category = category.clone();
                move |p| p["category"]["id"] == category
            }),
        ),
        (
            json!({ "inStock": true }),
            Box::new(|p| p["stock"].as_i64() > Some(0)),
        ),
        (
            json!({ "inStock": false }),
            Box::new(|p| p["stock"].as_i64() == Some(0)),
        ),
        (
            json!({ "search": shouted }),
            Box::new({
                let word = word.to_lowercase();
                move |p| {
                    p["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains(&word)
                        || p["sku"]
                            .as_str()
                            .unwrap_or_default()
                            .to_lowercase()
                            .contains(&word)
                }
            }),
        ),
        (
            json!({ "search": sku }),
            Box::new({
                let sku = sku.clone();
                move |p| {
                    p["sku"]
                        .as_str()
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains(&sku)
                        || p["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_lowercase()
                            .contains(&sku)
                }
            }),
        ),
        (json!({ "search": "100%_" }), Box::new(|_| false)),
        (
            json!({ "inStock": true, "minPrice": "50", "search": "e" }),
            Box::new(|p| {
                p["stock"].as_i64() > Some(0)
                    && cents(p) >= 5_000
                    && (p["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains('e')
                        || p["sku"]
                            .as_str()
                            .unwrap_or_default()
                            .to_lowercase()
                            .contains('e'))
            }),
        ),
    ];

    let mut non_trivial = 0;
    for (filter, keep) in cases {
        let expected: BTreeSet<String> = products
            .iter()
            .filter(|p| keep(p))
            .map(|p| p["id"].as_str().expect("id").to_owned())
            .collect();
        let (actual, total) = filtered_ids(&app, &filter).await;
        assert_eq!(actual, expected, "filter {filter}");
        assert_eq!(total, expected.len() as i64, "totalCount of {filter}");
        if !expected.is_empty() && expected.len() < products.len() {
            non_trivial += 1;
        }
    }
    assert!(non_trivial >= 7, "most cases should select a proper subset");
}

#[tokio::test]
async fn category_products_apply_the_same_filter_and_order_as_the_top_level_list() {
    let app = spawn_seeded(catalog_plan()).await;
    let categories = app
        .data(
            "{ categories(first: 100) { totalCount nodes { id name children { id } } } }",
            json!({}),
        )
        .await;
    let leaves: Vec<Value> = categories["categories"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|c| c["children"].as_array().is_some_and(Vec::is_empty))
        .cloned()
        .collect();
    assert_eq!(categories["categories"]["totalCount"], 30);
    assert_eq!(leaves.len(), 24);

    let filter = json!({ "minPrice": "20", "inStock": true });
    let order = json!({ "field": "PRICE", "direction": "DESC" });
    let nested = app
        .data(
            "query($filter: ProductFilter, $order: ProductOrder) { categories(first: 100) { nodes { id products(first: 100, filter: $filter, orderBy: $order) { totalCount nodes { id } } } } }",
            json!({ "filter": filter, "order": order }),
        )
        .await;
    for category in nested["categories"]["nodes"].as_array().expect("nodes") {
        let mut top_filter = filter.clone();
        top_filter["categoryId"] = category["id"].clone();
        let top = app
            .data(
                "query($filter: ProductFilter, $order: ProductOrder) { products(first: 100, filter: $filter, orderBy: $order) { totalCount nodes { id } } }",
                json!({ "filter": top_filter, "order": order }),
            )
            .await;
        assert_eq!(
            category["products"]["nodes"], top["products"]["nodes"],
            "category {}",
            category["id"]
        );
        assert_eq!(
            category["products"]["totalCount"],
            top["products"]["totalCount"]
        );
    }
}

#[tokio::test]
async fn products_and_categories_resolve_by_id_slug_and_node() {
    let app = spawn_seeded(catalog_plan()).await;
    let page = app
        .data("{ products(first: 1) { nodes { id slug name category { id slug name parent { id name children { name } } } } } }", json!({}))
        .await;
    let product = &page["products"]["nodes"][0];

    let by_slug = app
        .data(
            "query($slug: String!) { product(slug: $slug) { id name } }",
            json!({ "slug": product["slug"] }),
        )
        .await;
    assert_eq!(by_slug["product"]["id"], product["id"]);

    let by_id = app
        .data("query($id: ID!) { product(id: $id) { name } node(id: $id) { id ... on Product { slug } } }", json!({ "id": product["id"] }))
        .await;
    assert_eq!(by_id["product"]["name"], product["name"]);
    assert_eq!(by_id["node"]["slug"], product["slug"]);

    let category = &product["category"];
    let by_category_slug = app
        .data(
            "query($slug: String!) { category(slug: $slug) { id parent { name } } }",
            json!({ "slug": category["slug"] }),
        )
        .await;
    assert_eq!(by_category_slug["category"]["id"], category["id"]);
    assert_eq!(
        by_category_slug["category"]["parent"]["name"],
        category["parent"]["name"]
    );
    let siblings = category["parent"]["children"].as_array().expect("children");
    assert!(
        siblings
            .iter()
            .any(|child| child["name"] == category["name"])
    );

    let unknown = app
        .gql(
            "{ product(slug: \"no-such-product\") { id } category(slug: \"nope\") { id } }",
            json!({}),
        )
        .await;
    assert!(unknown.get("errors").is_none(), "{unknown}");
    assert_eq!(unknown["data"]["product"], Value::Null);
    assert_eq!(unknown["data"]["category"], Value::Null);
}

#[tokio::test]
async fn money_is_exact_and_ratings_summarise_reviews() {
    let app = spawn_seeded(catalog_plan()).await;
    let data = app
        .data("{ products(first: 100) { nodes { price { amount currency } rating { average count } reviews(first: 100) { totalCount nodes { rating author { name } } } } } }", json!({}))
        .await;
    for product in data["products"]["nodes"].as_array().expect("nodes") {
        let amount = product["price"]["amount"].as_str().expect("amount");
        assert!(
            amount
                .split_once('.')
                .is_some_and(|(_, cents)| cents.len() == 2),
            "{amount}"
        );
        assert_eq!(product["price"]["currency"], "USD");
        let ratings: Vec<i64> = product["reviews"]["nodes"]
            .as_array()
            .expect("reviews")
            .iter()
            .map(|r| r["rating"].as_i64().expect("rating"))
            .collect();
        assert_eq!(product["rating"]["count"], ratings.len() as i64);
        assert_eq!(product["reviews"]["totalCount"], ratings.len() as i64);
        match product["rating"]["average"].as_f64() {
            None => assert!(ratings.is_empty()),
            Some(average) => {
                let expected = ratings.iter().sum::<i64>() as f64 / ratings.len() as f64;
                assert!((average - expected).abs() < 1e-9, "{average} vs {expected}");
            }
        }
    }
}

/// Walks one nested connection page by page (two rows a page) forward with
/// `after`, then backward with `before`, and returns the ids both ways.
async fn walk_nested(app: &TestApp, query: &str, variables: Value) -> (Vec<Value>, Vec<Value>) {
    let connection = |data: Value| -> Value {
        let holder = data.as_object().and_then(|o| o.values().next().cloned());
        let holder = holder.expect("one root field");
        let list = holder.as_object().and_then(|o| o.values().next().cloned());
        list.expect("one connection")
    };
    let mut forward = Vec::new();
    let mut after = Value::Null;
    loop {
        let mut vars = variables.clone();
        vars["first"] = json!(2);
        vars["after"] = after;
        let page = connection(app.data(query, vars).await);
        forward.extend(page["nodes"].as_array().expect("nodes").iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let mut vars = variables.clone();
        vars["last"] = json!(2);
        vars["before"] = before;
        let page = connection(app.data(query, vars).await);
        let nodes = page["nodes"].as_array().expect("nodes");
        backward.splice(0..0, nodes.iter().cloned());
        if page["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    (forward, backward)
}

#[tokio::test]
async fn nested_pages_walk_with_cursors_both_ways_like_the_whole_list() {
    let app = spawn_seeded(catalog_plan()).await;
    let categories = app
        .data(
            "{ categories(first: 100) { nodes { id slug products(first: 100) { totalCount } } } }",
            json!({}),
        )
        .await;
    let busiest = categories["categories"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .max_by_key(|c| c["products"]["totalCount"].as_i64())
        .cloned()
        .expect("a category");
    assert!(busiest["products"]["totalCount"].as_i64() > Some(4));

    for order in [
        json!({ "field": "PRICE", "direction": "DESC" }),
        json!({ "field": "NAME", "direction": "ASC" }),
    ] {
        let whole = app
            .data(
                "query($filter: ProductFilter, $order: ProductOrder) { products(first: 100, filter: $filter, orderBy: $order) { nodes { id } } }",
                json!({ "filter": { "categoryId": busiest["id"] }, "order": order }),
            )
            .await["products"]["nodes"]
            .clone();
        let (forward, backward) = walk_nested(
            &app,
            "query($slug: String, $order: ProductOrder, $first: Int, $after: String, $last: Int, $before: String) { category(slug: $slug) { products(first: $first, after: $after, last: $last, before: $before, orderBy: $order) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } } }",
            json!({ "slug": busiest["slug"], "order": order }),
        )
        .await;
        assert_eq!(Value::Array(forward), whole, "forward, {order}");
        assert_eq!(Value::Array(backward), whole, "backward, {order}");
    }

    let product = app
        .data(
            "{ products(first: 100) { nodes { slug reviews(first: 100) { nodes { id } } } } }",
            json!({}),
        )
        .await["products"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .max_by_key(|p| p["reviews"]["nodes"].as_array().map(Vec::len))
        .cloned()
        .expect("a product");
    let reviews = product["reviews"]["nodes"].clone();
    assert!(reviews.as_array().map(Vec::len) > Some(3), "{reviews}");
    let (forward, backward) = walk_nested(
        &app,
        "query($slug: String, $first: Int, $after: String, $last: Int, $before: String) { product(slug: $slug) { reviews(first: $first, after: $after, last: $last, before: $before) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } } }",
        json!({ "slug": product["slug"] }),
    )
    .await;
    assert_eq!(Value::Array(forward), reviews);
    assert_eq!(Value::Array(backward), reviews);
}
