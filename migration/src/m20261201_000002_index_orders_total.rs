//! Indexes `orders(total_cents, id)`, so that orders page by total with a
//! keyset scan like every other ordering.

use sea_orm_migration::prelude::*;

use crate::common::{create_indexes, index};

/// Adds `orders_total_cents_id_idx`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    TotalCents,
}

const NAME: &str = "orders_total_cents_id_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_indexes(
            manager,
            [index(NAME, Orders::Table, [Orders::TotalCents, Orders::Id])],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Orders::Table).to_owned())
            .await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
