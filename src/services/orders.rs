//! Orders: placing one (prices from the database, stock taken atomically,
//! idempotent per user and key) and moving one through its lifecycle.

mod idempotency;
mod number;
mod place;
mod request;
mod status;
mod stock;
mod transition;

pub use place::{PlacedOrder, Placement, place_order};
pub use request::{MAX_LINES, OrderRequest, RequestedLine, line_field};
pub use status::OrderStatus;
pub use stock::StockChange;
pub use transition::{StatusChange, cancel_order, update_order_status};
