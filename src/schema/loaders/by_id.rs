//! Rows by primary key: product→category, category→parent, review→author,
//! review→product, and `node`/`nodes`.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::DbLoader;
use crate::{
    entities::{categories, products, reviews, users},
    error::AppError,
    schema::types::UserRecord,
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

fn ids<K: Copy>(keys: &[K], id: fn(K) -> i64) -> Vec<i64> {
    keys.iter().map(|key| id(*key)).collect()
}

impl Loader<ProductId> for DbLoader {
    type Value = products::Model;
    type Error = AppError;

    async fn load(&self, keys: &[ProductId]) -> Result<HashMap<ProductId, Self::Value>, AppError> {
        let rows = products::Entity::find()
            .filter(products::Column::Id.is_in(ids(keys, |k| k.0)))
            .all(&self.db)
            .await?;
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
        let rows = categories::Entity::find()
            .filter(categories::Column::Id.is_in(ids(keys, |k| k.0)))
            .all(&self.db)
            .await?;
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
        let rows = reviews::Entity::find()
            .filter(reviews::Column::Id.is_in(ids(keys, |k| k.0)))
            .all(&self.db)
            .await?;
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
        let rows = users::Entity::find()
            .filter(users::Column::Id.is_in(ids(keys, |k| k.0)))
            .into_partial_model::<UserRecord>()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (UserId(row.id), row)).collect())
    }
}
