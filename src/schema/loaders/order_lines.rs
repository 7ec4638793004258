//! An order's lines with the products they name and, when selected, those
//! products' categories (`items { product { category { name } } }`), with
//! the columns of both that the selection shows.
//!
//! The lines of a level of orders load in one batch and one statement, the
//! lines joined to their products (and categories). Each order gets what
//! its lines reach with its lines, instead of asking the loaders again on
//! its own. Order lines are private, so this read skips the entity cache.

use std::{
    collections::HashMap,
    hash::{Hash, Hasher},
    sync::Arc,
};

use async_graphql::{Context, dataloader::Loader};

use super::{CategoryId, DbLoader};
use crate::{
    cache::Table,
    entities::{categories, order_items, products},
    error::AppError,
    schema::context::loaders,
    services::read::{self, IdMap, orders::LineWithProduct, products::ListedColumns},
};

/// Key: one order's lines, with what their selection shows of their
/// products and those products' categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinesOf {
    order: i64,
    columns: ListedColumns,
}

/// Hashes the order alone, as [`super::ChildPage`] hashes its parent: the
/// keys of a level differ by order, and SipHash over every flag of the
/// columns cost each key about six times as much, several times over.
impl Hash for LinesOf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.order.hash(state);
    }
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
    /// Those products' categories by id; `None` unless an order of the
    /// batch selected them (an order that did not ignores them).
    pub categories: Option<HashMap<CategoryId, categories::Model>>,
}

impl Loader<LinesOf> for DbLoader {
    /// Shared: the loader hands every requester a copy of its value.
    type Value = Arc<OrderLines>;
    type Error = AppError;

    async fn load(&self, keys: &[LinesOf]) -> Result<HashMap<LinesOf, Self::Value>, AppError> {
        // What any order of the batch shows is read for all of them: a line
        // whose selection shows less ignores the rest.
        let Some(columns) = keys
            .iter()
            .map(|key| key.columns)
            .reduce(ListedColumns::union)
        else {
            return Ok(HashMap::new());
        };
        let with_categories = columns.categories.is_some();
        let mut orders: Vec<i64> = keys.iter().map(|key| key.order).collect();
        orders.sort_unstable();
        orders.dedup();
        let empty = || OrderLines {
            categories: with_categories.then(HashMap::new),
            ..OrderLines::default()
        };
        let mut by_order: IdMap<OrderLines> =
            IdMap::with_capacity_and_hasher(orders.len(), Default::default());
        let mut read_products = Vec::new();
        let mut read_categories = Vec::new();
        let lines = read::orders::lines_with_products(&self.db, orders, columns).await?;
        for LineWithProduct {
            item,
            product,
            category,
        } in lines
        {
            read_products.push(product.id);
            let lines = by_order.entry(item.order_id).or_insert_with(empty);
            if let (Some(category), Some(categories)) = (category, lines.categories.as_mut()) {
                read_categories.push(category.id);
                categories
                    .entry(CategoryId(category.id))
                    .or_insert(category);
            }
            // An order has a few lines: a scan finds a product seen before.
            if !lines.products.iter().any(|known| known.id == product.id) {
                lines.products.push(product);
            }
            lines.items.push(item);
        }
        self.read_rows(
            Table::Product,
            read_products.len(),
            read_products.into_iter(),
        );
        self.read_rows(
            Table::Category,
            read_categories.len(),
            read_categories.into_iter(),
        );
        let by_order: IdMap<Arc<OrderLines>> = by_order
            .into_iter()
            .map(|(order, lines)| (order, Arc::new(lines)))
            .collect();
        Ok(keys
            .iter()
            .map(|key| {
                let lines = by_order
                    .get(&key.order)
                    .cloned()
                    .unwrap_or_else(|| Arc::new(empty()));
                (*key, lines)
            })
            .collect())
    }
}

/// The lines of each of `orders` with the `columns` of their products (and
/// categories), in one loader call: what a list of orders hands its items
/// when their selection reaches `items { product }` (see `prefetch`).
pub async fn lines_of_each(
    ctx: &Context<'_>,
    orders: impl Iterator<Item = i64>,
    columns: ListedColumns,
) -> Result<IdMap<OrderLines>, AppError> {
    let keys = orders.map(|order| LinesOf { order, columns });
    let loaded = loaders(ctx)?.load_many(keys).await?;
    Ok(loaded
        .into_iter()
        .map(|(key, lines)| (key.order, Arc::unwrap_or_clone(lines)))
        .collect())
}

/// The lines of `order` with the `columns` of their products (and
/// categories) its selection shows, batched with its siblings.
pub async fn lines_of(
    ctx: &Context<'_>,
    order: i64,
    columns: ListedColumns,
) -> Result<OrderLines, AppError> {
    let lines = loaders(ctx)?
        .load_one(LinesOf { order, columns })
        .await?
        .unwrap_or_default();
    Ok(Arc::unwrap_or_clone(lines))
}
