//! `orderEvents` and `stockChanges` over graphql-transport-ws: what
//! arrives, for whom, and with its relations resolved.

use serde_json::json;
use storefront::{auth::Role, schema::ids::NodeKind};

use crate::{
    event_fixtures::{ADJUST_STOCK, ORDER_EVENTS, STOCK_CHANGES, cursor_now},
    helpers::{gid, spawn_app, ws::WsClient},
    order_fixtures::{line, place, stock_product},
};

#[tokio::test]
async fn an_admin_receives_a_placed_order_with_its_lines_and_products() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (customer, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 50, 1_250).await;
    let after = cursor_now(&app.db).await;
    let mut socket = WsClient::connect_as(app.address, &admin).await;
    socket
        .subscribe("orders", ORDER_EVENTS, json!({ "after": after }))
        .await;

    let placed = place(&app, &token, vec![line(3, 2)]).await;

    let event = socket.next_data("orders").await["orderEvents"].clone();
    assert_eq!(event["type"], "PLACED", "{event}");
    assert_eq!(event["order"]["number"], placed["number"]);
    assert_eq!(event["order"]["status"], "PENDING");
    assert_eq!(
        event["order"]["customer"]["id"],
        gid(NodeKind::User, customer)
    );
    let items = &event["order"]["items"];
    assert_eq!(items[0]["quantity"], 2, "{event}");
    assert_eq!(items[0]["product"]["id"], gid(NodeKind::Product, 3));
    assert_eq!(
        items[0]["product"]["name"],
        app.product_row(3).await.name.as_str()
    );
    assert!(
        event["cursor"]
            .as_str()
            .is_some_and(|cursor| cursor != after)
    );
}

#[tokio::test]
async fn anonymous_order_events_are_refused() {
    let app = spawn_app().await;
    let mut socket = WsClient::connect(app.address, json!({})).await;
    socket
        .subscribe("orders", ORDER_EVENTS, json!({ "after": null }))
        .await;

    let payload = socket.next("orders").await;

    assert_eq!(
        payload["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{payload}"
    );
    let done = socket.recv().await;
    assert_eq!(done["type"], "complete", "{done}");
}

#[tokio::test]
async fn stock_changes_report_adjustments_and_orders_for_the_chosen_products() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 4, 30, 500).await;
    stock_product(&app, 5, 30, 500).await;
    let after = cursor_now(&app.db).await;
    let mut socket = WsClient::connect(app.address, json!({})).await;
    let only = [gid(NodeKind::Product, 4)];
    socket
        .subscribe(
            "stock",
            STOCK_CHANGES,
            json!({ "after": after, "ids": only }),
        )
        .await;

    app.data_as(
        &admin,
        ADJUST_STOCK,
        json!({ "id": gid(NodeKind::Product, 5), "delta": 3 }),
    )
    .await;
    app.data_as(
        &admin,
        ADJUST_STOCK,
        json!({ "id": gid(NodeKind::Product, 4), "delta": 7 }),
    )
    .await;
    place(&app, &token, vec![line(5, 1), line(4, 2)]).await;

    let adjusted = socket.next_data("stock").await["stockChanges"].clone();
    assert_eq!(
        adjusted["product"]["id"],
        gid(NodeKind::Product, 4),
        "{adjusted}"
    );
    assert_eq!(
        (adjusted["delta"].clone(), adjusted["stock"].clone()),
        (json!(7), json!(37))
    );
    let ordered = socket.next_data("stock").await["stockChanges"].clone();
    assert_eq!(
        ordered["product"]["id"],
        gid(NodeKind::Product, 4),
        "{ordered}"
    );
    assert_eq!(
        (ordered["delta"].clone(), ordered["stock"].clone()),
        (json!(-2), json!(35))
    );
    assert_eq!(ordered["product"]["stock"], 35);
    // PROTOCOL.md: a client's `complete` is not answered; the socket stays
    // open for other operations.
    socket.complete("stock").await;
    socket
        .subscribe(
            "again",
            STOCK_CHANGES,
            json!({ "after": after, "ids": only }),
        )
        .await;
    let replayed = socket.next_data("again").await["stockChanges"].clone();
    assert_eq!(replayed["delta"], 7, "{replayed}");
}

#[tokio::test]
async fn a_customer_receives_only_their_own_orders() {
    let app = spawn_app().await;
    let (_, alice) = app.signed_in(Role::Customer).await;
    let (_, bob) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 50, 1_000).await;
    let after = cursor_now(&app.db).await;
    let mut alice_socket = WsClient::connect_as(app.address, &alice).await;
    alice_socket
        .subscribe("orders", ORDER_EVENTS, json!({ "after": after }))
        .await;
    let mut bob_socket = WsClient::connect_as(app.address, &bob).await;
    bob_socket
        .subscribe("orders", ORDER_EVENTS, json!({ "after": after }))
        .await;

    let bobs = place(&app, &bob, vec![line(3, 1)]).await;
    let alices = place(&app, &alice, vec![line(3, 1)]).await;
    let bobs_second = place(&app, &bob, vec![line(3, 1)]).await;

    let first = alice_socket.next_data("orders").await;
    assert_eq!(
        first["orderEvents"]["order"]["number"], alices["number"],
        "{first}"
    );
    for expected in [&bobs, &bobs_second] {
        let event = bob_socket.next_data("orders").await;
        assert_eq!(
            event["orderEvents"]["order"]["number"], expected["number"],
            "{event}"
        );
    }
}

#[tokio::test]
async fn status_changes_and_cancellations_are_events_too() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 6, 10, 700).await;
    let after = cursor_now(&app.db).await;
    let mut socket = WsClient::connect_as(app.address, &admin).await;
    socket
        .subscribe("orders", ORDER_EVENTS, json!({ "after": after }))
        .await;
    socket
        .subscribe("stock", STOCK_CHANGES, json!({ "after": after }))
        .await;

    let placed = place(&app, &token, vec![line(6, 4)]).await;
    app.data_as(
        &admin,
        "mutation($id: ID!) { updateOrderStatus(id: $id, status: PAID) { status } }",
        json!({ "id": placed["id"] }),
    )
    .await;
    app.data_as(
        &admin,
        "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
        json!({ "id": placed["id"] }),
    )
    .await;

    let mut order_types = Vec::new();
    let mut stock_moves = Vec::new();
    while order_types.len() < 3 || stock_moves.len() < 2 {
        let message = socket.recv().await;
        assert_eq!(message["type"], "next", "{message}");
        let data = &message["payload"]["data"];
        match message["id"].as_str() {
            Some("orders") => {
                assert_eq!(data["orderEvents"]["order"]["id"], placed["id"]);
                order_types.push(data["orderEvents"]["type"].clone());
            }
            Some("stock") => stock_moves.push((
                data["stockChanges"]["delta"].clone(),
                data["stockChanges"]["stock"].clone(),
            )),
            _ => panic!("unexpected message {message}"),
        }
    }
    assert_eq!(
        order_types,
        [json!("PLACED"), json!("STATUS_CHANGED"), json!("CANCELLED")]
    );
    assert_eq!(stock_moves, [(json!(-4), json!(6)), (json!(4), json!(10))]);
}
