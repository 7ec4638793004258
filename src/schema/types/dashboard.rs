//! `DashboardSnapshot`: the live dashboard's figures, shared by every
//! subscriber of an instance (see `events::dashboard`). Its rows were read
//! with the figures, so showing them costs no statement; only relations
//! selected below them load, through the subscription's loaders.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};

use super::{Order, Product, Row, TopProduct};
use crate::{
    error::AppResult,
    schema::{
        context::currency,
        scalars::{Money, Timestamp},
    },
    services::read::dashboard::{DashboardFigures, MinuteCount as MinuteFigure},
};

/// What the store is doing, as of `generatedAt`.
pub struct DashboardSnapshot(pub Arc<DashboardFigures>);

#[Object(serial)]
impl DashboardSnapshot {
    /// When these figures were read.
    async fn generated_at(&self) -> Timestamp {
        self.0.generated_at.into()
    }

    /// Orders placed since midnight UTC and not cancelled.
    async fn orders_today(&self) -> i64 {
        self.0.today.order_count
    }

    /// Their totals, summed.
    async fn revenue_today(&self, ctx: &Context<'_>) -> AppResult<Money> {
        Ok(Money::from_cents(
            self.0.today.revenue_cents,
            currency(ctx)?,
        ))
    }

    /// Orders placed in the last hour and not cancelled.
    async fn orders_last_hour(&self) -> i64 {
        self.0.orders_last_hour()
    }

    /// Orders per minute over the last hour, oldest first; the last entry
    /// is the current minute, still filling.
    async fn orders_per_minute(&self) -> Vec<MinuteCount> {
        self.0.per_minute.iter().map(MinuteCount::from).collect()
    }

    /// Today's best sellers by revenue, at most five.
    async fn top_products(&self) -> Vec<TopProduct> {
        self.0
            .top_products
            .iter()
            .map(|(sales, product)| TopProduct::with_product(*sales, product.clone()))
            .collect()
    }

    /// Products at or below the low-stock threshold
    /// (`STOREFRONT_LOW_STOCK_THRESHOLD`), lowest stock first, at most ten.
    async fn low_stock(&self) -> Vec<Row<Product>> {
        self.0
            .low_stock
            .iter()
            .map(|row| Row(Product::new(row.clone())))
            .collect()
    }

    /// The ten newest orders, newest first.
    async fn recent_orders(&self) -> Vec<Row<Order>> {
        self.0
            .recent_orders
            .iter()
            .map(|row| Row(Order::new(row.clone())))
            .collect()
    }
}

/// Orders placed in one minute.
#[derive(SimpleObject)]
pub struct MinuteCount {
    /// The minute's start.
    minute: Timestamp,
    /// Orders placed in it (not cancelled).
    orders: i64,
}

impl From<&MinuteFigure> for MinuteCount {
    fn from(figure: &MinuteFigure) -> Self {
        Self {
            minute: figure.minute.into(),
            orders: figure.orders,
        }
    }
}
