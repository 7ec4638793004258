//! Stock adjustments: a race-free change of a product's stock, recorded.

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    cache::stock_tags,
    db::CountedTransaction,
    domain::{
        StockDelta, StockReason,
        clock::now,
        event::{Change, NewEvent},
        stock::STOCK_MAX,
    },
    entities::{products, stock_adjustments},
    error::{AppError, AppResult},
    services::outbox,
};

/// A checked stock change by an admin.
#[derive(Clone, Debug)]
pub struct StockChange {
    /// The product whose stock changes.
    pub product_id: i64,
    /// Units to add (positive) or remove (negative).
    pub delta: StockDelta,
    /// Why, for the record.
    pub reason: Option<StockReason>,
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

/// Adds or removes units with one conditional UPDATE, so that concurrent
/// changes can never take stock below zero or above [`STOCK_MAX`], and
/// records the change in `stock_adjustments` and its event in the outbox.
#[tracing::instrument(skip(tx, change), fields(product_id = change.product_id, delta = change.delta.get()))]
pub async fn adjust_stock(
    tx: &CountedTransaction,
    change: StockChange,
) -> AppResult<StockAdjusted> {
    let now = now();
    let delta = change.delta.get();
    let new_stock = || Expr::col(products::Column::Stock).add(delta);
    // Only the direction of the change is bounded: cancelled orders may
    // have restored stock above STOCK_MAX, and removing some must still work.
    let within_bounds = if delta < 0 {
        new_stock().gte(0)
    } else {
        new_stock().lte(STOCK_MAX)
    };
    let updated = products::Entity::update_many()
        .col_expr(products::Column::Stock, new_stock())
        .col_expr(products::Column::UpdatedAt, Expr::val(now))
        .filter(products::Column::Id.eq(change.product_id))
        .filter(within_bounds)
        .exec_with_returning(tx)
        .await?;
    let Some(product) = updated.into_iter().next() else {
        return Err(stock_refusal(tx, &change).await);
    };
    tx.touches(stock_tags(product.id, product.stock - delta, product.stock));
    let adjustment = stock_adjustments::ActiveModel {
        id: NotSet,
        product_id: Set(product.id),
        user_id: Set(Some(change.admin_id)),
        delta: Set(delta),
        reason: Set(change.reason.map(StockReason::into_string)),
        stock_after: Set(product.stock),
        created_at: Set(now),
    }
    .insert(tx)
    .await?;
    let event = NewEvent {
        occurred_at: now,
        change: Change::Stock {
            product_id: product.id,
            stock: product.stock,
            delta,
        },
    };
    outbox::record(tx, &[event]).await?;
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
    let delta = change.delta.get();
    match current {
        Err(err) => AppError::from(err),
        Ok(None) => AppError::not_found("no product has this ID"),
        Ok(Some(stock)) if i64::from(stock) + i64::from(delta) < 0 => AppError::conflict_on(
            "delta",
            format!(
                "only {stock} in stock: cannot remove {}",
                delta.unsigned_abs()
            ),
        ),
        Ok(Some(stock)) => AppError::conflict_on(
            "delta",
            format!("{stock} in stock: adding {delta} would exceed {STOCK_MAX}"),
        ),
    }
}
