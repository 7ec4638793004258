//! Creates `products`: the sellable items, with price, stock and a
//! denormalised average rating used for sorting.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, created_at, drop_table, foreign_key, id, index, unique_index, updated_at,
};

/// Creates the `products` table and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    CategoryId,
    Sku,
    Name,
    Slug,
    Description,
    PriceCents,
    Stock,
    /// Average review rating × 1000 (0 when unreviewed), kept by the app so
    /// "order by rating" is a plain indexed keyset scan.
    RatingAverageMilli,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(id())
                    .col(big_integer(Products::CategoryId))
                    .col(string_len(Products::Sku, 64))
                    .col(string_len(Products::Name, 200))
                    .col(string_len(Products::Slug, 220))
                    .col(text(Products::Description).default(""))
                    .col(big_integer(Products::PriceCents).check((
                        "products_price_cents_check",
                        Expr::col(Products::PriceCents).gte(0),
                    )))
                    .col(
                        integer(Products::Stock)
                            .default(0)
                            .check(("products_stock_check", Expr::col(Products::Stock).gte(0))),
                    )
                    .col(big_integer(Products::RatingAverageMilli).default(0))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut foreign_key(
                        "products_category_id_fkey",
                        Products::Table,
                        Products::CategoryId,
                        Categories::Table,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index("products_sku_key", Products::Table, [Products::Sku]),
                unique_index("products_slug_key", Products::Table, [Products::Slug]),
                index(
                    "products_category_id_idx",
                    Products::Table,
                    [Products::CategoryId],
                ),
                index(
                    "products_name_id_idx",
                    Products::Table,
                    [Products::Name, Products::Id],
                ),
                index(
                    "products_price_cents_id_idx",
                    Products::Table,
                    [Products::PriceCents, Products::Id],
                ),
                index(
                    "products_created_at_id_idx",
                    Products::Table,
                    [Products::CreatedAt, Products::Id],
                ),
                index(
                    "products_rating_average_milli_id_idx",
                    Products::Table,
                    [Products::RatingAverageMilli, Products::Id],
                ),
                index("products_stock_idx", Products::Table, [Products::Stock]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Products::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
