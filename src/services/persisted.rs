//! Trusted documents: the operations registered with `storefront persisted
//! add` (or a manifest named in the settings). With
//! `STOREFRONT_PERSISTED_ONLY`, they are the only operations the server runs.

use std::sync::Arc;

use chrono::Utc;
use moka::sync::Cache;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, QuerySelect, Set, sea_query::OnConflict,
};

use crate::{domain::digest::sha256_hex, entities::persisted_documents, error::AppResult};

/// Registered documents kept in memory once read.
const REMEMBERED: u64 = 10_000;
/// Documents per insert: four bound values each, far under SQLite's and
/// PostgreSQL's limits on bound values per statement.
const INSERT_CHUNK: usize = 500;

/// A document to register, under the SHA-256 of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedDocument {
    /// Lowercase hex SHA-256 of `body`.
    pub hash: String,
    /// The GraphQL document.
    pub body: String,
    /// Its operation name, when a manifest gave one.
    pub name: Option<String>,
}

impl TrustedDocument {
    /// `body`, hashed.
    pub fn new(body: String, name: Option<String>) -> Self {
        Self {
            hash: sha256_hex(&body),
            body,
            name,
        }
    }
}

/// Registers `documents`; those already registered stay as they are.
/// Returns how many were new; one statement per 500 documents.
pub async fn register(
    db: &impl ConnectionTrait,
    documents: &[TrustedDocument],
) -> AppResult<usize> {
    let now = Utc::now();
    let mut added = 0;
    for chunk in documents.chunks(INSERT_CHUNK) {
        let rows = chunk
            .iter()
            .map(|document| persisted_documents::ActiveModel {
                hash: Set(document.hash.clone()),
                body: Set(document.body.clone()),
                name: Set(document.name.clone()),
                created_at: Set(now),
            });
        let inserted = persisted_documents::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(persisted_documents::Column::Hash)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        added += usize::try_from(inserted).unwrap_or(0);
    }
    Ok(added)
}

/// The registered documents, read from the database on first use and then
/// remembered (a document's text never changes under its hash).
#[derive(Clone)]
pub struct TrustedDocuments {
    db: DatabaseConnection,
    found: Cache<String, Arc<str>>,
}

impl TrustedDocuments {
    /// The documents registered in `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            found: Cache::new(REMEMBERED),
        }
    }

    /// The document registered under `hash`.
    pub async fn get(&self, hash: &str) -> AppResult<Option<Arc<str>>> {
        if let Some(body) = self.found.get(hash) {
            return Ok(Some(body));
        }
        let body: Option<String> = persisted_documents::Entity::find_by_id(hash.to_owned())
            .select_only()
            .column(persisted_documents::Column::Body)
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(body.map(|body| {
            let body: Arc<str> = body.into();
            self.found.insert(hash.to_owned(), body.clone());
            body
        }))
    }
}
