//! Order reads: per-role lists, filters and orderings against the stored
//! rows, statement counts independent of page size, and `salesSummary`
//! exact to the cent.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use storefront::{
    auth::Role,
    domain::OrderStatus,
    entities::{order_items, orders},
    schema::{ids::NodeKind, scalars::Decimal},
    seed::{Scale, SeedPlan},
};

use crate::{
    helpers::{
        TestApp, assert_error, catalog_plan, error_code, gid, row_id, spawn_seeded, statements,
    },
    order_fixtures::{line, place, stock_product},
};

const LIST: &str =
    "query List($first: Int, $after: String, $filter: OrderFilter, $orderBy: OrderOrder) {
  orders(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id number status customer { id } total { amount } createdAt }
  }
}";

const SUMMARY: &str = "query Summary($since: DateTime, $until: DateTime) {
  salesSummary(since: $since, until: $until) {
    orderCount
    revenue { amount currency }
    averageOrderValue { amount }
    topProducts(limit: 5) { product { id name } unitsSold revenue { amount } }
  }
}";

/// The catalog data set with enough orders to page through.
fn plan() -> SeedPlan {
    SeedPlan {
        orders: 80,
        ..catalog_plan()
    }
}

async fn every_order(app: &TestApp) -> Vec<orders::Model> {
    orders::Entity::find()
        .all(&app.db)
        .await
        .expect("read orders")
}

/// The seeded admin (user 1).
fn admin_token(app: &TestApp) -> String {
    app.token(1, Role::Admin)
}

/// Every page of `orders` for `token` and `variables`; the order ids in
/// page order.
async fn walk(app: &TestApp, token: &str, variables: Value) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    loop {
        let mut page_variables = variables.clone();
        page_variables["after"] = after;
        let data = app.data_as(token, LIST, page_variables).await;
        for node in data["orders"]["nodes"].as_array().expect("nodes") {
            ids.push(row_id(&node["id"]));
        }
        if data["orders"]["pageInfo"]["hasNextPage"] != true {
            return ids;
        }
        after = data["orders"]["pageInfo"]["endCursor"].clone();
    }
}

fn sorted_ids(rows: &[&orders::Model]) -> Vec<i64> {
    let mut ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn customers_list_only_their_own_orders_and_admins_list_every_order() {
    let app = spawn_seeded(plan()).await;
    let all = every_order(&app).await;
    let mut per_user: HashMap<i64, usize> = HashMap::new();
    for order in &all {
        *per_user.entry(order.user_id).or_default() += 1;
    }
    let (&customer, &count) = per_user
        .iter()
        .filter(|(user, _)| **user != 1)
        .max_by_key(|(user, count)| (**count, -**user))
        .expect("a customer with orders");
    let token = app.token(customer, Role::Customer);

    let own = app.data_as(&token, LIST, json!({ "first": 100 })).await;
    let every = app
        .data_as(&admin_token(&app), LIST, json!({ "first": 100 }))
        .await;

    let nodes = own["orders"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), count);
    assert_eq!(own["orders"]["totalCount"], count);
    let me = gid(NodeKind::User, customer);
    assert!(nodes.iter().all(|node| node["customer"]["id"] == me));
    assert_eq!(every["orders"]["totalCount"], all.len());
    assert_eq!(
        every["orders"]["nodes"].as_array().map(Vec::len),
        Some(all.len())
    );
}

#[tokio::test]
async fn anonymous_callers_get_unauthenticated_for_order_and_orders() {
    let app = spawn_seeded(plan()).await;

    let list = app.gql(LIST, json!({})).await;
    let one = app
        .gql(
            "query($id: ID!) { order(id: $id) { number } }",
            json!({ "id": gid(NodeKind::Order, 1) }),
        )
        .await;

    assert_eq!(error_code(&list), "UNAUTHENTICATED");
    assert_eq!(error_code(&one), "UNAUTHENTICATED");
}

#[tokio::test]
async fn orders_default_to_newest_first() {
    let app = spawn_seeded(plan()).await;
    let mut all = every_order(&app).await;
    all.sort_by_key(|order| std::cmp::Reverse((order.created_at, order.id)));

    let ids = walk(&app, &admin_token(&app), json!({ "first": 9 })).await;

    assert_eq!(ids, all.iter().map(|o| o.id).collect::<Vec<_>>());
}

#[tokio::test]
async fn orders_page_by_total_and_by_number_covering_each_order_once() {
    let app = spawn_seeded(plan()).await;
    let admin = admin_token(&app);
    let mut by_total = every_order(&app).await;
    by_total.sort_by_key(|order| (order.total_cents, order.id));
    let mut by_number = by_total.clone();
    by_number.sort_by(|a, b| b.number.cmp(&a.number).then(b.id.cmp(&a.id)));

    let total_ids = walk(
        &app,
        &admin,
        json!({ "first": 7, "orderBy": { "field": "TOTAL", "direction": "ASC" } }),
    )
    .await;
    let number_ids = walk(
        &app,
        &admin,
        json!({ "first": 11, "orderBy": { "field": "NUMBER", "direction": "DESC" } }),
    )
    .await;

    assert_eq!(total_ids, by_total.iter().map(|o| o.id).collect::<Vec<_>>());
    assert_eq!(
        number_ids,
        by_number.iter().map(|o| o.id).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn orders_filter_by_status_customer_and_creation_window() {
    let app = spawn_seeded(plan()).await;
    let admin = admin_token(&app);
    let all = every_order(&app).await;
    let mut times: Vec<DateTime<Utc>> = all.iter().map(|o| o.created_at).collect();
    times.sort();
    let (after, before) = (times[20], times[60]);
    let customer = all.iter().find(|o| o.user_id != 1).expect("order").user_id;

    let delivered = walk(
        &app,
        &admin,
        json!({ "first": 100, "filter": { "status": "DELIVERED" } }),
    )
    .await;
    let of_customer = walk(
        &app,
        &admin,
        json!({ "first": 100, "filter": { "customerId": gid(NodeKind::User, customer) } }),
    )
    .await;
    let window = walk(
        &app,
        &admin,
        json!({ "first": 100, "filter": {
            "createdAfter": after.to_rfc3339(),
            "createdBefore": before.to_rfc3339(),
        } }),
    )
    .await;

    let expect = |keep: &dyn Fn(&orders::Model) -> bool| {
        sorted_ids(&all.iter().filter(|o| keep(o)).collect::<Vec<_>>())
    };
    let sorted = |mut ids: Vec<i64>| {
        ids.sort_unstable();
        ids
    };
    let delivered_expected = expect(&|o| o.status == OrderStatus::Delivered);
    assert!(!delivered_expected.is_empty());
    assert_eq!(sorted(delivered), delivered_expected);
    assert_eq!(sorted(of_customer), expect(&|o| o.user_id == customer));
    let window_expected = expect(&|o| o.created_at >= after && o.created_at < before);
    assert!(window_expected.len() >= 40);
    assert_eq!(sorted(window), window_expected);
}

#[tokio::test]
async fn a_creation_window_that_ends_before_it_starts_is_bad_user_input() {
    let app = spawn_seeded(plan()).await;
    let now = Utc::now();

    let reply = app
        .gql_as(
            &admin_token(&app),
            LIST,
            json!({ "filter": {
                "createdAfter": now.to_rfc3339(),
                "createdBefore": (now - Duration::days(1)).to_rfc3339(),
            } }),
        )
        .await;

    assert_error(&reply.body, "BAD_USER_INPUT", Some("filter.createdBefore"));
}

/// `query` (with `$n`) run by `admin` for 5 and for 50 orders: both
/// answers, checked for errors, and the 50 order nodes.
async fn orders_at_5_and_50(app: &TestApp, admin: &str, query: &str) -> (Value, Value, Vec<Value>) {
    let small = app.gql_as(admin, query, json!({ "n": 5 })).await.body;
    let large = app.gql_as(admin, query, json!({ "n": 50 })).await.body;
    assert!(small.get("errors").is_none(), "{small}");
    assert!(large.get("errors").is_none(), "{large}");
    let nodes = large["data"]["orders"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes.len(), 50);
    (small, large, nodes)
}

#[tokio::test]
async fn the_orders_page_sends_the_same_statements_for_5_and_50_orders() {
    let app = spawn_seeded(plan()).await;
    let admin = admin_token(&app);
    let query = "query($n: Int!) { orders(first: $n) { nodes {
      number customer { name } items { quantity product { name category { name } } }
    } } }";

    let (small, large, nodes) = orders_at_5_and_50(&app, &admin, query).await;

    assert!(nodes.iter().all(|node| {
        node["items"].as_array().is_some_and(|items| {
            !items.is_empty() && items[0]["product"]["category"]["name"].is_string()
        })
    }));
    assert_eq!(statements(&small), statements(&large));
    assert_eq!(
        statements(&large),
        2,
        "orders with their customers, lines with their products and categories"
    );
}

#[tokio::test]
async fn the_orders_page_reads_customers_products_and_categories_as_lookups_find_them() {
    let app = spawn_seeded(plan()).await;
    let admin = admin_token(&app);
    let query = "query($n: Int!) { orders(first: $n) { nodes {
      customer { id name email } items { product { id name category { name } } }
    } } }";

    let (_, large, nodes) = orders_at_5_and_50(&app, &admin, query).await;
    assert_eq!(statements(&large), 2, "addresses come with their customers");

    let customers: Vec<&Value> = nodes.iter().map(|node| &node["customer"]).collect();
    let products: Vec<&Value> = nodes
        .iter()
        .flat_map(|node| node["items"].as_array().expect("items"))
        .map(|item| &item["product"])
        .collect();
    assert!(products.len() > 50, "the seed should give orders lines");
    let ids =
        |rows: &[&Value]| -> Vec<Value> { rows.iter().map(|row| row["id"].clone()).collect() };
    let looked_up = app
        .data_as(
            &admin,
            "query($users: [ID!]!, $products: [ID!]!) {
              users: nodes(ids: $users) { ... on User { id name email } }
              products: nodes(ids: $products) { ... on Product { id name category { name } } }
            }",
            json!({ "users": ids(&customers), "products": ids(&products) }),
        )
        .await;
    let found = |name: &str| looked_up[name].as_array().expect("nodes").clone();
    assert_eq!(
        customers.into_iter().cloned().collect::<Vec<_>>(),
        found("users")
    );
    assert_eq!(
        products.into_iter().cloned().collect::<Vec<_>>(),
        found("products")
    );
}

#[tokio::test]
async fn order_lines_reaching_only_their_products_send_the_same_statements_for_5_and_50_orders() {
    let app = spawn_seeded(plan()).await;
    let admin = admin_token(&app);
    let query = "query($n: Int!) { orders(first: $n) { nodes {
      number items { quantity product { name } }
    } } }";

    let (small, large, nodes) = orders_at_5_and_50(&app, &admin, query).await;

    assert!(nodes.iter().all(|node| {
        node["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty() && items[0]["product"]["name"].is_string())
    }));
    assert_eq!(statements(&small), statements(&large));
    assert_eq!(statements(&large), 2, "orders, lines with their products");
}

/// Three selections of `items` on one order: the list reads its items'
/// lines once for the union of what they show of their products, and each
/// selection still answers as it does on the order alone.
const LINES: &str = r#"
    fragment Lines on Order {
      id
      items { quantity product { name } }
      stocked: items { product { sku stock category { name } } }
      bare: items { quantity }
    }
"#;

#[tokio::test]
async fn listed_orders_answer_their_items_as_each_order_alone() {
    let app = spawn_seeded(plan()).await;
    let admin = admin_token(&app);
    let list = app
        .data_as(
            &admin,
            &format!("{{ orders(first: 12) {{ nodes {{ ...Lines }} }} }} {LINES}"),
            json!({}),
        )
        .await;
    let nodes = list["orders"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 12, "{list}");
    assert!(
        nodes
            .iter()
            .all(|node| node["stocked"][0]["product"]["category"]["name"].is_string()),
        "{list}"
    );

    for listed in nodes {
        let alone = app
            .data_as(
                &admin,
                &format!("query($id: ID!) {{ node(id: $id) {{ ...Lines }} }} {LINES}"),
                json!({ "id": listed["id"] }),
            )
            .await;
        assert_eq!(listed, &alone["node"]);
    }
}

#[tokio::test]
async fn aliased_order_lines_send_the_same_statements_for_5_and_50_orders() {
    let app = spawn_seeded(plan()).await;
    let admin = admin_token(&app);
    let query =
        format!("query($n: Int!) {{ orders(first: $n) {{ nodes {{ ...Lines }} }} }} {LINES}");

    let (small, large, _) = orders_at_5_and_50(&app, &admin, &query).await;

    assert_eq!(statements(&small), statements(&large));
}

#[tokio::test]
async fn nested_user_orders_send_the_same_statements_for_3_and_30_users() {
    let app = spawn_seeded(plan()).await;
    let admin = admin_token(&app);
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on User {
      orders(first: 2) { totalCount nodes { number items { quantity } } }
    } } }";
    let users = |n: i64| -> Vec<String> { (1..=n).map(|id| gid(NodeKind::User, id)).collect() };

    let small = app
        .gql_as(&admin, query, json!({ "ids": users(3) }))
        .await
        .body;
    let large = app
        .gql_as(&admin, query, json!({ "ids": users(30) }))
        .await
        .body;

    assert!(large.get("errors").is_none(), "{large}");
    let counted: i64 = large["data"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|user| user["orders"]["totalCount"].as_i64().expect("count"))
        .sum();
    assert!(counted > 30, "the seed should give these users orders");
    assert_eq!(statements(&small), statements(&large));
    assert_eq!(
        statements(&large),
        4,
        "users, order pages, order counts, items"
    );
}

#[tokio::test]
async fn a_user_and_admins_read_the_users_orders() {
    let app = spawn_seeded(plan()).await;
    let all = every_order(&app).await;
    let customer = all.iter().find(|o| o.user_id != 1).expect("order").user_id;
    let expected = all.iter().filter(|o| o.user_id == customer).count();
    let query = "query($id: ID!) { node(id: $id) { ... on User { orders(first: 100) { totalCount nodes { customer { id } } } } } }";
    let variables = json!({ "id": gid(NodeKind::User, customer) });

    let own = app
        .data_as(
            &app.token(customer, Role::Customer),
            query,
            variables.clone(),
        )
        .await;
    let admin = app.data_as(&admin_token(&app), query, variables).await;

    assert_eq!(own["node"]["orders"]["totalCount"], expected);
    assert_eq!(own, admin);
    let nodes = own["node"]["orders"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), expected);
}

/// A shop with no seeded orders, so that sales are exactly what a test placed.
async fn empty_shop() -> TestApp {
    let app = spawn_seeded(SeedPlan {
        orders: 0,
        ..Scale::Tiny.plan()
    })
    .await;
    stock_product(&app, 1, 10, 1999).await;
    stock_product(&app, 2, 10, 10).await;
    stock_product(&app, 3, 10, 1000).await;
    app
}

#[tokio::test]
async fn sales_summary_counts_every_order_but_cancelled_ones_to_the_cent() {
    let app = empty_shop().await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    place(&app, &customer, vec![line(1, 3)]).await;
    place(&app, &customer, vec![line(2, 7)]).await;
    let cancelled = place(&app, &customer, vec![line(3, 1)]).await;
    app.data_as(
        &customer,
        "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
        json!({ "id": cancelled["id"] }),
    )
    .await;

    let reply = app
        .gql_as(&admin_token(&app), SUMMARY, json!({}))
        .await
        .body;

    assert!(reply.get("errors").is_none(), "{reply}");
    let summary = &reply["data"]["salesSummary"];
    assert_eq!(summary["orderCount"], 2);
    assert_eq!(
        summary["revenue"],
        json!({ "amount": "60.67", "currency": "USD" })
    );
    assert_eq!(summary["averageOrderValue"]["amount"], "30.34");
    assert_eq!(
        summary["topProducts"],
        json!([
            { "product": { "id": gid(NodeKind::Product, 1), "name": summary["topProducts"][0]["product"]["name"] },
              "unitsSold": 3, "revenue": { "amount": "59.97" } },
            { "product": { "id": gid(NodeKind::Product, 2), "name": summary["topProducts"][1]["product"]["name"] },
              "unitsSold": 7, "revenue": { "amount": "0.70" } },
        ])
    );
    assert_eq!(statements(&reply), 3, "totals, top products, products");
}

#[tokio::test]
async fn sales_summary_of_a_window_without_orders_is_zero() {
    let app = empty_shop().await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    place(&app, &customer, vec![line(1, 3)]).await;
    let since = Utc::now() + Duration::hours(1);

    let data = app
        .data_as(
            &admin_token(&app),
            SUMMARY,
            json!({ "since": since.to_rfc3339() }),
        )
        .await;

    assert_eq!(data["salesSummary"]["orderCount"], 0);
    assert_eq!(data["salesSummary"]["revenue"]["amount"], "0.00");
    assert_eq!(data["salesSummary"]["averageOrderValue"]["amount"], "0.00");
    assert_eq!(data["salesSummary"]["topProducts"], json!([]));
}

#[tokio::test]
async fn sales_summary_matches_the_stored_orders_of_a_window() {
    let app = spawn_seeded(plan()).await;
    let all = every_order(&app).await;
    let mut times: Vec<DateTime<Utc>> = all.iter().map(|o| o.created_at).collect();
    times.sort();
    let (since, until) = (times[10], times[70]);
    let sold: HashMap<i64, &orders::Model> = all
        .iter()
        .filter(|o| {
            o.status != OrderStatus::Cancelled && o.created_at >= since && o.created_at < until
        })
        .map(|o| (o.id, o))
        .collect();
    let revenue: i64 = sold.values().map(|o| o.total_cents).sum();
    let count = i64::try_from(sold.len()).expect("count");
    let mut per_product: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for item in order_items::Entity::find()
        .all(&app.db)
        .await
        .expect("read items")
    {
        if sold.contains_key(&item.order_id) {
            let entry = per_product.entry(item.product_id).or_default();
            entry.0 += i64::from(item.quantity);
            entry.1 += i64::from(item.quantity) * item.unit_price_cents;
        }
    }
    let mut ranked: Vec<(i64, (i64, i64))> = per_product.into_iter().collect();
    ranked.sort_by_key(|(product, (units, cents))| (-cents, -units, *product));
    let expected_top: Vec<Value> = ranked
        .iter()
        .take(5)
        .map(|(product, (units, cents))| {
            json!({ "id": gid(NodeKind::Product, *product), "unitsSold": units, "revenue": Decimal(*cents).to_string() })
        })
        .collect();

    let data = app
        .data_as(
            &admin_token(&app),
            SUMMARY,
            json!({ "since": since.to_rfc3339(), "until": until.to_rfc3339() }),
        )
        .await;

    let summary = &data["salesSummary"];
    assert!(count > 20, "the window should hold sales");
    assert_eq!(summary["orderCount"], count);
    assert_eq!(summary["revenue"]["amount"], Decimal(revenue).to_string());
    assert_eq!(
        summary["averageOrderValue"]["amount"],
        Decimal((revenue + count / 2) / count).to_string()
    );
    let top: Vec<Value> = summary["topProducts"]
        .as_array()
        .expect("top products")
        .iter()
        .map(|t| json!({ "id": t["product"]["id"], "unitsSold": t["unitsSold"], "revenue": t["revenue"]["amount"] }))
        .collect();
    assert_eq!(top, expected_top);
}

#[tokio::test]
async fn sales_summary_is_forbidden_to_customers_and_unauthenticated_to_anonymous() {
    let app = empty_shop().await;
    let (_, customer) = app.signed_in(Role::Customer).await;

    let as_customer = app.gql_as(&customer, SUMMARY, json!({})).await;
    let anonymous = app.gql(SUMMARY, json!({})).await;

    assert_eq!(error_code(&as_customer.body), "FORBIDDEN");
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_sales_window_that_ends_before_it_starts_is_bad_user_input() {
    let app = empty_shop().await;
    let now = Utc::now();

    let reply = app
        .gql_as(
            &admin_token(&app),
            SUMMARY,
            json!({ "since": now.to_rfc3339(), "until": (now - Duration::days(1)).to_rfc3339() }),
        )
        .await;

    assert_error(&reply.body, "BAD_USER_INPUT", Some("until"));
}
