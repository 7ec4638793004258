//! Creates `idempotency_keys`: the order each user's idempotency key placed,
//! with a fingerprint of the input it was placed with.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{create_indexes, created_at, drop_table, foreign_key, id, index, unique_index};

/// Creates the `idempotency_keys` table and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    Fingerprint,
    OrderId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(id())
                    .col(big_integer(IdempotencyKeys::UserId))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string_len(IdempotencyKeys::Fingerprint, 64))
                    .col(big_integer(IdempotencyKeys::OrderId))
                    .col(created_at())
                    .foreign_key(&mut foreign_key(
                        "idempotency_keys_user_id_fkey",
                        IdempotencyKeys::Table,
                        IdempotencyKeys::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "idempotency_keys_order_id_fkey",
                        IdempotencyKeys::Table,
                        IdempotencyKeys::OrderId,
                        Orders::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index(
                    "idempotency_keys_user_id_key_key",
                    IdempotencyKeys::Table,
                    [IdempotencyKeys::UserId, IdempotencyKeys::Key],
                ),
                index(
                    "idempotency_keys_order_id_idx",
                    IdempotencyKeys::Table,
                    [IdempotencyKeys::OrderId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, IdempotencyKeys::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
