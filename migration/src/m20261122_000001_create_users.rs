//! Creates `users`: customer and admin accounts that own reviews and orders.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{create_indexes, created_at, drop_table, id, index, unique_index, updated_at};

/// Creates the `users` table and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    Role,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id())
                    .col(string_len(Users::Email, 255))
                    .col(string_len(Users::Name, 100))
                    .col(string_len(Users::PasswordHash, 255))
                    .col(string_len(Users::Role, 16).default("CUSTOMER").check((
                        "users_role_check",
                        Expr::col(Users::Role).is_in(["CUSTOMER", "ADMIN"]),
                    )))
                    .col(created_at())
                    .col(updated_at())
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index("users_email_key", Users::Table, [Users::Email]),
                index(
                    "users_created_at_id_idx",
                    Users::Table,
                    [Users::CreatedAt, Users::Id],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Users::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
