//! Shared moves of the subscription tests: cursors to subscribe from and
//! the operations they send.

use std::{collections::HashSet, net::SocketAddr};

use futures_util::future::join_all;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use storefront::{
    domain::event::{Change, NewEvent},
    events::Resume,
    schema::subscription::cursor,
    services::outbox,
};

use crate::{
    helpers::{TestApp, ws::WsClient},
    order_fixtures::{PLACE, line},
};

/// `orderEvents` selecting the order with its customer, lines and products.
pub const ORDER_EVENTS: &str = "subscription Orders($after: String) {
  orderEvents(after: $after) {
    cursor type occurredAt
    order { id number status customer { id } items { quantity product { id name } } }
  }
}";

/// `stockChanges`, optionally for some products only.
pub const STOCK_CHANGES: &str = "subscription Stock($after: String, $ids: [ID!]) {
  stockChanges(productIds: $ids, after: $after) {
    cursor stock delta product { id name stock }
  }
}";

/// `adjustStock`.
pub const ADJUST_STOCK: &str = "mutation Adjust($id: ID!, $delta: Int!) {
  adjustStock(productId: $id, delta: $delta) { id stock }
}";

/// The cursor of the newest event, recording one first (a stock event of
/// product 1 that changes nothing) when there is none. Subscribing after it
/// delivers every later event whenever the server starts listening, so
/// tests never race the socket.
pub async fn cursor_now(db: &DatabaseConnection) -> String {
    let mut position = outbox::latest(db).await.expect("read the outbox");
    if position == 0 {
        let event = NewEvent {
            occurred_at: chrono::Utc::now(),
            change: Change::Stock {
                product_id: 1,
                stock: 0,
                delta: 0,
            },
        };
        outbox::record(db, &[event]).await.expect("record an event");
        position = outbox::latest(db).await.expect("read the outbox");
    }
    cursor::encode(position)
}

/// The position inside an event cursor.
pub fn position(cursor: &Value) -> i64 {
    match cursor::resume(cursor.as_str()) {
        Ok(Resume::After(position)) => position,
        other => panic!("{cursor} is not a cursor: {other:?}"),
    }
}

/// Places an order of one unit of product 3 on the server at `address`;
/// returns `placeOrder`.
pub async fn place_on(app: &TestApp, address: SocketAddr, token: &str) -> Value {
    let body: Value = app
        .client
        .post(format!("http://{address}/graphql"))
        .bearer_auth(token)
        .json(&json!({
            "query": PLACE,
            "variables": { "input": { "items": [line(3, 1)] } },
        }))
        .send()
        .await
        .expect("place an order")
        .json()
        .await
        .expect("a JSON body");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["placeOrder"].clone()
}

/// Places `orders` orders at once, spread over `servers`, while an admin
/// subscribes on the first server, takes a few events, disconnects and
/// resumes from its last cursor on the last server. Asserts that the
/// subscriber received every order exactly once, in position order.
pub async fn burst_during_resubscription(
    app: &TestApp,
    servers: &[SocketAddr],
    admin: &str,
    customer: &str,
    orders: usize,
) {
    const BEFORE_SWITCH: usize = 5;
    let (first, last) = (servers[0], servers[servers.len() - 1]);
    let after = cursor_now(&app.db).await;
    let burst =
        join_all((0..orders).map(|index| place_on(app, servers[index % servers.len()], customer)));
    let watch = async {
        let mut events = Vec::new();
        let mut socket = WsClient::connect_as(first, admin).await;
        socket
            .subscribe("orders", ORDER_EVENTS, json!({ "after": after }))
            .await;
        while events.len() < BEFORE_SWITCH {
            events.push(socket.next_data("orders").await["orderEvents"].clone());
        }
        drop(socket);
        let mut socket = WsClient::connect_as(last, admin).await;
        let resume_from = events[BEFORE_SWITCH - 1]["cursor"].clone();
        socket
            .subscribe("orders", ORDER_EVENTS, json!({ "after": resume_from }))
            .await;
        while events.len() < orders {
            events.push(socket.next_data("orders").await["orderEvents"].clone());
        }
        events
    };
    let (placed, events) = tokio::join!(burst, watch);

    let positions: Vec<i64> = events
        .iter()
        .map(|event| position(&event["cursor"]))
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "events out of order or repeated: {positions:?}"
    );
    let number = |order: &Value| order["number"].as_str().expect("number").to_owned();
    let received: HashSet<String> = events.iter().map(|event| number(&event["order"])).collect();
    let expected: HashSet<String> = placed.iter().map(number).collect();
    assert_eq!(received, expected);
}
