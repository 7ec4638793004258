//! product→rating summary: one grouped aggregate for the whole batch.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::DbLoader;
use crate::{
    cache::{Entry, Tag},
    error::AppError,
    services::read::{self, products::RatingTotals},
};

/// Key: the product whose reviews are summarised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RatingOf(pub i64);

impl Loader<RatingOf> for DbLoader {
    type Value = RatingTotals;
    type Error = AppError;

    async fn load(&self, keys: &[RatingOf]) -> Result<HashMap<RatingOf, Self::Value>, AppError> {
        self.read.add(keys.iter().map(|key| Tag::Rating(key.0)));
        let entry = Entry {
            entity: "Rating",
            key: |key: &RatingOf| Tag::Rating(key.0).to_string(),
            tags: |totals: &RatingTotals| vec![Tag::Rating(totals.product_id)],
        };
        self.cached(entry, keys, |keys| async move {
            let products = keys.iter().map(|key| key.0);
            let rows = read::products::rating_totals(&self.db, products).await?;
            let mut totals: HashMap<RatingOf, RatingTotals> = keys
                .iter()
                .map(|key| {
                    let none = RatingTotals {
                        product_id: key.0,
                        ..RatingTotals::default()
                    };
                    (*key, none)
                })
                .collect();
            totals.extend(rows.into_iter().map(|row| (RatingOf(row.product_id), row)));
            Ok(totals)
        })
        .await
    }
}
