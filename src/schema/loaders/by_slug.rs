//! Rows by slug, batched so that aliased `product(slug:)` lookups share one
//! statement.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::DbLoader;
use crate::{
    cache::Table,
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
        let rows = read::products::by_slugs(&self.db, keys.iter().map(|key| key.0.clone())).await?;
        self.read_rows(Table::Product, keys.len(), rows.iter().map(|row| row.id));
        Ok(rows
            .into_iter()
            .map(|row| (ProductSlug(row.slug.clone()), row))
            .collect())
    }
}

impl Loader<CategorySlug> for DbLoader {
    type Value = categories::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[CategorySlug],
    ) -> Result<HashMap<CategorySlug, Self::Value>, AppError> {
        let rows =
            read::categories::by_slugs(&self.db, keys.iter().map(|key| key.0.clone())).await?;
        self.read_rows(Table::Category, keys.len(), rows.iter().map(|row| row.id));
        Ok(rows
            .into_iter()
            .map(|row| (CategorySlug(row.slug.clone()), row))
            .collect())
    }
}
