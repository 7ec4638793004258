//! Shared moves of the order tests: stocking products, placing orders over
//! HTTP, and reading what landed in the database.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr};
use serde_json::{Value, json};
use storefront::{
    entities::{order_items, orders, products},
    schema::ids::NodeKind,
};

use crate::helpers::{TestApp, gid};

/// `placeOrder` selecting what the tests look at.
pub const PLACE: &str = "mutation Place($input: PlaceOrderInput!, $key: String) {
  placeOrder(input: $input, idempotencyKey: $key) {
    id number status itemCount createdAt
    total { amount currency }
    customer { id }
    items { id quantity unitPrice { amount } subtotal { amount } product { id name } }
  }
}";

/// One `OrderLineInput`.
pub fn line(product: i64, quantity: i32) -> Value {
    json!({ "productId": gid(NodeKind::Product, product), "quantity": quantity })
}

/// Sets a product's stock and price.
pub async fn stock_product(app: &TestApp, product: i64, stock: i32, price_cents: i64) {
    products::Entity::update_many()
        .col_expr(products::Column::Stock, Expr::value(stock))
        .col_expr(products::Column::PriceCents, Expr::value(price_cents))
        .filter(products::Column::Id.eq(product))
        .exec(&app.db)
        .await
        .expect("stock product");
}

/// A product's stock as stored.
pub async fn stock_of(app: &TestApp, product: i64) -> i32 {
    app.product_row(product).await.stock
}

/// The body of a `placeOrder` call.
pub async fn place_reply(
    app: &TestApp,
    token: &str,
    lines: Vec<Value>,
    key: Option<&str>,
) -> Value {
    let reply = app
        .gql_as(
            token,
            PLACE,
            json!({ "input": { "items": lines }, "key": key }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// Places an order that must succeed; returns `placeOrder`.
pub async fn place(app: &TestApp, token: &str, lines: Vec<Value>) -> Value {
    let body = place_reply(app, token, lines, None).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"]["placeOrder"].clone()
}

/// A user's orders as stored, oldest first.
pub async fn orders_of(app: &TestApp, user: i64) -> Vec<orders::Model> {
    orders::Entity::find()
        .filter(orders::Column::UserId.eq(user))
        .order_by_asc(orders::Column::Id)
        .all(&app.db)
        .await
        .expect("read orders")
}

/// An order's lines as stored.
pub async fn items_of(app: &TestApp, order: i64) -> Vec<order_items::Model> {
    order_items::Entity::find()
        .filter(order_items::Column::OrderId.eq(order))
        .order_by_asc(order_items::Column::Id)
        .all(&app.db)
        .await
        .expect("read order items")
}

/// Sets an order's status directly, to start a test from that state.
pub async fn force_status(app: &TestApp, order: i64, status: &str) {
    orders::Entity::update_many()
        .col_expr(orders::Column::Status, Expr::value(status))
        .filter(orders::Column::Id.eq(order))
        .exec(&app.db)
        .await
        .expect("set status");
}

/// Every order line in the database.
pub async fn all_items(app: &TestApp) -> usize {
    order_items::Entity::find()
        .all(&app.db)
        .await
        .expect("read order items")
        .len()
}
