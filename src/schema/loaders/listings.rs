//! Pages of the top-level product listing (`products(…)`), through the
//! entity cache: a catalog page read again sends no statement for its list.

use std::{collections::HashMap, iter, sync::Arc};

use async_graphql::dataloader::Loader;

use super::{DbLoader, Tagged, pages::shape_id};
use crate::{
    cache::{Entry, Table, Tag},
    entities::products,
    error::AppError,
    services::read::{
        self,
        keyset::{Keyset, Page},
        orderings::ProductOrdering,
        products::ProductFilterSpec,
    },
};

/// Key: one page of the product listing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProductPage {
    /// Which products.
    pub filter: ProductFilterSpec,
    /// Page shape: order, size and cursor.
    pub keyset: Keyset<ProductOrdering>,
}

impl Loader<ProductPage> for DbLoader {
    /// Shared: the loader hands every requester a copy of its value.
    type Value = Arc<Page<products::Model>>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ProductPage],
    ) -> Result<HashMap<ProductPage, Self::Value>, AppError> {
        let entry = Entry {
            entity: "ProductPage",
            key: |key: &ProductPage| format!("ProductPage:{}", shape_id(&key.filter, &key.keyset)),
            // Any product write that can add, remove or reorder members
            // touches the list; one that changes a member touches its row.
            tags: |page: &Page<products::Model>| {
                iter::once(Tag::List(Table::Product))
                    .chain(page.rows().map(Tagged::tag))
                    .collect()
            },
        };
        let pages = self
            .cached(entry, keys, |keys| async move {
                let mut pages = HashMap::with_capacity(keys.len());
                for key in keys {
                    let page = read::products::page(&self.db, &key.filter, &key.keyset).await?;
                    pages.insert(key, page);
                }
                Ok(pages)
            })
            .await?;
        self.read_list(pages.values().flat_map(Page::rows));
        Ok(pages
            .into_iter()
            .map(|(key, page)| (key, Arc::new(page)))
            .collect())
    }
}
