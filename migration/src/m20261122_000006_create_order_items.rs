//! Creates `order_items`: the product lines of an order, with the unit price
//! captured at checkout time.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{create_indexes, drop_table, foreign_key, id, index};

/// Creates the `order_items` table and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    OrderId,
    ProductId,
    Quantity,
    UnitPriceCents,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
}

#[derive(DeriveIden)]
enum Products {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(id())
                    .col(big_integer(OrderItems::OrderId))
                    .col(big_integer(OrderItems::ProductId))
                    .col(integer(OrderItems::Quantity).check((
                        "order_items_quantity_check",
                        Expr::col(OrderItems::Quantity).gt(0),
                    )))
                    .col(big_integer(OrderItems::UnitPriceCents).check((
                        "order_items_unit_price_cents_check",
                        Expr::col(OrderItems::UnitPriceCents).gte(0),
                    )))
                    .foreign_key(&mut foreign_key(
                        "order_items_order_id_fkey",
                        OrderItems::Table,
                        OrderItems::OrderId,
                        Orders::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "order_items_product_id_fkey",
                        OrderItems::Table,
                        OrderItems::ProductId,
                        Products::Table,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index(
                    "order_items_order_id_idx",
                    OrderItems::Table,
                    [OrderItems::OrderId],
                ),
                index(
                    "order_items_product_id_idx",
                    OrderItems::Table,
                    [OrderItems::ProductId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, OrderItems::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
