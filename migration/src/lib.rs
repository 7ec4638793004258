//! Database schema migrations for the storefront, written once for both
//! SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261122_000001_create_users;
mod m20261122_000002_create_categories;
mod m20261122_000003_create_products;
mod m20261122_000004_create_reviews;
mod m20261122_000005_create_orders;
mod m20261122_000006_create_order_items;
mod m20261123_000001_create_stock_adjustments;
mod m20261201_000001_create_idempotency_keys;
mod m20261201_000002_index_orders_total;
mod m20261201_000003_create_refresh_tokens;
mod m20261202_000001_create_events;
mod m20261203_000001_create_persisted_documents;

/// Entry point the application and tests use to apply or roll back the schema.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    /// In name order, which is the order they apply in: `down` reverts the
    /// last applied one of this list, so a new migration gets a name that
    /// sorts after every other and goes at the end.
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_users::Migration),
            Box::new(m20261122_000002_create_categories::Migration),
            Box::new(m20261122_000003_create_products::Migration),
            Box::new(m20261122_000004_create_reviews::Migration),
            Box::new(m20261122_000005_create_orders::Migration),
            Box::new(m20261122_000006_create_order_items::Migration),
            Box::new(m20261123_000001_create_stock_adjustments::Migration),
            Box::new(m20261201_000001_create_idempotency_keys::Migration),
            Box::new(m20261201_000002_index_orders_total::Migration),
            Box::new(m20261201_000003_create_refresh_tokens::Migration),
            Box::new(m20261202_000001_create_events::Migration),
            Box::new(m20261203_000001_create_persisted_documents::Migration),
        ]
    }
}
