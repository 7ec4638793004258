//! Stock moves: a conditional, atomic decrement that can never oversell,
//! and the matching restore. Callers pass products in ascending id order,
//! so concurrent orders lock rows in one order and cannot deadlock.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use crate::{entities::products, error::AppResult};

/// How one product's stock moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StockChange {
    /// `products.id`.
    pub product_id: i64,
    /// Units added (negative: taken).
    pub delta: i32,
}

/// Takes `quantity` units of `product_id` if that many are left:
/// `UPDATE … SET stock = stock - n WHERE id = ? AND stock >= n`. PostgreSQL
/// re-checks the condition after waiting for a concurrent writer, SQLite
/// runs writers one at a time, so two orders can never both take the last
/// unit. False when too few units are left (nothing changed).
pub async fn take(
    db: &impl ConnectionTrait,
    product_id: i64,
    quantity: i32,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let result = products::Entity::update_many()
        .col_expr(
            products::Column::Stock,
            Expr::col(products::Column::Stock).sub(quantity),
        )
        .col_expr(products::Column::UpdatedAt, Expr::value(at))
        .filter(products::Column::Id.eq(product_id))
        .filter(products::Column::Stock.gte(quantity))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Puts `quantity` units of `product_id` back.
pub async fn restore(
    db: &impl ConnectionTrait,
    product_id: i64,
    quantity: i32,
    at: DateTime<Utc>,
) -> AppResult<()> {
    products::Entity::update_many()
        .col_expr(
            products::Column::Stock,
            Expr::col(products::Column::Stock).add(quantity),
        )
        .col_expr(products::Column::UpdatedAt, Expr::value(at))
        .filter(products::Column::Id.eq(product_id))
        .exec(db)
        .await?;
    Ok(())
}
