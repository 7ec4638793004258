//! order→items: the lines of a whole level of orders in one statement.

use std::collections::HashMap;

use super::DbLoader;
use crate::{entities::order_items, error::AppError, services::read};
use async_graphql::dataloader::Loader;

/// Key: the order whose lines are wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItemsOf(pub i64);

impl Loader<ItemsOf> for DbLoader {
    type Value = Vec<order_items::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[ItemsOf]) -> Result<HashMap<ItemsOf, Self::Value>, AppError> {
        let rows = read::orders::items_of(&self.db, keys.iter().map(|key| key.0)).await?;
        let mut items: HashMap<ItemsOf, Self::Value> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for row in rows {
            items.entry(ItemsOf(row.order_id)).or_default().push(row);
        }
        Ok(items)
    }
}
