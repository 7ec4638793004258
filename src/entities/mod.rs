//! SeaORM entities, one per contract table. Plain data: no GraphQL derives, so
//! the wire types in `schema::types` can evolve without touching storage.

pub mod categories;
pub mod events;
pub mod idempotency_keys;
pub mod order_items;
pub mod orders;
pub mod persisted_documents;
pub mod products;
pub mod refresh_tokens;
pub mod reviews;
pub mod stock_adjustments;
pub mod users;
