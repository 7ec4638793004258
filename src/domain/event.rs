//! Domain events: what changed, as subscribers learn it. Services record
//! them in the outbox in the same transaction as the change; the position
//! the outbox gives each one orders them and becomes its cursor.

use chrono::{DateTime, Utc};

/// What happened to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderChange {
    /// It was placed.
    Placed,
    /// It moved to another status (other than cancelled).
    StatusChanged,
    /// It was cancelled (its stock went back).
    Cancelled,
}

/// One change, without its position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// An order changed.
    Order {
        /// `orders.id`.
        order_id: i64,
        /// The order's customer (`users.id`), who may see the event.
        customer_id: i64,
        /// What happened.
        change: OrderChange,
    },
    /// A product's stock moved.
    Stock {
        /// `products.id`.
        product_id: i64,
        /// The stock right after the change.
        stock: i32,
        /// Units added (negative: taken).
        delta: i32,
    },
}

/// A change about to be recorded, stamped with when it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
    /// What changed.
    pub change: Change,
}

/// A recorded event: a change at its position in the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// Position in the outbox: increasing in commit order, never reused.
    pub position: i64,
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
    /// What changed.
    pub change: Change,
}
