//! Creates `events`: the transactional outbox. Each row is one domain event
//! written in the same transaction as the change it describes; its `id` is
//! the event's position, the source of subscription cursors.
//!
//! No foreign keys: the log outlives what it mentions (a product may be
//! deleted while its stock events are still resumable), and pruning old
//! events must never wait on other tables.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{create_indexes, drop_table, id, index};

/// Creates the `events` table and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Kind,
    OrderId,
    UserId,
    ProductId,
    Stock,
    Delta,
    OccurredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(id())
                    .col(string_len(Events::Kind, 32))
                    .col(big_integer_null(Events::OrderId))
                    .col(big_integer_null(Events::UserId))
                    .col(big_integer_null(Events::ProductId))
                    .col(integer_null(Events::Stock))
                    .col(integer_null(Events::Delta))
                    .col(timestamp_with_time_zone(Events::OccurredAt))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [index(
                "events_occurred_at_idx",
                Events::Table,
                [Events::OccurredAt],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Events::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
