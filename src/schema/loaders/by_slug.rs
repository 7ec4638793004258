//! Rows by slug, batched so that aliased `product(slug:)` lookups share one
//! statement, and cached under their slug.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::{DbLoader, Tagged};
use crate::{
    cache::{Entry, Table},
    entities::{categories, products},
    error::AppError,
    services::read,
};

/// Key: a product slug.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProductSlug(pub String);
/// Key: a category slug.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CategorySlug(pub String);

impl Loader<ProductSlug> for DbLoader {
    type Value = products::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ProductSlug],
    ) -> Result<HashMap<ProductSlug, Self::Value>, AppError> {
        let entry = Entry {
            entity: "ProductSlug",
            key: |key: &ProductSlug| format!("Product/slug:{}", key.0),
            tags: |row: &products::Model| vec![row.tag()],
        };
        let rows = self
            .cached(entry, keys, |keys| async move {
                let slugs = keys.into_iter().map(|key| key.0);
                let rows = read::products::by_slugs(&self.db, slugs).await?;
                Ok(rows
                    .into_iter()
                    .map(|row| (ProductSlug(row.slug.clone()), row))
                    .collect())
            })
            .await?;
        self.read_rows(Table::Product, keys.len(), rows.values().map(|row| row.id));
        Ok(rows)
    }
}

impl Loader<CategorySlug> for DbLoader {
    type Value = categories::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[CategorySlug],
    ) -> Result<HashMap<CategorySlug, Self::Value>, AppError> {
        let entry = Entry {
            entity: "CategorySlug",
            key: |key: &CategorySlug| format!("Category/slug:{}", key.0),
            tags: |row: &categories::Model| vec![row.tag()],
        };
        let rows = self
            .cached(entry, keys, |keys| async move {
                let slugs = keys.into_iter().map(|key| key.0);
                let rows = read::categories::by_slugs(&self.db, slugs).await?;
                Ok(rows
                    .into_iter()
                    .map(|row| (CategorySlug(row.slug.clone()), row))
                    .collect())
            })
            .await?;
        self.read_rows(Table::Category, keys.len(), rows.values().map(|row| row.id));
        Ok(rows)
    }
}
