//! Catalog changes an admin makes: categories, products and stock.
//!
//! Each function runs inside the caller's write transaction, turns constraint
//! violations into user errors where the statement runs (never a racy
//! pre-check alone) and returns the rows it changed. Inputs arrive as
//! domain types, already checked; errors name domain fields (`slug`,
//! `parentId`).

mod categories;
mod products;
mod stock;

pub use categories::{CategoryChanges, NewCategory, create_category, update_category};
pub use products::{NewProduct, ProductChanges, create_product, delete_product, update_product};
pub use stock::{StockAdjusted, StockChange, adjust_stock};

/// The message of a `CONFLICT` on `slug`.
fn slug_taken(slug: &str) -> String {
    format!("the slug \"{slug}\" is already taken; pass another `slug`")
}
