//! Resuming subscriptions with `after`: replay in order, no gap and no
//! duplicate at the switch to live events, and clear errors for cursors
//! that cannot resume.

use serde_json::{Value, json};
use storefront::{auth::Role, services::outbox};

use crate::{
    event_fixtures::{
        ORDER_EVENTS, STOCK_CHANGES, burst_during_resubscription, cursor_now, position,
    },
    helpers::{spawn_app, ws::WsClient},
    order_fixtures::{line, place, stock_product},
};

/// The `orderEvents` of the next `next` message for `id`.
async fn order_event(socket: &mut WsClient, id: &str) -> Value {
    socket.next_data(id).await["orderEvents"].clone()
}

#[tokio::test]
async fn a_resumed_subscription_gets_exactly_the_missed_orders_in_order_then_live_ones() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 100, 1_000).await;
    let mut socket = WsClient::connect_as(app.address, &admin).await;
    socket
        .subscribe(
            "orders",
            ORDER_EVENTS,
            json!({ "after": cursor_now(&app.db).await }),
        )
        .await;
    place(&app, &token, vec![line(3, 1)]).await;
    let seen = order_event(&mut socket, "orders").await;
    drop(socket);

    let mut missed = Vec::new();
    for _ in 0..3 {
        missed.push(place(&app, &token, vec![line(3, 1)]).await["number"].clone());
    }
    let mut socket = WsClient::connect_as(app.address, &admin).await;
    socket
        .subscribe("orders", ORDER_EVENTS, json!({ "after": seen["cursor"] }))
        .await;

    let mut replayed = Vec::new();
    for _ in 0..3 {
        replayed.push(order_event(&mut socket, "orders").await["order"]["number"].clone());
    }
    assert_eq!(replayed, missed);
    let live = place(&app, &token, vec![line(3, 1)]).await;
    let next = order_event(&mut socket, "orders").await;
    assert_eq!(next["order"]["number"], live["number"], "{next}");
}

#[tokio::test]
async fn a_burst_of_orders_during_a_resubscription_is_neither_lost_nor_duplicated() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 10_000, 100).await;

    burst_during_resubscription(&app, &[app.address], &admin, &customer, 50).await;
}

#[tokio::test]
async fn a_malformed_cursor_is_bad_user_input() {
    let app = spawn_app().await;
    let mut socket = WsClient::connect(app.address, json!({})).await;
    socket
        .subscribe("stock", STOCK_CHANGES, json!({ "after": "not-a-cursor" }))
        .await;

    let payload = socket.next("stock").await;

    let error = &payload["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{payload}");
    assert_eq!(error["extensions"]["field"], "after", "{payload}");
}

#[tokio::test]
async fn a_cursor_older_than_the_retention_asks_the_client_to_refetch() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let old = cursor_now(&app.db).await;
    let adjust = "mutation($id: ID!) { adjustStock(productId: $id, delta: 1) { stock } }";
    let product = storefront::schema::ids::encode(storefront::schema::ids::NodeKind::Product, 2);
    app.data_as(&admin, adjust, json!({ "id": product })).await;
    let kept = cursor_now(&app.db).await;
    app.data_as(&admin, adjust, json!({ "id": product })).await;
    let newest = outbox::after(&app.db, position(&json!(kept)) - 1, 10)
        .await
        .expect("read the outbox");
    let cutoff = newest[0].occurred_at;

    let pruned = outbox::prune(&app.db, cutoff).await.expect("prune");

    assert!(pruned >= 1, "nothing pruned");
    let mut socket = WsClient::connect(app.address, json!({})).await;
    socket
        .subscribe("old", STOCK_CHANGES, json!({ "after": old }))
        .await;
    let payload = socket.next("old").await;
    let error = &payload["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{payload}");
    assert_eq!(error["extensions"]["field"], "after", "{payload}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|message| message.contains("refetch")),
        "{payload}"
    );
    let done = socket.recv().await;
    assert_eq!(done, json!({ "type": "complete", "id": "old" }));
    socket
        .subscribe("kept", STOCK_CHANGES, json!({ "after": kept }))
        .await;
    let replayed = socket.next_data("kept").await;
    assert_eq!(replayed["stockChanges"]["delta"], 1, "{replayed}");
}
