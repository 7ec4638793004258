//! Rows by primary key: product→category, category→parent, review→author,
//! review→product, order→customer, order item→product, and `node`/`nodes`.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::DbLoader;
use crate::{
    cache::Table,
    entities::{categories, order_items, orders, products, reviews},
    error::AppError,
    services::read::{self, users::UserRecord},
};

/// Key: a product id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProductId(pub i64);
/// Key: a category id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CategoryId(pub i64);
/// Key: a review id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReviewId(pub i64);
/// Key: a user id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);
/// Key: an order id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrderId(pub i64);
/// Key: an order item id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrderItemId(pub i64);

impl Loader<ProductId> for DbLoader {
    type Value = products::Model;
    type Error = AppError;

    async fn load(&self, keys: &[ProductId]) -> Result<HashMap<ProductId, Self::Value>, AppError> {
        let rows = read::products::by_ids(&self.db, keys.iter().map(|key| key.0)).await?;
        self.read_rows(Table::Product, keys.len(), rows.iter().map(|row| row.id));
        Ok(rows
            .into_iter()
            .map(|row| (ProductId(row.id), row))
            .collect())
    }
}

impl Loader<CategoryId> for DbLoader {
    type Value = categories::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[CategoryId],
    ) -> Result<HashMap<CategoryId, Self::Value>, AppError> {
        let rows = read::categories::by_ids(&self.db, keys.iter().map(|key| key.0)).await?;
        self.read_rows(Table::Category, keys.len(), rows.iter().map(|row| row.id));
        Ok(rows
            .into_iter()
            .map(|row| (CategoryId(row.id), row))
            .collect())
    }
}

impl Loader<ReviewId> for DbLoader {
    type Value = reviews::Model;
    type Error = AppError;

    async fn load(&self, keys: &[ReviewId]) -> Result<HashMap<ReviewId, Self::Value>, AppError> {
        let rows = read::reviews::by_ids(&self.db, keys.iter().map(|key| key.0)).await?;
        self.read_rows(Table::Review, keys.len(), rows.iter().map(|row| row.id));
        Ok(rows
            .into_iter()
            .map(|row| (ReviewId(row.id), row))
            .collect())
    }
}

impl Loader<UserId> for DbLoader {
    type Value = UserRecord;
    type Error = AppError;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, Self::Value>, AppError> {
        let rows = read::users::by_ids(&self.db, keys.iter().map(|key| key.0)).await?;
        self.read_rows(Table::User, keys.len(), rows.iter().map(|row| row.id));
        Ok(rows.into_iter().map(|row| (UserId(row.id), row)).collect())
    }
}

impl Loader<OrderId> for DbLoader {
    type Value = orders::Model;
    type Error = AppError;

    async fn load(&self, keys: &[OrderId]) -> Result<HashMap<OrderId, Self::Value>, AppError> {
        let rows = read::orders::by_ids(&self.db, keys.iter().map(|key| key.0)).await?;
        Ok(rows.into_iter().map(|row| (OrderId(row.id), row)).collect())
    }
}

impl Loader<OrderItemId> for DbLoader {
    type Value = order_items::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[OrderItemId],
    ) -> Result<HashMap<OrderItemId, Self::Value>, AppError> {
        let rows = read::orders::items_by_ids(&self.db, keys.iter().map(|key| key.0)).await?;
        Ok(rows
            .into_iter()
            .map(|row| (OrderItemId(row.id), row))
            .collect())
    }
}
