//! Pages of the top-level product listing (`products(…)`), through the
//! entity cache: a catalog page read again sends no statement for its list.
//! A page whose selection shows its items' categories reads them in its
//! own statement, and a page reads only the columns its selection shows.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;

use super::{DbLoader, Tagged, pages::shape_id, tagged::list_tags};
use crate::{
    cache::{Entry, Table},
    error::AppError,
    services::read::{
        self,
        keyset::Keyset,
        orderings::ProductOrdering,
        products::{ListedColumns, ListedProducts, ProductFilterSpec},
    },
};

/// Key: one page of the product listing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProductPage {
    /// Which products.
    pub filter: ProductFilterSpec,
    /// Page shape: order, size and cursor.
    pub keyset: Keyset<ProductOrdering>,
    /// The columns read of the rows, and of their categories if those are
    /// read with them.
    pub columns: ListedColumns,
}

impl Loader<ProductPage> for DbLoader {
    /// Shared: the loader hands every requester a copy of its value.
    type Value = Arc<ListedProducts>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ProductPage],
    ) -> Result<HashMap<ProductPage, Self::Value>, AppError> {
        let entry = Entry {
            entity: "ProductPage",
            key: |key: &ProductPage| {
                let shape = shape_id(&key.filter, &key.keyset);
                let products = key.columns.products.bits();
                match key.columns.categories {
                    Some(categories) => format!(
                        "ProductPage:{shape}:{products}:categories:{}",
                        categories.bits()
                    ),
                    None => format!("ProductPage:{shape}:{products}"),
                }
            },
            // Any product write that can add, remove or reorder members
            // touches the list; one that changes a member, or a category
            // read with the page, touches its row.
            tags: |listed: &ListedProducts| {
                list_tags(listed.page.rows())
                    .chain(listed.categories.iter().map(Tagged::tag))
                    .collect()
            },
        };
        let pages = self
            .cached(entry, keys, |keys| async move {
                let mut pages = HashMap::with_capacity(keys.len());
                for key in keys {
                    let listed =
                        read::products::page(&self.db, &key.filter, &key.keyset, key.columns)
                            .await?;
                    pages.insert(key, listed);
                }
                Ok(pages)
            })
            .await?;
        self.read_list(pages.values().flat_map(|listed| listed.page.rows()));
        for listed in pages.values() {
            let categories = listed.categories.iter().map(Tagged::id);
            self.read_rows(Table::Category, categories.len(), categories);
        }
        Ok(pages
            .into_iter()
            .map(|(key, page)| (key, Arc::new(page)))
            .collect())
    }
}
