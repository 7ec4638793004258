//! What delivering one event costs the database: the event's subject (its
//! order or product) loads once per instance, however many sockets
//! subscribe, so fan-out to many admins does not multiply statements.

use serde_json::{Value, json};
use storefront::{auth::Role, schema::ids::NodeKind};

use crate::{
    event_fixtures::cursor_now,
    helpers::{gid, spawn_app, statements, ws::WsClient},
    order_fixtures::{line, place, stock_product},
};

const ORDERS: &str = "subscription Orders($after: String) {
  orderEvents(after: $after) { cursor type order { id number status } }
}";

const STOCK: &str = "subscription Stock($after: String, $ids: [ID!]) {
  stockChanges(after: $after, productIds: $ids) { cursor stock product { id name stock } }
}";

/// The statements all `subscribers` spend, together, to deliver the second
/// of two events: each socket's count is cumulative, so its difference
/// between the two events is what the second one cost it.
async fn statements_for_one_event(
    subscribers: usize,
    query: &str,
    field: &str,
    variables: impl Fn(&str) -> Value,
) -> u64 {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 50, 1_250).await;
    let after = cursor_now(&app.db).await;
    let mut sockets = Vec::new();
    for _ in 0..subscribers {
        let mut socket = WsClient::connect_as(app.address, &admin).await;
        socket.subscribe("s", query, variables(&after)).await;
        sockets.push(socket);
    }

    let first = place(&app, &customer, vec![line(3, 1)]).await;
    let second = place(&app, &customer, vec![line(3, 2)]).await;

    let mut spent = 0;
    for socket in &mut sockets {
        let mut counts = Vec::new();
        for placed in [&first, &second] {
            let payload = socket.next("s").await;
            assert!(payload.get("errors").is_none(), "{payload}");
            let event = &payload["data"][field];
            match field {
                "orderEvents" => assert_eq!(event["order"]["id"], placed["id"], "{payload}"),
                _ => assert_eq!(event["product"]["id"], gid(NodeKind::Product, 3)),
            }
            counts.push(statements(&payload));
        }
        spent += counts[1] - counts[0];
    }
    spent
}

fn orders_after(after: &str) -> Value {
    json!({ "after": after })
}

fn stock_after(after: &str) -> Value {
    json!({ "after": after, "ids": [gid(NodeKind::Product, 3)] })
}

#[tokio::test]
async fn an_order_event_costs_six_subscribers_the_statements_it_costs_one() {
    let one = statements_for_one_event(1, ORDERS, "orderEvents", orders_after).await;
    let six = statements_for_one_event(6, ORDERS, "orderEvents", orders_after).await;

    assert_eq!(one, 1, "one subscriber loads the order once");
    assert_eq!(six, one);
}

#[tokio::test]
async fn a_stock_event_costs_six_subscribers_the_statements_it_costs_one() {
    let one = statements_for_one_event(1, STOCK, "stockChanges", stock_after).await;
    let six = statements_for_one_event(6, STOCK, "stockChanges", stock_after).await;

    assert_eq!(one, 1, "one subscriber loads the product once");
    assert_eq!(six, one);
}
