//! Creates `persisted_documents`: the trusted documents registered with
//! `storefront persisted add`, by the SHA-256 of their text.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{created_at, drop_table};

/// Creates the `persisted_documents` table.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PersistedDocuments {
    Table,
    Hash,
    Body,
    Name,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PersistedDocuments::Table)
                    .col(string_len(PersistedDocuments::Hash, 64).primary_key())
                    .col(text(PersistedDocuments::Body))
                    .col(string_len_null(PersistedDocuments::Name, 255))
                    .col(created_at())
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, PersistedDocuments::Table).await
    }

    // Atomic on SQLite as well; the library default wraps only PostgreSQL.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
