//! Creates `reviews`: one 1–5 star rating (plus text) per user and product.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, created_at, drop_table, foreign_key, id, index, unique_index, updated_at,
};

/// Creates the `reviews` table and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    ProductId,
    UserId,
    Rating,
    Body,
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
                    .table(Reviews::Table)
                    .col(id())
                    .col(big_integer(Reviews::ProductId))
                    .col(big_integer(Reviews::UserId))
                    .col(small_integer(Reviews::Rating).check((
                        "reviews_rating_check",
                        Expr::col(Reviews::Rating).between(1, 5),
                    )))
                    .col(text(Reviews::Body).default(""))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut foreign_key(
                        "reviews_product_id_fkey",
                        Reviews::Table,
                        Reviews::ProductId,
                        Products::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "reviews_user_id_fkey",
                        Reviews::Table,
                        Reviews::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index(
                    "reviews_user_id_product_id_key",
                    Reviews::Table,
                    [Reviews::UserId, Reviews::ProductId],
                ),
                index(
                    "reviews_product_id_created_at_id_idx",
                    Reviews::Table,
                    [Reviews::ProductId, Reviews::CreatedAt, Reviews::Id],
                ),
                // The unique key already serves `user_id` lookups; this one
                // serves keyset paging of a user's reviews by recency.
                index(
                    "reviews_user_id_created_at_id_idx",
                    Reviews::Table,
                    [Reviews::UserId, Reviews::CreatedAt, Reviews::Id],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Reviews::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
