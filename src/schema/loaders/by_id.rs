//! Rows by primary key: product→category, category→parent, review→author,
//! review→product, and `node`/`nodes`.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{DbLoader, rows_where_in};
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

impl Loader<ProductId> for DbLoader {
    type Value = products::Model;
    type Error = AppError;

    async fn load(&self, keys: &[ProductId]) -> Result<HashMap<ProductId, Self::Value>, AppError> {
        let ids = keys.iter().map(|key| key.0);
        let rows =
            rows_where_in::<products::Entity, _>(&self.db, products::Column::Id, ids).await?;
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
        let ids = keys.iter().map(|key| key.0);
        let rows =
            rows_where_in::<categories::Entity, _>(&self.db, categories::Column::Id, ids).await?;
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
        let ids = keys.iter().map(|key| key.0);
        let rows = rows_where_in::<reviews::Entity, _>(&self.db, reviews::Column::Id, ids).await?;
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
            .filter(users::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .into_partial_model::<UserRecord>()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (UserId(row.id), row)).collect())
    }
}
