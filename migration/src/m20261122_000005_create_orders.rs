//! Creates `orders`: a user's checkout with its lifecycle status and totals.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, created_at, drop_table, foreign_key, id, index, unique_index, updated_at,
};

/// Creates the `orders` table and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Number,
    UserId,
    Status,
    TotalCents,
    ItemCount,
    CreatedAt,
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
                    .table(Orders::Table)
                    .col(id())
                    .col(string_len(Orders::Number, 32))
                    .col(big_integer(Orders::UserId))
                    .col(string_len(Orders::Status, 16).default("PENDING").check((
                        "orders_status_check",
                        Expr::col(Orders::Status).is_in([
                            "PENDING",
                            "PAID",
                            "SHIPPED",
                            "DELIVERED",
                            "CANCELLED",
                        ]),
                    )))
                    .col(big_integer(Orders::TotalCents).check((
                        "orders_total_cents_check",
                        Expr::col(Orders::TotalCents).gte(0),
                    )))
                    .col(integer(Orders::ItemCount).check((
                        "orders_item_count_check",
                        Expr::col(Orders::ItemCount).gte(0),
                    )))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut foreign_key(
                        "orders_user_id_fkey",
                        Orders::Table,
                        Orders::UserId,
                        Users::Table,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index("orders_number_key", Orders::Table, [Orders::Number]),
                index(
                    "orders_user_id_created_at_id_idx",
                    Orders::Table,
                    [Orders::UserId, Orders::CreatedAt, Orders::Id],
                ),
                index("orders_status_idx", Orders::Table, [Orders::Status]),
                index(
                    "orders_created_at_id_idx",
                    Orders::Table,
                    [Orders::CreatedAt, Orders::Id],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Orders::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
