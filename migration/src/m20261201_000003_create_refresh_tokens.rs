//! Creates `refresh_tokens`: opaque refresh tokens, stored only as SHA-256
//! hashes and grouped in families so that a reused token can revoke every
//! token descended from the same login.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{create_indexes, created_at, drop_table, foreign_key, id, index, unique_index};

/// Creates the `refresh_tokens` table and its indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    UserId,
    FamilyId,
    ParentId,
    TokenHash,
    ExpiresAt,
    RotatedAt,
    RevokedAt,
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
                    .table(RefreshTokens::Table)
                    .col(id())
                    .col(big_integer(RefreshTokens::UserId))
                    .col(string_len(RefreshTokens::FamilyId, 32))
                    .col(big_integer_null(RefreshTokens::ParentId))
                    .col(string_len(RefreshTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RotatedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                    .col(created_at())
                    .foreign_key(&mut foreign_key(
                        "refresh_tokens_user_id_fkey",
                        RefreshTokens::Table,
                        RefreshTokens::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "refresh_tokens_parent_id_fkey",
                        RefreshTokens::Table,
                        RefreshTokens::ParentId,
                        RefreshTokens::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index(
                    "refresh_tokens_token_hash_key",
                    RefreshTokens::Table,
                    [RefreshTokens::TokenHash],
                ),
                index(
                    "refresh_tokens_family_id_idx",
                    RefreshTokens::Table,
                    [RefreshTokens::FamilyId],
                ),
                index(
                    "refresh_tokens_user_id_idx",
                    RefreshTokens::Table,
                    [RefreshTokens::UserId],
                ),
                index(
                    "refresh_tokens_parent_id_idx",
                    RefreshTokens::Table,
                    [RefreshTokens::ParentId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, RefreshTokens::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
