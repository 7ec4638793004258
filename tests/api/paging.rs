//! Keyset paging: every ordering, both directions, visits every row exactly
//! once, even while rows are inserted during the walk.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};
use storefront::{
    entities::products,
    schema::ids::{self, NodeKind},
};

use crate::helpers::{TestApp, catalog_plan, spawn_seeded};

const PAGE: &str =
    "query Page($first: Int, $after: String, $last: Int, $before: String, $order: ProductOrder) {
  products(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id name price { amount } rating { average } createdAt }
  }
}";

const FIELDS: [&str; 4] = ["NAME", "PRICE", "CREATED_AT", "RATING"];

fn row_id(node: &Value) -> i64 {
    ids::decode_as(node["id"].as_str().expect("id"), NodeKind::Product, "id").expect("product id")
}

/// Walks the whole list, calling `between_pages` after each page.
async fn walk<F, Fut>(
    app: &TestApp,
    order: &Value,
    forward: bool,
    mut between_pages: F,
) -> Vec<Value>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page_number in 0..100 {
        let variables = if forward {
            json!({ "first": 7, "after": cursor, "order": order })
        } else {
            json!({ "last": 7, "before": cursor, "order": order })
        };
        let data = app.data(PAGE, variables).await;
        let connection = &data["products"];
        let mut nodes = connection["nodes"].as_array().expect("nodes").clone();
        assert!(nodes.len() <= 7);
        let info = &connection["pageInfo"];
        if forward {
            seen.extend(nodes);
        } else {
            nodes.reverse();
            seen.extend(nodes);
        }
        let (more, next) = if forward {
            (info["hasNextPage"].as_bool(), &info["endCursor"])
        } else {
            (info["hasPreviousPage"].as_bool(), &info["startCursor"])
        };
        if more != Some(true) {
            if !forward {
                seen.reverse();
            }
            return seen;
        }
        cursor = next.as_str().map(str::to_owned);
        between_pages(page_number).await;
    }
    panic!("paging did not end after 100 pages");
}

fn sort_key(node: &Value, field: &str) -> Option<i64> {
    match field {
        "PRICE" => Some(
            storefront::schema::scalars::Decimal::parse(node["price"]["amount"].as_str()?)
                .ok()?
                .0,
        ),
        "RATING" => Some(
            node["rating"]["average"]
                .as_f64()
                .map_or(0, |avg| (avg * 1000.0).round() as i64),
        ),
        "CREATED_AT" => Some(
            chrono::DateTime::parse_from_rfc3339(node["createdAt"].as_str()?)
                .ok()?
                .timestamp_micros(),
        ),
        _ => None,
    }
}

fn assert_sorted(nodes: &[Value], field: &str, descending: bool) {
    for pair in nodes.windows(2) {
        let (Some(a), Some(b)) = (sort_key(&pair[0], field), sort_key(&pair[1], field)) else {
            continue;
        };
        let key_order = if descending { b.cmp(&a) } else { a.cmp(&b) };
        let id_order = if descending {
            row_id(&pair[1]).cmp(&row_id(&pair[0]))
        } else {
            row_id(&pair[0]).cmp(&row_id(&pair[1]))
        };
        assert!(
            key_order.is_lt() || (key_order.is_eq() && id_order.is_lt()),
            "{field} out of order: {} then {}",
            pair[0],
            pair[1]
        );
    }
}

#[tokio::test]
async fn walking_every_ordering_forward_and_backward_visits_every_product_once() {
    let app = spawn_seeded(catalog_plan()).await;

    for field in FIELDS {
        for direction in ["ASC", "DESC"] {
            let order = json!({ "field": field, "direction": direction });
            let forward = walk(&app, &order, true, |_| async {}).await;
            let backward = walk(&app, &order, false, |_| async {}).await;

            let forward_ids: Vec<i64> = forward.iter().map(row_id).collect();
            let backward_ids: Vec<i64> = backward.iter().map(row_id).collect();
            let unique: HashSet<i64> = forward_ids.iter().copied().collect();
            assert_eq!(forward_ids.len(), 80, "{field} {direction}");
            assert_eq!(unique.len(), 80, "{field} {direction} repeated a product");
            assert_eq!(
                forward_ids, backward_ids,
                "{field} {direction}: backward walk differs"
            );
            assert_sorted(&forward, field, direction == "DESC");
        }
    }
}

async fn insert_product(app: &TestApp, n: usize, price_cents: i64) {
    let now = Utc::now();
    products::ActiveModel {
        category_id: Set(2),
        sku: Set(format!("INSERTED-{n}")),
        name: Set(format!(
            "{} Inserted {n}",
            if n % 2 == 0 { "Aardvark" } else { "Zebra" }
        )),
        slug: Set(format!("inserted-{n}")),
        description: Set(String::new()),
        price_cents: Set(price_cents),
        stock: Set(1),
        rating_average_milli: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("insert product");
}

#[tokio::test]
async fn rows_inserted_during_a_walk_never_make_it_skip_or_repeat_a_product() {
    let app = spawn_seeded(catalog_plan()).await;
    let mut inserted = 0;

    for field in FIELDS {
        for (direction, forward) in [("ASC", true), ("DESC", false)] {
            let order = json!({ "field": field, "direction": direction });
            let before: HashSet<i64> = walk(&app, &order, true, |_| async {})
                .await
                .iter()
                .map(row_id)
                .collect();
            let app_ref = &app;
            let walked = walk(&app, &order, forward, |page| {
                inserted += 1;
                let n = inserted;
                async move {
                    // Cheap and dear, early and late names: rows land on both
                    // sides of the cursor.
                    let price = if page % 2 == 0 { 1 } else { 1_000_000 };
                    insert_product(app_ref, n, price).await;
                }
            })
            .await;
            let ids: Vec<i64> = walked.iter().map(row_id).collect();
            let unique: HashSet<i64> = ids.iter().copied().collect();
            assert_eq!(
                unique.len(),
                ids.len(),
                "{field} {direction} repeated a product"
            );
            assert!(
                before.is_subset(&unique),
                "{field} {direction} skipped a product"
            );
        }
    }
    assert!(inserted > 20);
}

#[tokio::test]
async fn page_info_and_cursors_follow_relay_rules() {
    let app = spawn_seeded(catalog_plan()).await;
    let order = json!({ "field": "PRICE", "direction": "ASC" });

    let first = app.data(PAGE, json!({ "first": 5, "order": order })).await;
    let info = &first["products"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true);
    assert_eq!(info["hasPreviousPage"], false);

    let last = app.data(PAGE, json!({ "last": 5, "order": order })).await;
    let info = &last["products"]["pageInfo"];
    assert_eq!(info["hasNextPage"], false);
    assert_eq!(info["hasPreviousPage"], true);

    let default = app.data("{ products { nodes { id } } }", json!({})).await;
    assert_eq!(
        default["products"]["nodes"].as_array().map(Vec::len),
        Some(20)
    );

    let everything = app
        .data(
            "{ products(first: 100) { pageInfo { hasNextPage } nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        everything["products"]["nodes"].as_array().map(Vec::len),
        Some(80)
    );
    assert_eq!(everything["products"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn a_page_reads_the_same_rows_whether_or_not_it_asks_for_page_info() {
    let app = spawn_seeded(catalog_plan()).await;
    let plain = app
        .data(
            "{ products(first: 30) { nodes { id reviews(first: 3) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    let with_info = app
        .data(
            "{ products(first: 30) { pageInfo { hasNextPage } nodes { id reviews(first: 3) { pageInfo { hasNextPage hasPreviousPage } totalCount nodes { id } } } } }",
            json!({}),
        )
        .await;
    let plain_nodes = plain["products"]["nodes"].as_array().expect("products");
    let info_nodes = with_info["products"]["nodes"].as_array().expect("products");
    assert_eq!(plain_nodes.len(), 30);
    assert_eq!(with_info["products"]["pageInfo"]["hasNextPage"], true);
    let mut with_more = 0;
    for (plain, info) in plain_nodes.iter().zip(info_nodes) {
        assert_eq!(plain["id"], info["id"]);
        assert_eq!(plain["reviews"]["nodes"], info["reviews"]["nodes"]);
        let reviews = &info["reviews"];
        let shown = reviews["nodes"].as_array().map_or(0, Vec::len);
        let total = reviews["totalCount"].as_i64().expect("totalCount");
        assert_eq!(shown as i64, total.min(3));
        assert_eq!(reviews["pageInfo"]["hasNextPage"], total > 3);
        assert_eq!(reviews["pageInfo"]["hasPreviousPage"], false);
        with_more += usize::from(total > 3);
    }
    assert!(
        with_more > 0,
        "the seed gives some products more than 3 reviews"
    );
}
