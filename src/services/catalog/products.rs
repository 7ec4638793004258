//! Creating, changing and deleting products (stock aside).

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set, Unchanged},
    ColumnTrait, DbErr, EntityTrait, QueryFilter,
};

use super::slug_taken;
use crate::{
    cache::{Table, Tag},
    db::CountedTransaction,
    domain::{Description, Price, ProductName, ProductSlug, Sku, Stock, clock::now},
    entities::products,
    error::{AppError, AppResult, UniqueKey, is_foreign_key_violation},
};

const PRODUCT_SKU: UniqueKey = UniqueKey {
    name: "products_sku_key",
    columns: "products.sku",
};
const PRODUCT_SLUG: UniqueKey = UniqueKey {
    name: "products_slug_key",
    columns: "products.slug",
};

/// A checked new product.
#[derive(Clone, Debug)]
pub struct NewProduct {
    /// Its category.
    pub category_id: i64,
    /// Unique stock-keeping unit.
    pub sku: Sku,
    /// Display name.
    pub name: ProductName,
    /// Unique URL slug, given or derived from the name.
    pub slug: ProductSlug,
    /// Long description, possibly empty.
    pub description: Description,
    /// Unit price.
    pub price: Price,
    /// Units on hand.
    pub stock: Stock,
}

/// Checked changes to a product; `None` leaves a field as it is. Stock
/// changes only through [`super::adjust_stock`], so that each change is
/// recorded.
#[derive(Clone, Debug, Default)]
pub struct ProductChanges {
    /// New category.
    pub category_id: Option<i64>,
    /// New SKU.
    pub sku: Option<Sku>,
    /// New display name.
    pub name: Option<ProductName>,
    /// New slug.
    pub slug: Option<ProductSlug>,
    /// New description.
    pub description: Option<Description>,
    /// New unit price.
    pub price: Option<Price>,
}

/// The user error behind a failed product write, if there is one.
fn product_write_error(err: DbErr, sku: Option<&str>, slug: Option<&str>) -> AppError {
    if PRODUCT_SKU.violated_by(&err) {
        AppError::conflict_on(
            "sku",
            format!(
                "the SKU \"{}\" is already taken by another product",
                sku.unwrap_or_default()
            ),
        )
    } else if PRODUCT_SLUG.violated_by(&err) {
        AppError::conflict_on("slug", slug_taken(slug.unwrap_or_default()))
    } else if is_foreign_key_violation(&err) {
        // `category_id` is the only reference a product row holds.
        AppError::bad_input("categoryId", "no category has this ID")
    } else if matches!(err, DbErr::RecordNotUpdated) {
        AppError::not_found("no product has this ID")
    } else {
        AppError::from(err)
    }
}

/// Creates a product, unrated.
#[tracing::instrument(skip(tx, new), fields(sku = new.sku.as_str()))]
pub async fn create_product(
    tx: &CountedTransaction,
    new: NewProduct,
) -> AppResult<products::Model> {
    tx.touches([Tag::List(Table::Product)]);
    let now = now();
    let (sku, slug) = (new.sku.into_string(), new.slug.into_string());
    products::ActiveModel {
        id: NotSet,
        category_id: Set(new.category_id),
        sku: Set(sku.clone()),
        name: Set(new.name.into_string()),
        slug: Set(slug.clone()),
        description: Set(new.description.into_string()),
        price_cents: Set(new.price.cents()),
        stock: Set(new.stock.get()),
        rating_average_milli: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx)
    .await
    .map_err(|err| product_write_error(err, Some(&sku), Some(&slug)))
}

/// Changes a product's details (not its stock) in one statement.
#[tracing::instrument(skip(tx, changes))]
pub async fn update_product(
    tx: &CountedTransaction,
    id: i64,
    changes: ProductChanges,
) -> AppResult<products::Model> {
    // Any column may be filtered or ordered on: the lists change too.
    tx.touches([Tag::Row(Table::Product, id), Tag::List(Table::Product)]);
    let sku = changes.sku.map(Sku::into_string);
    let slug = changes.slug.map(ProductSlug::into_string);
    let mut update = products::ActiveModel {
        id: Unchanged(id),
        updated_at: Set(now()),
        ..Default::default()
    };
    if let Some(category_id) = changes.category_id {
        update.category_id = Set(category_id);
    }
    if let Some(sku) = &sku {
        update.sku = Set(sku.clone());
    }
    if let Some(name) = changes.name {
        update.name = Set(name.into_string());
    }
    if let Some(slug) = &slug {
        update.slug = Set(slug.clone());
    }
    if let Some(description) = changes.description {
        update.description = Set(description.into_string());
    }
    if let Some(price) = changes.price {
        update.price_cents = Set(price.cents());
    }
    update
        .update(tx)
        .await
        .map_err(|err| product_write_error(err, sku.as_deref(), slug.as_deref()))
}

/// Deletes a product with its reviews and stock history. A product that
/// appears in orders is kept (`CONFLICT`): order lines must keep pointing at
/// what was sold.
#[tracing::instrument(skip(tx))]
pub async fn delete_product(tx: &CountedTransaction, id: i64) -> AppResult<products::Model> {
    tx.touches([
        Tag::Row(Table::Product, id),
        Tag::List(Table::Product),
        Tag::List(Table::Review),
        Tag::Rating(id),
    ]);
    let deleted = products::Entity::delete_many()
        .filter(products::Column::Id.eq(id))
        .exec_with_returning(tx)
        .await
        .map_err(|err| {
            if is_foreign_key_violation(&err) {
                AppError::conflict(
                    "the product appears in orders, so it cannot be deleted; \
                     set its stock to zero to stop selling it",
                )
            } else {
                AppError::from(err)
            }
        })?;
    deleted
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("no product has this ID"))
}
