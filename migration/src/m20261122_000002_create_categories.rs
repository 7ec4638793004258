//! Creates `categories`: the (optionally nested) product catalogue tree.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, created_at, drop_table, foreign_key, id, index, unique_index, updated_at,
};

/// Creates the `categories` table and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Name,
    Slug,
    ParentId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(id())
                    .col(string_len(Categories::Name, 100))
                    .col(string_len(Categories::Slug, 120))
                    .col(big_integer_null(Categories::ParentId))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut foreign_key(
                        "categories_parent_id_fkey",
                        Categories::Table,
                        Categories::ParentId,
                        Categories::Table,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index("categories_slug_key", Categories::Table, [Categories::Slug]),
                index(
                    "categories_parent_id_idx",
                    Categories::Table,
                    [Categories::ParentId],
                ),
                index(
                    "categories_name_id_idx",
                    Categories::Table,
                    [Categories::Name, Categories::Id],
                ),
                index(
                    "categories_created_at_id_idx",
                    Categories::Table,
                    [Categories::CreatedAt, Categories::Id],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Categories::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
