//! Trusted documents: the operations a first-party frontend may run when
//! the server accepts registered documents only.

use sea_orm::entity::prelude::*;

/// A row of `persisted_documents`, keyed by the SHA-256 of its text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persisted_documents")]
pub struct Model {
    /// Lowercase hex SHA-256 of `body`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    /// The GraphQL document.
    pub body: String,
    /// The operation name from the manifest, when it gave one.
    pub name: Option<String>,
    pub created_at: DateTimeUtc,
}

/// `persisted_documents` relates to nothing.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
