//! An order's lines with the products they name and, when selected, those
//! products' categories (`items { product { category { name } } }`).
//!
//! The lines of a level of orders, then their products, then the
//! categories load in one batch, a statement each, as through [`ItemsOf`],
//! [`ProductId`] and [`CategoryId`]. Each order gets what its lines reach
//! with its lines, instead of asking the loaders twice more on its own (a
//! registration, a key set and a copy of every row per order and relation).

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, dataloader::Loader};

use super::{CategoryId, DbLoader, ItemsOf, ProductId};
use crate::{
    entities::{categories, order_items, products},
    error::AppError,
    schema::context::loaders,
};

/// How far a selection of order lines reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reach {
    /// The lines' products.
    Products,
    /// The lines' products and their categories.
    Categories,
}

/// Key: one order's lines, with what they reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinesOf {
    order: i64,
    reach: Reach,
}

/// An order's lines and the rows they reach.
#[derive(Clone, Default)]
pub struct OrderLines {
    /// The lines, in the order they were recorded.
    pub items: Vec<order_items::Model>,
    /// The lines' products, each once. An order has a few lines, so a line
    /// finds its product by a scan, where a map cost an allocation and two
    /// hashes per line.
    pub products: Vec<products::Model>,
    /// Those products' categories by id; `None` unless selected.
    pub categories: Option<HashMap<CategoryId, categories::Model>>,
}

impl Loader<LinesOf> for DbLoader {
    /// Shared: the loader hands every requester a copy of its value.
    type Value = Arc<OrderLines>;
    type Error = AppError;

    async fn load(&self, keys: &[LinesOf]) -> Result<HashMap<LinesOf, Self::Value>, AppError> {
        let items = self
            .rows_of(keys.iter().map(|key| ItemsOf(key.order)))
            .await?;
        let lines_of = |key: &LinesOf| items.get(&ItemsOf(key.order)).into_iter().flatten();
        let product_ids = keys
            .iter()
            .flat_map(lines_of)
            .map(|line| ProductId(line.product_id));
        let products = self.rows_of(product_ids).await?;
        let products_of = |key: &LinesOf| {
            lines_of(key)
                .filter_map(|line| products.get(&ProductId(line.product_id)))
                .collect::<Vec<_>>()
        };
        let category_ids = keys
            .iter()
            .filter(|key| key.reach == Reach::Categories)
            .flat_map(products_of)
            .map(|product| CategoryId(product.category_id));
        let categories = self.rows_of(category_ids).await?;

        Ok(keys
            .iter()
            .map(|key| {
                let reached = products_of(key);
                let lines = OrderLines {
                    items: lines_of(key).cloned().collect(),
                    categories: (key.reach == Reach::Categories).then(|| {
                        reached
                            .iter()
                            .filter_map(|product| {
                                let id = CategoryId(product.category_id);
                                categories.get(&id).map(|row| (id, row.clone()))
                            })
                            .collect()
                    }),
                    products: reached.into_iter().cloned().collect(),
                };
                (*key, Arc::new(lines))
            })
            .collect())
    }
}

/// The lines of `order` with what `reach` asks for, batched with its
/// siblings.
pub async fn lines_of(ctx: &Context<'_>, order: i64, reach: Reach) -> Result<OrderLines, AppError> {
    let lines = loaders(ctx)?
        .load_one(LinesOf { order, reach })
        .await?
        .unwrap_or_default();
    Ok(Arc::unwrap_or_clone(lines))
}
