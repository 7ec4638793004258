//! Shared moves of the subscription tests: cursors to subscribe from and
//! the operations they send.

use sea_orm::DatabaseConnection;
use serde_json::Value;
use storefront::{
    domain::event::{Change, NewEvent},
    events::Resume,
    schema::subscription::cursor,
    services::outbox,
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
