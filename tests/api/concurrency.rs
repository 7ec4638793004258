//! Real concurrent HTTP requests against one application: stock never
//! oversells, an idempotency key never places a second order, a cancel
//! restores stock once, and orders over shared products never deadlock. On
//! SQLite and on PostgreSQL alike.

use futures_util::future::join_all;
use serde_json::{Value, json};
use storefront::auth::Role;
use storefront::domain::OrderStatus;

use crate::{
    helpers::{TestApp, error_code, spawn_app},
    order_fixtures::{line, orders_of, place, place_reply, stock_of, stock_product},
};

/// `n` customers, each with a token.
async fn customers(app: &TestApp, n: usize) -> Vec<(i64, String)> {
    let mut customers = Vec::with_capacity(n);
    for _ in 0..n {
        customers.push(app.signed_in(Role::Customer).await);
    }
    customers
}

fn succeeded(bodies: &[Value]) -> Vec<&Value> {
    bodies
        .iter()
        .filter(|body| body.get("errors").is_none())
        .map(|body| &body["data"]["placeOrder"])
        .collect()
}

fn codes(bodies: &[Value]) -> Vec<String> {
    bodies
        .iter()
        .filter(|body| body.get("errors").is_some())
        .map(error_code)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_orders_for_ten_units_sell_exactly_ten() {
    let app = spawn_app().await;
    stock_product(&app, 1, 10, 1999).await;
    let buyers = customers(&app, 50).await;

    let bodies = join_all(
        buyers
            .iter()
            .map(|(_, token)| place_reply(&app, token, vec![line(1, 1)], None)),
    )
    .await;

    assert_eq!(succeeded(&bodies).len(), 10, "{bodies:?}");
    assert_eq!(codes(&bodies), vec!["CONFLICT"; 40]);
    assert_eq!(stock_of(&app, 1).await, 0);
    let mut placed = 0;
    for (customer, _) in &buyers {
        placed += orders_of(&app, *customer).await.len();
    }
    assert_eq!(placed, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_sends_of_one_idempotency_key_place_one_order() {
    let app = spawn_app().await;
    stock_product(&app, 1, 10, 1999).await;
    let (customer, token) = app.signed_in(Role::Customer).await;

    let bodies = join_all(
        (0..10).map(|_| place_reply(&app, &token, vec![line(1, 2)], Some("double-click"))),
    )
    .await;

    let placed = succeeded(&bodies);
    assert_eq!(placed.len(), 10, "{bodies:?}");
    assert!(placed.iter().all(|order| order["id"] == placed[0]["id"]));
    assert_eq!(orders_of(&app, customer).await.len(), 1);
    assert_eq!(stock_of(&app, 1).await, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_one_key_with_two_different_inputs_places_one_order_and_refuses_the_other() {
    let app = spawn_app().await;
    stock_product(&app, 1, 10, 1999).await;
    let (customer, token) = app.signed_in(Role::Customer).await;

    let bodies = join_all((0..10).map(|i| {
        let quantity = if i % 2 == 0 { 1 } else { 2 };
        place_reply(&app, &token, vec![line(1, quantity)], Some("cart-7"))
    }))
    .await;

    let placed = succeeded(&bodies);
    assert_eq!(placed.len(), 5, "{bodies:?}");
    assert!(placed.iter().all(|order| order["id"] == placed[0]["id"]));
    assert_eq!(codes(&bodies), vec!["CONFLICT"; 5]);
    let orders = orders_of(&app, customer).await;
    assert_eq!(orders.len(), 1);
    assert_eq!(stock_of(&app, 1).await, 10 - orders[0].item_count);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cancels_of_one_order_restore_its_stock_once() {
    let app = spawn_app().await;
    stock_product(&app, 1, 10, 1999).await;
    let (customer, token) = app.signed_in(Role::Customer).await;
    let order = place(&app, &token, vec![line(1, 3)]).await;

    let bodies = join_all((0..10).map(|_| {
        app.gql_as(
            &token,
            "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
            json!({ "id": order["id"] }),
        )
    }))
    .await;

    let bodies: Vec<Value> = bodies.into_iter().map(|reply| reply.body).collect();
    assert_eq!(codes(&bodies), vec!["CONFLICT"; 9]);
    assert_eq!(
        orders_of(&app, customer).await[0].status,
        OrderStatus::Cancelled
    );
    assert_eq!(stock_of(&app, 1).await, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_orders_over_shared_products_in_any_line_order_never_deadlock() {
    let app = spawn_app().await;
    for product in 1..=4 {
        stock_product(&app, product, 1000, 100).await;
    }
    let buyers = customers(&app, 50).await;

    let bodies = join_all(buyers.iter().enumerate().map(|(i, (_, token))| {
        let mut lines: Vec<Value> = (1..=4).map(|product| line(product, 1)).collect();
        lines.rotate_left(i % 4);
        if i % 2 == 1 {
            lines.reverse();
        }
        place_reply(&app, token, lines, None)
    }))
    .await;

    assert_eq!(succeeded(&bodies).len(), 50, "{bodies:?}");
    for product in 1..=4 {
        assert_eq!(stock_of(&app, product).await, 950);
    }
}
