//! `SalesSummary`: what sold in a window, for admins.

use async_graphql::{Context, Object};

use super::{Product, Row};
use crate::{
    domain::{TopProductsLimit, listing::TOP_PRODUCTS_MAX},
    entities::products,
    error::AppResult,
    schema::{
        context::{currency, db, loaders, required},
        loaders::ProductId,
        scalars::Money,
    },
    services::read::sales::{self, ProductSales, SalesRange, SalesTotals},
};

/// Sales (orders in any state but CANCELLED) placed in a window.
pub struct SalesSummary {
    range: SalesRange,
    totals: SalesTotals,
}

impl SalesSummary {
    /// The summary of `range`, whose totals are already counted.
    pub fn new(range: SalesRange, totals: SalesTotals) -> Self {
        Self { range, totals }
    }
}

#[Object(serial, cache_control(private))]
impl SalesSummary {
    /// Orders sold.
    async fn order_count(&self) -> i64 {
        self.totals.order_count
    }

    /// Sum of their totals.
    async fn revenue(&self, ctx: &Context<'_>) -> AppResult<Money> {
        Ok(Money::from_cents(self.totals.revenue_cents, currency(ctx)?))
    }

    /// Revenue per order, rounded half up to the cent; zero without orders.
    async fn average_order_value(&self, ctx: &Context<'_>) -> AppResult<Money> {
        Ok(Money::from_cents(
            self.totals.average_cents(),
            currency(ctx)?,
        ))
    }

    /// The best sellers by revenue (ties: more units, then older product).
    #[graphql(
        complexity = "usize::try_from(limit.clamp(1, TOP_PRODUCTS_MAX)).unwrap_or(1) * child_complexity + 1"
    )]
    async fn top_products(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5)] limit: i32,
    ) -> AppResult<Vec<TopProduct>> {
        let limit = TopProductsLimit::new(limit)?;
        let rows = sales::top_products(db(ctx)?, self.range, limit.get()).await?;
        Ok(rows.into_iter().map(TopProduct::of).collect())
    }
}

/// How one product sold.
pub struct TopProduct {
    sales: ProductSales,
    /// The product when it was read with the figures (the dashboard's
    /// shared snapshot); otherwise it loads through the request's loaders.
    product: Option<products::Model>,
}

impl TopProduct {
    /// A best seller whose product loads when selected.
    pub fn of(sales: ProductSales) -> Self {
        Self {
            sales,
            product: None,
        }
    }

    /// A best seller whose product is already read.
    pub fn with_product(sales: ProductSales, product: products::Model) -> Self {
        Self {
            sales,
            product: Some(product),
        }
    }
}

#[Object(serial, cache_control(private))]
impl TopProduct {
    /// The product.
    async fn product(&self, ctx: &Context<'_>) -> AppResult<Row<Product>> {
        if let Some(product) = &self.product {
            return Ok(Row(Product::new(product.clone())));
        }
        let row = loaders(ctx)?
            .load_one(ProductId(self.sales.product_id))
            .await?;
        Ok(Row(Product::new(required(row, "sold product")?)))
    }

    /// Units sold.
    async fn units_sold(&self) -> i64 {
        self.sales.units_sold
    }

    /// Quantity × unit price, summed.
    async fn revenue(&self, ctx: &Context<'_>) -> AppResult<Money> {
        Ok(Money::from_cents(self.sales.revenue_cents, currency(ctx)?))
    }
}
