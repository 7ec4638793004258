//! product→rating summary: one grouped aggregate for the whole batch.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};

use super::DbLoader;
use crate::{entities::reviews, error::AppError};

/// Key: the product whose reviews are summarised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RatingOf(pub i64);

/// Count and sum of a product's ratings; integers, so exact on every database.
#[derive(Clone, Copy, Debug, Default, FromQueryResult)]
pub struct RatingTotals {
    product_id: i64,
    /// Number of reviews.
    pub count: i64,
    /// Sum of their ratings.
    pub sum: i64,
}

impl Loader<RatingOf> for DbLoader {
    type Value = RatingTotals;
    type Error = AppError;

    async fn load(&self, keys: &[RatingOf]) -> Result<HashMap<RatingOf, Self::Value>, AppError> {
        let rows = reviews::Entity::find()
            .select_only()
            .column(reviews::Column::ProductId)
            .column_as(reviews::Column::Id.count(), "count")
            .column_as(reviews::Column::Rating.sum(), "sum")
            .filter(reviews::Column::ProductId.is_in(keys.iter().map(|key| key.0)))
            .group_by(reviews::Column::ProductId)
            .into_model::<RatingTotals>()
            .all(&self.db)
            .await?;
        let mut totals: HashMap<RatingOf, RatingTotals> = keys
            .iter()
            .map(|key| (*key, RatingTotals::default()))
            .collect();
        totals.extend(rows.into_iter().map(|row| (RatingOf(row.product_id), row)));
        Ok(totals)
    }
}
