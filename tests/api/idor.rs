//! Customer A reads none of customer B's orders or order items through any
//! path: `order`, `orders` (also filtered by B's id), `node`, `nodes`, and
//! `User.orders` of B reached through a review's author or `node`. Admins
//! reach them all; anonymous callers none.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};
use storefront::{auth::Role, domain::OrderStatus, entities::reviews, schema::ids::NodeKind};

use crate::{
    helpers::{TestApp, error_code, gid, only_error, spawn_app},
    order_fixtures::{line, orders_of, place, stock_of, stock_product},
};

const ORDER: &str = "query($id: ID!) { order(id: $id) { id number items { id } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) {
  id
  ... on Order { number }
  ... on OrderItem { quantity }
  ... on User { orders { totalCount nodes { id } } }
} }";

/// Two customers with one order each; B has also reviewed product 2.
struct World {
    app: TestApp,
    a_token: String,
    a_order: Value,
    b: i64,
    b_token: String,
    b_order: Value,
}

async fn world() -> World {
    let app = spawn_app().await;
    stock_product(&app, 1, 100, 500).await;
    let (_, a_token) = app.signed_in(Role::Customer).await;
    let (b, b_token) = app.signed_in(Role::Customer).await;
    let a_order = place(&app, &a_token, vec![line(1, 1)]).await;
    let b_order = place(&app, &b_token, vec![line(1, 2)]).await;
    let now = Utc::now();
    reviews::ActiveModel {
        product_id: Set(2),
        user_id: Set(b),
        rating: Set(4),
        body: Set("Sturdy.".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("insert review");
    World {
        app,
        a_token,
        a_order,
        b,
        b_token,
        b_order,
    }
}

#[tokio::test]
async fn another_customers_order_reads_as_not_found_exactly_like_a_missing_one() {
    let w = world().await;

    let theirs = w
        .app
        .gql_as(&w.a_token, ORDER, json!({ "id": w.b_order["id"] }))
        .await
        .body;
    let missing = w
        .app
        .gql_as(
            &w.a_token,
            ORDER,
            json!({ "id": gid(NodeKind::Order, 999_999) }),
        )
        .await
        .body;

    assert_eq!(error_code(&theirs), "NOT_FOUND");
    assert_eq!(
        only_error(&theirs)["message"],
        only_error(&missing)["message"]
    );
    assert_eq!(error_code(&missing), "NOT_FOUND");
    assert!(theirs["data"]["order"].is_null());
}

#[tokio::test]
async fn another_customers_orders_never_appear_in_a_customers_list() {
    let w = world().await;
    let query = "query($filter: OrderFilter) { orders(first: 100, filter: $filter) { totalCount nodes { id } } }";

    let all = w.app.data_as(&w.a_token, query, json!({})).await;
    let filtered = w
        .app
        .data_as(
            &w.a_token,
            query,
            json!({ "filter": { "customerId": gid(NodeKind::User, w.b) } }),
        )
        .await;

    assert_eq!(all["orders"]["nodes"], json!([{ "id": w.a_order["id"] }]));
    assert_eq!(all["orders"]["totalCount"], 1);
    assert_eq!(filtered["orders"]["nodes"], json!([]));
    assert_eq!(filtered["orders"]["totalCount"], 0);
}

#[tokio::test]
async fn node_and_nodes_answer_null_for_another_customers_order_and_its_items() {
    let w = world().await;
    let b_item = w.b_order["items"][0]["id"].clone();
    let a_item = w.a_order["items"][0]["id"].clone();

    let order = w
        .app
        .data_as(&w.a_token, NODE, json!({ "id": w.b_order["id"] }))
        .await;
    let item = w
        .app
        .data_as(&w.a_token, NODE, json!({ "id": b_item }))
        .await;
    let many = w
        .app
        .data_as(
            &w.a_token,
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [w.b_order["id"], w.a_order["id"], b_item, a_item] }),
        )
        .await;

    assert!(order["node"].is_null());
    assert!(item["node"].is_null());
    assert_eq!(
        many["nodes"],
        json!([null, { "id": w.a_order["id"] }, null, { "id": a_item }])
    );
}

#[tokio::test]
async fn another_customers_user_orders_are_null_through_a_review_author_and_node() {
    let w = world().await;
    let through_review = "{ product(id: \"".to_owned()
        + &gid(NodeKind::Product, 2)
        + "\") { reviews(first: 100) { nodes { author { id orders { totalCount nodes { id } } } } } } }";

    let reviews = w.app.data_as(&w.a_token, &through_review, json!({})).await;
    let user = w
        .app
        .data_as(&w.a_token, NODE, json!({ "id": gid(NodeKind::User, w.b) }))
        .await;
    let own = w
        .app
        .data_as(&w.b_token, NODE, json!({ "id": gid(NodeKind::User, w.b) }))
        .await;

    let b_id = gid(NodeKind::User, w.b);
    let author = reviews["product"]["reviews"]["nodes"]
        .as_array()
        .expect("reviews")
        .iter()
        .find(|review| review["author"]["id"] == b_id)
        .expect("B's review")
        .clone();
    assert!(author["author"]["orders"].is_null());
    assert_eq!(user["node"]["id"], b_id);
    assert!(user["node"]["orders"].is_null());
    assert_eq!(own["node"]["orders"]["totalCount"], 1);
}

#[tokio::test]
async fn cancelling_another_customers_order_is_not_found_and_changes_nothing() {
    let w = world().await;

    let reply = w
        .app
        .gql_as(
            &w.a_token,
            "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
            json!({ "id": w.b_order["id"] }),
        )
        .await;

    assert_eq!(error_code(&reply.body), "NOT_FOUND");
    assert_eq!(orders_of(&w.app, w.b).await[0].status, OrderStatus::Pending);
    assert_eq!(stock_of(&w.app, 1).await, 97);
}

#[tokio::test]
async fn anonymous_callers_reach_no_order_through_any_path() {
    let w = world().await;
    let b_item = w.b_order["items"][0]["id"].clone();

    let order = w.app.gql(ORDER, json!({ "id": w.b_order["id"] })).await;
    let list = w.app.gql("{ orders { totalCount } }", json!({})).await;
    let node = w.app.data(NODE, json!({ "id": w.b_order["id"] })).await;
    let item = w.app.data(NODE, json!({ "id": b_item })).await;
    let user = w
        .app
        .data(NODE, json!({ "id": gid(NodeKind::User, w.b) }))
        .await;
    let cancel = w
        .app
        .gql(
            "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
            json!({ "id": w.b_order["id"] }),
        )
        .await;

    assert_eq!(error_code(&order), "UNAUTHENTICATED");
    assert_eq!(error_code(&list), "UNAUTHENTICATED");
    assert!(node["node"].is_null());
    assert!(item["node"].is_null());
    assert!(user["node"]["orders"].is_null());
    assert_eq!(error_code(&cancel), "UNAUTHENTICATED");
    assert_eq!(orders_of(&w.app, w.b).await[0].status, OrderStatus::Pending);
}

#[tokio::test]
async fn admins_reach_every_customers_order_through_every_path() {
    let w = world().await;
    let (_, admin) = w.app.signed_in(Role::Admin).await;
    let b_item = w.b_order["items"][0]["id"].clone();

    let order = w
        .app
        .data_as(&admin, ORDER, json!({ "id": w.b_order["id"] }))
        .await;
    let list = w
        .app
        .data_as(
            &admin,
            "query($filter: OrderFilter) { orders(filter: $filter) { nodes { id } } }",
            json!({ "filter": { "customerId": gid(NodeKind::User, w.b) } }),
        )
        .await;
    let node = w
        .app
        .data_as(&admin, NODE, json!({ "id": w.b_order["id"] }))
        .await;
    let item = w.app.data_as(&admin, NODE, json!({ "id": b_item })).await;
    let user = w
        .app
        .data_as(&admin, NODE, json!({ "id": gid(NodeKind::User, w.b) }))
        .await;

    assert_eq!(order["order"]["number"], w.b_order["number"]);
    assert_eq!(list["orders"]["nodes"], json!([{ "id": w.b_order["id"] }]));
    assert_eq!(node["node"]["number"], w.b_order["number"]);
    assert_eq!(item["node"]["quantity"], 2);
    assert_eq!(
        user["node"]["orders"]["nodes"],
        json!([{ "id": w.b_order["id"] }])
    );
}
