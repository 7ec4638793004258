//! Rows by primary key: product→category, category→parent, review→author,
//! review→product, order→customer, order item→product, and `node`/`nodes`.

use std::{collections::HashMap, hash::Hash};

use async_graphql::dataloader::Loader;

use super::DbLoader;
use crate::{
    entities::{categories, order_items, orders, products, reviews},
    error::AppError,
    services::read::{self, users::UserRecord},
};

/// A loader key that is a row's primary key.
pub trait RowKey: Copy + Eq + Hash {
    /// The key of the row with this id.
    fn of(id: i64) -> Self;
    /// The row's id.
    fn id(&self) -> i64;
}

macro_rules! row_keys {
    ($($(#[$doc:meta])* $key:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl RowKey for $key {
            fn of(id: i64) -> Self {
                Self(id)
            }

            fn id(&self) -> i64 {
                self.0
            }
        }
    )*};
}

row_keys! {
    /// Key: a product id.
    ProductId,
    /// Key: a category id.
    CategoryId,
    /// Key: a review id.
    ReviewId,
    /// Key: a user id.
    UserId,
    /// Key: an order id.
    OrderId,
    /// Key: an order item id.
    OrderItemId,
}

impl Loader<ProductId> for DbLoader {
    type Value = products::Model;
    type Error = AppError;

    async fn load(&self, keys: &[ProductId]) -> Result<HashMap<ProductId, Self::Value>, AppError> {
        self.rows_by_id(keys, |ids| read::products::by_ids(&self.db, ids))
            .await
    }
}

impl Loader<CategoryId> for DbLoader {
    type Value = categories::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[CategoryId],
    ) -> Result<HashMap<CategoryId, Self::Value>, AppError> {
        self.rows_by_id(keys, |ids| read::categories::by_ids(&self.db, ids))
            .await
    }
}

impl Loader<ReviewId> for DbLoader {
    type Value = reviews::Model;
    type Error = AppError;

    async fn load(&self, keys: &[ReviewId]) -> Result<HashMap<ReviewId, Self::Value>, AppError> {
        self.rows_by_id(keys, |ids| read::reviews::by_ids(&self.db, ids))
            .await
    }
}

impl Loader<UserId> for DbLoader {
    type Value = UserRecord;
    type Error = AppError;

    /// A record that came through Redis has no address, which is never
    /// encoded there ([`EmailOf`](super::EmailOf) reads it when shown).
    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, Self::Value>, AppError> {
        self.rows_by_id(keys, |ids| read::users::by_ids(&self.db, ids))
            .await
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
