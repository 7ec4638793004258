//! The domain's own types, parsed rather than validated: each input rule
//! lives once, in the constructor of the type that holds the checked value,
//! and code that holds such a value never checks it again. Nothing here
//! knows GraphQL or HTTP; errors name the domain's fields (`email`,
//! `items.2.quantity`), and callers place them in their own arguments.

pub mod account;
pub mod clock;
pub mod digest;
mod error;
pub mod event;
pub mod listing;
pub mod money;
pub mod names;
pub mod order;
pub mod review;
pub mod role;
mod rules;
pub mod status;
pub mod stock;
pub mod text;

pub use account::{Email, Password};
pub use error::DomainError;
pub use listing::{PageSize, SearchText, TopProductsLimit};
pub use money::{Price, PriceRange};
pub use names::{
    CategoryName, CategorySlug, DisplayName, Name, ProductName, ProductSlug, Sku, Slug,
};
pub use order::{IdempotencyKey, OrderRequest, Quantity, RequestedLine};
pub use review::Rating;
pub use role::Role;
pub use status::OrderStatus;
pub use stock::{Stock, StockDelta, StockReason};
pub use text::{Description, ReviewBody};
