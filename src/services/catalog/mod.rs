//! Catalog changes an admin makes: categories, products and stock.
//!
//! Each function runs inside the caller's write transaction, turns constraint
//! violations into user errors where the statement runs (never a racy
//! pre-check alone) and returns the rows it changed.

mod categories;
mod products;
mod stock;

pub use categories::{CategoryChanges, NewCategory, create_category, update_category};
pub use products::{NewProduct, ProductChanges, create_product, delete_product, update_product};
pub use stock::{StockAdjusted, StockChange, adjust_stock};

/// Longest category name (the `categories.name` column).
pub const CATEGORY_NAME_MAX: usize = 100;
/// Longest category slug (the `categories.slug` column).
pub const CATEGORY_SLUG_MAX: usize = 120;
/// Longest product name (the `products.name` column).
pub const PRODUCT_NAME_MAX: usize = 200;
/// Longest product slug (the `products.slug` column).
pub const PRODUCT_SLUG_MAX: usize = 220;
/// Longest SKU (the `products.sku` column).
pub const SKU_MAX: usize = 64;
/// Longest product description: a page of text, not a document store.
pub const DESCRIPTION_MAX: usize = 10_000;
/// Highest price in cents: 1,000,000.00.
pub const PRICE_MAX_CENTS: i64 = 100_000_000;
/// Most units a product can hold; also bounds one adjustment.
pub const STOCK_MAX: i32 = 1_000_000;
/// Longest reason given for a stock adjustment (the column's length).
pub const REASON_MAX: usize = 255;

/// The message of a `CONFLICT` on `input.slug`.
fn slug_taken(slug: &str) -> String {
    format!("the slug \"{slug}\" is already taken; pass another `slug`")
}
