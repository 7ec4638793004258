//! Sockets that subscribe to the same event stream as the same viewer
//! share one execution: each event is resolved once and every socket gets
//! the same payload. Each socket is still admitted on its own, viewers
//! never share, and sockets come and go without disturbing the others.

use std::time::Duration;

use serde_json::{Value, json};
use storefront::auth::Role;

use crate::{
    event_fixtures::STOCK_CHANGES,
    helpers::{TestApp, spawn_app, spawn_app_with, ws::WsClient},
    order_fixtures::{line, place, stock_product},
};

const ORDERS: &str = "subscription Orders {
  orderEvents { cursor type order { id number status items { quantity product { name } } } }
}";

/// How long a socket that should receive nothing is watched.
const QUIET: Duration = Duration::from_millis(500);

/// Places orders as `placer` until every socket has received an event
/// (a live subscription starts listening a moment after its `subscribe`),
/// then drains what the sockets still hold.
async fn until_live(app: &TestApp, placer: &str, sockets: &mut [WsClient]) {
    let mut live = vec![false; sockets.len()];
    for _ in 0..50 {
        place(app, placer, vec![line(3, 1)]).await;
        for (socket, live) in sockets.iter_mut().zip(&mut live) {
            if !*live {
                *live = socket
                    .next_within("s", Duration::from_millis(200))
                    .await
                    .is_some();
            }
        }
        if live.iter().all(|live| *live) {
            for socket in sockets.iter_mut() {
                while socket.next_within("s", QUIET).await.is_some() {}
            }
            return;
        }
    }
    panic!("the subscriptions never went live: {live:?}");
}

/// The next `orderEvents` payload of `socket`, which must be about `order`.
async fn event_about(socket: &mut WsClient, order: &Value) -> Value {
    let payload = socket.next("s").await;
    assert!(payload.get("errors").is_none(), "{payload}");
    assert_eq!(
        payload["data"]["orderEvents"]["order"]["id"], order["id"],
        "{payload}"
    );
    payload
}

/// An app with `count` sockets of one admin, each subscribed live to
/// `ORDERS`; the admin's token and that of a customer who places orders.
async fn live_admin_sockets(count: usize) -> (TestApp, String, String, Vec<WsClient>) {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 500, 1_250).await;
    let mut sockets = Vec::new();
    for _ in 0..count {
        let mut socket = WsClient::connect_as(app.address, &admin).await;
        socket.subscribe("s", ORDERS, json!({})).await;
        sockets.push(socket);
    }
    until_live(&app, &customer, &mut sockets).await;
    (app, admin, customer, sockets)
}

#[tokio::test]
async fn sockets_of_one_viewer_get_one_execution_of_each_event() {
    let (app, _, customer, mut sockets) = live_admin_sockets(3).await;

    let placed = place(&app, &customer, vec![line(3, 1)]).await;

    let mut payloads = Vec::new();
    for socket in &mut sockets {
        payloads.push(event_about(socket, &placed).await);
    }
    let items = &payloads[0]["data"]["orderEvents"]["order"]["items"];
    assert_eq!(items[0]["quantity"], 1, "{items}");
    assert!(items[0]["product"]["name"].is_string(), "{items}");
    // Separate executions would differ in their statistics: their timing,
    // and which of them loaded the order.
    assert!(
        payloads[0]["extensions"]["stats"].is_object(),
        "{}",
        payloads[0]
    );
    assert!(
        payloads.iter().all(|payload| *payload == payloads[0]),
        "{payloads:#?}"
    );
}

#[tokio::test]
async fn viewers_do_not_share_their_events() {
    let app = spawn_app().await;
    stock_product(&app, 3, 500, 1_250).await;
    let (_, alice) = app.signed_in(Role::Customer).await;
    let (_, bob) = app.signed_in(Role::Customer).await;
    let mut alices = WsClient::connect_as(app.address, &alice).await;
    let mut bobs = WsClient::connect_as(app.address, &bob).await;
    alices.subscribe("s", ORDERS, json!({})).await;
    bobs.subscribe("s", ORDERS, json!({})).await;
    until_live(&app, &alice, std::slice::from_mut(&mut alices)).await;
    until_live(&app, &bob, std::slice::from_mut(&mut bobs)).await;

    let alices_order = place(&app, &alice, vec![line(3, 1)]).await;
    event_about(&mut alices, &alices_order).await;
    assert_eq!(bobs.next_within("s", QUIET).await, None);

    let bobs_order = place(&app, &bob, vec![line(3, 1)]).await;
    event_about(&mut bobs, &bobs_order).await;
    assert_eq!(alices.next_within("s", QUIET).await, None);
}

#[tokio::test]
async fn each_socket_spends_its_own_cost_before_it_joins() {
    let app = spawn_app_with(|settings| crate::rate_limits::budget(settings, 12)).await;
    let mut first = WsClient::connect(app.address, json!({})).await;
    first.subscribe("s", STOCK_CHANGES, json!({})).await;
    let mut second = WsClient::connect(app.address, json!({})).await;
    second.subscribe("s", STOCK_CHANGES, json!({})).await;

    let refused = second.recv().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "s");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");
}

#[tokio::test]
async fn the_others_keep_their_events_when_one_socket_leaves() {
    let (app, admin, customer, mut sockets) = live_admin_sockets(2).await;

    let mut leaving = sockets.remove(0);
    leaving.complete("s").await;
    drop(leaving);
    let placed = place(&app, &customer, vec![line(3, 1)]).await;
    event_about(&mut sockets[0], &placed).await;

    drop(sockets);
    let mut again = WsClient::connect_as(app.address, &admin).await;
    again.subscribe("s", ORDERS, json!({})).await;
    until_live(&app, &customer, std::slice::from_mut(&mut again)).await;
    let placed = place(&app, &customer, vec![line(3, 1)]).await;
    event_about(&mut again, &placed).await;
}
