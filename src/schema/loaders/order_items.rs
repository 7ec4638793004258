//! order→items: the lines of a whole level of orders in one statement.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::DbLoader;
use crate::{entities::order_items, error::AppError};

/// Key: the order whose lines are wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItemsOf(pub i64);

impl Loader<ItemsOf> for DbLoader {
    type Value = Vec<order_items::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[ItemsOf]) -> Result<HashMap<ItemsOf, Self::Value>, AppError> {
        let rows = order_items::Entity::find()
            .filter(order_items::Column::OrderId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(order_items::Column::Id)
            .all(&self.db)
            .await?;
        let mut items: HashMap<ItemsOf, Self::Value> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for row in rows {
            items.entry(ItemsOf(row.order_id)).or_default().push(row);
        }
        Ok(items)
    }
}
