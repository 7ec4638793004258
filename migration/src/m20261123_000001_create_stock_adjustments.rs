//! Creates `stock_adjustments`: every manual stock change an admin made, with
//! the stock it left behind, written in the same transaction as the change.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{create_indexes, created_at, drop_table, foreign_key, id, index};

/// Creates the `stock_adjustments` table and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StockAdjustments {
    Table,
    Id,
    ProductId,
    UserId,
    Delta,
    Reason,
    StockAfter,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StockAdjustments::Table)
                    .col(id())
                    .col(big_integer(StockAdjustments::ProductId))
                    .col(big_integer_null(StockAdjustments::UserId))
                    .col(integer(StockAdjustments::Delta).check((
                        "stock_adjustments_delta_check",
                        Expr::col(StockAdjustments::Delta).ne(0),
                    )))
                    .col(string_len_null(StockAdjustments::Reason, 255))
                    .col(integer(StockAdjustments::StockAfter).check((
                        "stock_adjustments_stock_after_check",
                        Expr::col(StockAdjustments::StockAfter).gte(0),
                    )))
                    .col(created_at())
                    // The history goes with its product; it outlives the
                    // admin's account, which then reads as unknown.
                    .foreign_key(&mut foreign_key(
                        "stock_adjustments_product_id_fkey",
                        StockAdjustments::Table,
                        StockAdjustments::ProductId,
                        Products::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "stock_adjustments_user_id_fkey",
                        StockAdjustments::Table,
                        StockAdjustments::UserId,
                        Users::Table,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index(
                    "stock_adjustments_product_id_created_at_id_idx",
                    StockAdjustments::Table,
                    [
                        StockAdjustments::ProductId,
                        StockAdjustments::CreatedAt,
                        StockAdjustments::Id,
                    ],
                ),
                index(
                    "stock_adjustments_user_id_idx",
                    StockAdjustments::Table,
                    [StockAdjustments::UserId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, StockAdjustments::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
