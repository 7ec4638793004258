//! Shared moves of the subscription tests: cursors to subscribe from and
//! the operations they send.

use serde_json::json;
use storefront::{
    auth::Role, schema::ids::NodeKind, schema::subscription::cursor, services::outbox,
};

use crate::helpers::{TestApp, gid};

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

/// The cursor of the newest event, writing one first (a stock adjustment)
/// when there is none. Subscribing after it delivers every later event
/// whenever the server starts listening, so tests never race the socket.
pub async fn cursor_now(app: &TestApp) -> String {
    let mut position = outbox::latest(&app.db).await.expect("read the outbox");
    if position == 0 {
        let (_, admin) = app.signed_in(Role::Admin).await;
        app.data_as(
            &admin,
            ADJUST_STOCK,
            json!({ "id": gid(NodeKind::Product, 1), "delta": 1 }),
        )
        .await;
        position = outbox::latest(&app.db).await.expect("read the outbox");
    }
    cursor::encode(position)
}
