//! A product with its category, by id or slug, in one statement: what a
//! lookup of one product reads when its selection shows the category, which
//! would otherwise be a second statement waiting on the first.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::{DbLoader, Tagged};
use crate::{
    cache::{Entry, Table},
    error::AppError,
    services::read::{self, products::InCategory},
};

/// Key: a product, by id or by slug, to be read with its category.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProductInCategory {
    /// By primary key.
    Id(i64),
    /// By slug.
    Slug(String),
}

impl Loader<ProductInCategory> for DbLoader {
    type Value = InCategory;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ProductInCategory],
    ) -> Result<HashMap<ProductInCategory, Self::Value>, AppError> {
        let entry = Entry {
            entity: "ProductInCategory",
            key: |key: &ProductInCategory| match key {
                ProductInCategory::Id(id) => format!("Product+category:{id}"),
                ProductInCategory::Slug(slug) => format!("Product+category/slug:{slug}"),
            },
            tags: |row: &InCategory| vec![row.product.tag(), row.category.tag()],
        };
        let rows = self
            .cached(entry, keys, |keys| async move {
                let mut ids = Vec::new();
                let mut slugs = Vec::new();
                for key in keys {
                    match key {
                        ProductInCategory::Id(id) => ids.push(id),
                        ProductInCategory::Slug(slug) => slugs.push(slug),
                    }
                }
                let mut rows = HashMap::new();
                if !ids.is_empty() {
                    let found = read::products::in_categories_by_ids(&self.db, ids).await?;
                    rows.extend(
                        found
                            .into_iter()
                            .map(|row| (ProductInCategory::Id(row.product.id), row)),
                    );
                }
                if !slugs.is_empty() {
                    let found = read::products::in_categories_by_slugs(&self.db, slugs).await?;
                    rows.extend(
                        found
                            .into_iter()
                            .map(|row| (ProductInCategory::Slug(row.product.slug.clone()), row)),
                    );
                }
                Ok(rows)
            })
            .await?;
        self.read_rows(
            Table::Product,
            keys.len(),
            rows.values().map(|row| row.product.id),
        );
        self.read.add(rows.values().map(|row| row.category.tag()));
        Ok(rows)
    }
}
