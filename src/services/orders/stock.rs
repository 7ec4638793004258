//! Stock moves: a conditional, atomic decrement that can never oversell,
//! and the matching restore. Callers pass products in ascending id order,
//! so concurrent orders lock rows in one order and cannot deadlock.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    cache::stock_tags,
    db::CountedTransaction,
    domain::event::{Change, NewEvent},
    entities::products,
    error::AppResult,
};

/// How one product's stock moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StockChange {
    /// `products.id`.
    pub product_id: i64,
    /// Units added (negative: taken).
    pub delta: i32,
    /// The stock right after the change.
    pub stock: i32,
}

impl StockChange {
    /// The outbox event of this move.
    pub fn event(&self, occurred_at: DateTime<Utc>) -> NewEvent {
        NewEvent {
            occurred_at,
            change: Change::Stock {
                product_id: self.product_id,
                stock: self.stock,
                delta: self.delta,
            },
        }
    }
}

/// Takes `quantity` units of `product_id` if that many are left:
/// `UPDATE … SET stock = stock - n WHERE id = ? AND stock >= n`. PostgreSQL
/// re-checks the condition after waiting for a concurrent writer, SQLite
/// runs writers one at a time, so two orders can never both take the last
/// unit. Returns the stock left, or `None` when too few units are left
/// (nothing changed).
pub async fn take(
    db: &CountedTransaction,
    product_id: i64,
    quantity: i32,
    at: DateTime<Utc>,
) -> AppResult<Option<i32>> {
    let updated = products::Entity::update_many()
        .col_expr(
            products::Column::Stock,
            Expr::col(products::Column::Stock).sub(quantity),
        )
        .col_expr(products::Column::UpdatedAt, Expr::value(at))
        .filter(products::Column::Id.eq(product_id))
        .filter(products::Column::Stock.gte(quantity))
        .exec_with_returning(db)
        .await?;
    let left = updated.first().map(|product| product.stock);
    if let Some(left) = left {
        db.touches(stock_tags(product_id, left + quantity, left));
    }
    Ok(left)
}

/// Puts `quantity` units of `product_id` back; returns the stock now, or
/// `None` when the product no longer exists.
pub async fn restore(
    db: &CountedTransaction,
    product_id: i64,
    quantity: i32,
    at: DateTime<Utc>,
) -> AppResult<Option<i32>> {
    let updated = products::Entity::update_many()
        .col_expr(
            products::Column::Stock,
            Expr::col(products::Column::Stock).add(quantity),
        )
        .col_expr(products::Column::UpdatedAt, Expr::value(at))
        .filter(products::Column::Id.eq(product_id))
        .exec_with_returning(db)
        .await?;
    let now = updated.first().map(|product| product.stock);
    if let Some(now) = now {
        db.touches(stock_tags(product_id, now - quantity, now));
    }
    Ok(now)
}
