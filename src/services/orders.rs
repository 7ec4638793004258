//! Orders: placing one (prices from the database, stock taken atomically,
//! idempotent per user and key) and moving one through its lifecycle. The
//! request arrives as a checked [`crate::domain::OrderRequest`]; errors name
//! its fields (`items.2.quantity`, `idempotencyKey`).

mod idempotency;
mod number;
mod place;
mod stock;
mod transition;

pub use place::{PlacedOrder, Placement, place_order};
pub use stock::StockChange;
pub use transition::{StatusChange, cancel_order, update_order_status};
