//! Catalog changes an admin makes: categories, products and stock.
//!
//! Each function runs inside the caller's write transaction, turns constraint
//! violations into user errors where the statement runs (never a racy
//! pre-check alone) and returns the rows it changed.

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set, Unchanged},
    ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::now;
use crate::{
    db::CountedTransaction,
    entities::{categories, products, stock_adjustments},
    error::{AppError, AppResult, DbResultExt, UniqueKey, is_foreign_key_violation},
};

/// Longest category name (the `categories.name` column).
pub const CATEGORY_NAME_MAX: usize = 100;
/// Longest category slug (the `categories.slug` column).
pub const CATEGORY_SLUG_MAX: usize = 120;
/// Longest product name (the `products.name` column).
pub const PRODUCT_NAME_MAX: usize = 200;
/// Longest product slug (the `products.slug` column).
pub const PRODUCT_SLUG_MAX: usize = 220;
/// Longest SKU (the `products.sku` column).
pub const SKU_MAX: usize = 64;
/// Longest product description: a page of text, not a document store.
pub const DESCRIPTION_MAX: usize = 10_000;
/// Highest price in cents: 1,000,000.00.
pub const PRICE_MAX_CENTS: i64 = 100_000_000;
/// Most units a product can hold; also bounds one adjustment.
pub const STOCK_MAX: i32 = 1_000_000;
/// Longest reason given for a stock adjustment (the column's length).
pub const REASON_MAX: usize = 255;

const CATEGORY_SLUG: UniqueKey = UniqueKey {
    name: "categories_slug_key",
    columns: "categories.slug",
};
const PRODUCT_SKU: UniqueKey = UniqueKey {
    name: "products_sku_key",
    columns: "products.sku",
};
const PRODUCT_SLUG: UniqueKey = UniqueKey {
    name: "products_slug_key",
    columns: "products.slug",
};

const PARENT_FIELD: &str = "input.parentId";

/// A checked new category.
#[derive(Clone, Debug)]
pub struct NewCategory {
    /// Display name, trimmed.
    pub name: String,
    /// Unique URL slug, given or derived from the name.
    pub slug: String,
    /// The top-level category to nest under, if any.
    pub parent_id: Option<i64>,
}

/// Checked changes to a category; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct CategoryChanges {
    /// New display name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New parent; `Some(None)` makes the category top-level.
    pub parent_id: Option<Option<i64>>,
}

/// A checked new product.
#[derive(Clone, Debug)]
pub struct NewProduct {
    /// Its category.
    pub category_id: i64,
    /// Unique stock-keeping unit.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Unique URL slug, given or derived from the name.
    pub slug: String,
    /// Long description, possibly empty.
    pub description: String,
    /// Unit price in cents.
    pub price_cents: i64,
    /// Units on hand.
    pub stock: i32,
}

/// Checked changes to a product; `None` leaves a field as it is. Stock
/// changes only through [`adjust_stock`], so that each one is recorded.
#[derive(Clone, Debug, Default)]
pub struct ProductChanges {
    /// New category.
    pub category_id: Option<i64>,
    /// New SKU.
    pub sku: Option<String>,
    /// New display name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New unit price in cents.
    pub price_cents: Option<i64>,
}

/// A checked stock change by an admin.
#[derive(Clone, Debug)]
pub struct StockChange {
    /// The product whose stock changes.
    pub product_id: i64,
    /// Units to add (positive) or remove (negative); never zero.
    pub delta: i32,
    /// Why, for the record.
    pub reason: Option<String>,
    /// The admin making the change.
    pub admin_id: i64,
}

/// What [`adjust_stock`] changed: the product and the record of the change.
#[derive(Clone, Debug)]
pub struct StockAdjusted {
    /// The product with its new stock.
    pub product: products::Model,
    /// The row written to `stock_adjustments`.
    pub adjustment: stock_adjustments::Model,
}

fn slug_taken(slug: &str) -> String {
    format!("the slug \"{slug}\" is already taken; pass another `slug`")
}

/// The categories with these ids, locked until the transaction ends (on
/// PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises writers), in id
/// order so that concurrent moves cannot deadlock.
async fn lock_categories(
    tx: &CountedTransaction,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<categories::Model>> {
    Ok(categories::Entity::find()
        .filter(categories::Column::Id.is_in(ids))
        .order_by_asc(categories::Column::Id)
        .lock_exclusive()
        .all(tx)
        .await?)
}

/// The catalog is two levels deep: a parent must exist and be top-level.
/// `child` is the category being moved, if it exists already.
fn check_parent(parent: Option<&categories::Model>, child: Option<i64>) -> AppResult<()> {
    let Some(parent) = parent else {
        return Err(AppError::bad_input(PARENT_FIELD, "no category has this ID"));
    };
    match parent.parent_id {
        None => Ok(()),
        Some(grandparent) if Some(grandparent) == child => Err(AppError::bad_input(
            PARENT_FIELD,
            "a category cannot move under its own subcategory",
        )),
        Some(_) => Err(AppError::bad_input(
            PARENT_FIELD,
            format!(
                "\"{}\" is a subcategory, and categories nest only two levels deep",
                parent.name
            ),
        )),
    }
}

/// Creates a category, top-level or under a top-level parent.
#[tracing::instrument(skip(tx, new), fields(slug = %new.slug))]
pub async fn create_category(
    tx: &CountedTransaction,
    new: NewCategory,
) -> AppResult<categories::Model> {
    if let Some(parent_id) = new.parent_id {
        let parent = lock_categories(tx, [parent_id]).await?;
        check_parent(parent.first(), None)?;
    }
    let now = now();
    let message = slug_taken(&new.slug);
    categories::ActiveModel {
        id: NotSet,
        name: Set(new.name),
        slug: Set(new.slug),
        parent_id: Set(new.parent_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx)
    .await
    .conflict_on(CATEGORY_SLUG, "input.slug", &message)
}

/// Renames, re-slugs or moves a category. A category with subcategories
/// stays top-level; a parent must be top-level and not the category itself.
#[tracing::instrument(skip(tx, changes))]
pub async fn update_category(
    tx: &CountedTransaction,
    id: i64,
    changes: CategoryChanges,
) -> AppResult<categories::Model> {
    let new_parent = changes.parent_id.flatten();
    if new_parent == Some(id) {
        return Err(AppError::bad_input(
            PARENT_FIELD,
            "a category cannot be its own parent",
        ));
    }
    let rows = lock_categories(tx, [Some(id), new_parent].into_iter().flatten()).await?;
    let row = |wanted: i64| rows.iter().find(|row| row.id == wanted);
    if row(id).is_none() {
        return Err(AppError::not_found("no category has this ID"));
    }
    if let Some(parent_id) = new_parent {
        check_parent(row(parent_id), Some(id))?;
        let child = categories::Entity::find()
            .filter(categories::Column::ParentId.eq(id))
            .one(tx)
            .await?;
        if child.is_some() {
            return Err(AppError::conflict_on(
                PARENT_FIELD,
                "the category has subcategories, so it must stay top-level",
            ));
        }
    }
    let message = slug_taken(changes.slug.as_deref().unwrap_or_default());
    let mut update = categories::ActiveModel {
        id: Unchanged(id),
        updated_at: Set(now()),
        ..Default::default()
    };
    if let Some(name) = changes.name {
        update.name = Set(name);
    }
    if let Some(slug) = changes.slug {
        update.slug = Set(slug);
    }
    if let Some(parent_id) = changes.parent_id {
        update.parent_id = Set(parent_id);
    }
    update
        .update(tx)
        .await
        .conflict_on(CATEGORY_SLUG, "input.slug", &message)
}

/// The user error behind a failed product write, if there is one.
fn product_write_error(err: DbErr, sku: Option<&str>, slug: Option<&str>) -> AppError {
    if PRODUCT_SKU.violated_by(&err) {
        AppError::conflict_on(
            "input.sku",
            format!(
                "the SKU \"{}\" is already taken by another product",
                sku.unwrap_or_default()
            ),
        )
    } else if PRODUCT_SLUG.violated_by(&err) {
        AppError::conflict_on("input.slug", slug_taken(slug.unwrap_or_default()))
    } else if is_foreign_key_violation(&err) {
        // `category_id` is the only reference a product row holds.
        AppError::bad_input("input.categoryId", "no category has this ID")
    } else if matches!(err, DbErr::RecordNotUpdated) {
        AppError::not_found("no product has this ID")
    } else {
        AppError::from(err)
    }
}

/// Creates a product, unrated.
#[tracing::instrument(skip(tx, new), fields(sku = %new.sku))]
pub async fn create_product(
    tx: &CountedTransaction,
    new: NewProduct,
) -> AppResult<products::Model> {
    let now = now();
    let (sku, slug) = (new.sku.clone(), new.slug.clone());
    products::ActiveModel {
        id: NotSet,
        category_id: Set(new.category_id),
        sku: Set(new.sku),
        name: Set(new.name),
        slug: Set(new.slug),
        description: Set(new.description),
        price_cents: Set(new.price_cents),
        stock: Set(new.stock),
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
    let (sku, slug) = (changes.sku.clone(), changes.slug.clone());
    let mut update = products::ActiveModel {
        id: Unchanged(id),
        updated_at: Set(now()),
        ..Default::default()
    };
    if let Some(category_id) = changes.category_id {
        update.category_id = Set(category_id);
    }
    if let Some(sku) = changes.sku {
        update.sku = Set(sku);
    }
    if let Some(name) = changes.name {
        update.name = Set(name);
    }
    if let Some(slug) = changes.slug {
        update.slug = Set(slug);
    }
    if let Some(description) = changes.description {
        update.description = Set(description);
    }
    if let Some(price_cents) = changes.price_cents {
        update.price_cents = Set(price_cents);
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

/// Adds or removes units with one conditional UPDATE, so that concurrent
/// changes can never take stock below zero or above [`STOCK_MAX`], and
/// records the change in `stock_adjustments`.
#[tracing::instrument(skip(tx, change), fields(product_id = change.product_id, delta = change.delta))]
pub async fn adjust_stock(
    tx: &CountedTransaction,
    change: StockChange,
) -> AppResult<StockAdjusted> {
    let now = now();
    let new_stock = || Expr::col(products::Column::Stock).add(change.delta);
    let updated = products::Entity::update_many()
        .col_expr(products::Column::Stock, new_stock())
        .col_expr(products::Column::UpdatedAt, Expr::val(now))
        .filter(products::Column::Id.eq(change.product_id))
        .filter(new_stock().gte(0))
        .filter(new_stock().lte(STOCK_MAX))
        .exec_with_returning(tx)
        .await?;
    let Some(product) = updated.into_iter().next() else {
        return Err(stock_refusal(tx, &change).await);
    };
    let adjustment = stock_adjustments::ActiveModel {
        id: NotSet,
        product_id: Set(product.id),
        user_id: Set(Some(change.admin_id)),
        delta: Set(change.delta),
        reason: Set(change.reason),
        stock_after: Set(product.stock),
        created_at: Set(now),
    }
    .insert(tx)
    .await?;
    Ok(StockAdjusted {
        product,
        adjustment,
    })
}

/// Why the conditional stock UPDATE changed nothing.
async fn stock_refusal(tx: &CountedTransaction, change: &StockChange) -> AppError {
    let current = products::Entity::find_by_id(change.product_id)
        .select_only()
        .column(products::Column::Stock)
        .into_tuple::<i32>()
        .one(tx)
        .await;
    match current {
        Err(err) => AppError::from(err),
        Ok(None) => AppError::not_found("no product has this ID"),
        Ok(Some(stock)) if i64::from(stock) + i64::from(change.delta) < 0 => AppError::conflict_on(
            "delta",
            format!(
                "only {stock} in stock: cannot remove {}",
                change.delta.unsigned_abs()
            ),
        ),
        Ok(Some(stock)) => AppError::conflict_on(
            "delta",
            format!(
                "{stock} in stock: adding {} would exceed {STOCK_MAX}",
                change.delta
            ),
        ),
    }
}
