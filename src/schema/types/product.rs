//! `Product`.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{Category, Review, ReviewConnection, ReviewTotal};
use crate::{
    entities::products,
    error::AppResult,
    schema::{
        connection::{IntoConnection, PageArgs},
        context::{currency, loaders, required},
        ids::{self, NodeKind},
        loaders::{CategoryId, RatingOf, child_page},
        scalars::Money,
    },
    services::read::{children::ProductReviews, keyset::Keyset, orderings::ReviewsNewestFirst},
};

/// A product of the catalog.
pub struct Product(pub products::Model);

/// How a product is rated.
#[derive(SimpleObject)]
pub struct RatingSummary {
    /// Mean rating from 1 to 5; null when there are no reviews.
    pub average: Option<f64>,
    /// Number of reviews.
    pub count: i32,
}

#[Object]
impl Product {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Product, self.0.id)
    }

    /// Stock-keeping unit, unique.
    async fn sku(&self) -> &str {
        &self.0.sku
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// URL-friendly unique name.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Long description.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Current unit price.
    async fn price(&self, ctx: &Context<'_>) -> AppResult<Money> {
        Ok(Money::from_cents(self.0.price_cents, currency(ctx)?))
    }

    /// Units available to order.
    async fn stock(&self) -> i32 {
        self.0.stock
    }

    /// Whether at least one unit is available.
    async fn in_stock(&self) -> bool {
        self.0.stock > 0
    }

    /// The category the product belongs to.
    async fn category(&self, ctx: &Context<'_>) -> AppResult<Category> {
        let row = loaders(ctx)?
            .load_one(CategoryId(self.0.category_id))
            .await?;
        Ok(Category(required(row, "category")?))
    }

    /// Summary of the product's review ratings.
    async fn rating(&self, ctx: &Context<'_>) -> AppResult<RatingSummary> {
        let totals = loaders(ctx)?
            .load_one(RatingOf(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(RatingSummary {
            average: (totals.count > 0).then(|| totals.sum as f64 / totals.count as f64),
            count: i32::try_from(totals.count).unwrap_or(i32::MAX),
        })
    }

    /// Reviews of the product, newest first.
    #[graphql(
        complexity = "crate::schema::connection::page_cost(first, last) * child_complexity + 1"
    )]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<ReviewConnection> {
        let keyset = Keyset::new(
            ReviewsNewestFirst,
            PageArgs::new(first, after, last, before),
        )?;
        let page = child_page::<ProductReviews>(ctx, self.0.id, (), keyset).await?;
        Ok(page.into_connection(ReviewTotal::OfProduct(self.0.id), Review))
    }

    /// When the product was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the product last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
