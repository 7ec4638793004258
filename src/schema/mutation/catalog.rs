//! Admin catalog mutations: categories, products and stock.

use async_graphql::{Context, ID, Object};

use super::catalog_input::{
    CreateCategoryInput, CreateProductInput, UpdateCategoryInput, UpdateProductInput,
};
use crate::{
    domain::{StockDelta, StockReason},
    error::AppResult,
    schema::{
        context::{db, events, viewer},
        guards::AdminOnly,
        ids::{self, NodeKind},
        types::{Category, Product, Row},
    },
    services::catalog::{self, StockChange},
};

/// The argument every catalog input arrives in: input and service errors
/// name fields relative to it.
const INPUT: &str = "input";

/// Catalog writes; every one is admin-only.
#[derive(Default)]
pub struct CatalogMutation;

#[Object(serial)]
impl CatalogMutation {
    /// Creates a category; a slug left out is derived from the name, and a
    /// taken slug is `CONFLICT` on `input.slug`.
    #[graphql(guard = "AdminOnly")]
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        input: CreateCategoryInput,
    ) -> AppResult<Row<Category>> {
        let new = input.parse().map_err(|err| err.within(INPUT))?;
        let tx = db(ctx)?.begin_write().await?;
        let row = catalog::create_category(&tx, new)
            .await
            .map_err(|err| err.within(INPUT))?;
        tx.commit().await?;
        Ok(Row(Category(row)))
    }

    /// Renames, re-slugs or moves a category.
    #[graphql(guard = "AdminOnly")]
    async fn update_category(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCategoryInput,
    ) -> AppResult<Row<Category>> {
        let id = ids::decode_as(&id, NodeKind::Category, "id")?;
        let changes = input.parse().map_err(|err| err.within(INPUT))?;
        let tx = db(ctx)?.begin_write().await?;
        let row = catalog::update_category(&tx, id, changes)
            .await
            .map_err(|err| err.within(INPUT))?;
        tx.commit().await?;
        Ok(Row(Category(row)))
    }

    /// Creates a product; a slug left out is derived from the name. A taken
    /// SKU or slug is `CONFLICT` on `input.sku` or `input.slug`.
    #[graphql(guard = "AdminOnly")]
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        input: CreateProductInput,
    ) -> AppResult<Row<Product>> {
        let new = input.parse().map_err(|err| err.within(INPUT))?;
        let tx = db(ctx)?.begin_write().await?;
        let row = catalog::create_product(&tx, new)
            .await
            .map_err(|err| err.within(INPUT))?;
        tx.commit().await?;
        Ok(Row(Product::new(row)))
    }

    /// Changes a product's details.
    #[graphql(guard = "AdminOnly")]
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateProductInput,
    ) -> AppResult<Row<Product>> {
        let id = ids::decode_as(&id, NodeKind::Product, "id")?;
        let changes = input.parse().map_err(|err| err.within(INPUT))?;
        let tx = db(ctx)?.begin_write().await?;
        let row = catalog::update_product(&tx, id, changes)
            .await
            .map_err(|err| err.within(INPUT))?;
        tx.commit().await?;
        Ok(Row(Product::new(row)))
    }

    /// Deletes a product and its reviews; one that appears in orders is
    /// `CONFLICT` (set its stock to zero instead).
    #[graphql(guard = "AdminOnly")]
    async fn delete_product(&self, ctx: &Context<'_>, id: ID) -> AppResult<bool> {
        let id = ids::decode_as(&id, NodeKind::Product, "id")?;
        let tx = db(ctx)?.begin_write().await?;
        catalog::delete_product(&tx, id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Adds (positive `delta`) or removes (negative) units, recording who,
    /// why and the resulting stock. Going below zero or above 1,000,000 is
    /// `CONFLICT` on `delta`.
    #[graphql(guard = "AdminOnly")]
    async fn adjust_stock(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        delta: i32,
        reason: Option<String>,
    ) -> AppResult<Row<Product>> {
        let admin_id = viewer(ctx)?.require_admin()?;
        let product_id = ids::decode_as(&product_id, NodeKind::Product, "productId")?;
        let change = StockChange {
            product_id,
            delta: StockDelta::new(delta)?,
            reason: reason
                .map(|reason| StockReason::parse(&reason))
                .transpose()?
                .flatten(),
            admin_id,
        };
        let tx = db(ctx)?.begin_write().await?;
        let adjusted = catalog::adjust_stock(&tx, change).await?;
        tx.commit().await?;
        events(ctx)?.committed();
        Ok(Row(Product::new(adjusted.product)))
    }
}
