//! Sales figures for admins, computed by aggregate statements in the
//! database, never by loading orders.
//!
//! A sale is an order in any state but CANCELLED: revenue is booked when an
//! order is placed (its stock is taken then) and leaves the figures when it
//! is cancelled. Amounts are integer cents throughout.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
    sea_query::{Alias, Expr, ExprTrait, Func, Order},
};

use crate::{
    domain::OrderStatus,
    entities::{order_items, orders},
    error::{AppError, AppResult},
};

/// A half-open window of order creation times, `[since, until)`; either end
/// may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SalesRange {
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

impl SalesRange {
    /// Checks that the window is not reversed (`BAD_USER_INPUT` on `until`).
    pub fn new(since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> AppResult<Self> {
        if let (Some(since), Some(until)) = (since, until)
            && until < since
        {
            return Err(AppError::bad_input(
                "until",
                "`until` must not be before `since`",
            ));
        }
        Ok(Self { since, until })
    }

    /// Orders that count as sales in the window.
    fn condition(&self) -> Condition {
        let mut condition = Condition::all().add(orders::Column::Status.ne(OrderStatus::Cancelled));
        if let Some(since) = self.since {
            condition = condition.add(orders::Column::CreatedAt.gte(since));
        }
        if let Some(until) = self.until {
            condition = condition.add(orders::Column::CreatedAt.lt(until));
        }
        condition
    }
}

/// Count and revenue of the sales in a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromQueryResult)]
pub struct SalesTotals {
    /// Orders sold.
    pub order_count: i64,
    /// Sum of their totals, in cents.
    pub revenue_cents: i64,
}

impl SalesTotals {
    /// Revenue per order in cents, rounded half up; 0 without orders.
    pub fn average_cents(&self) -> i64 {
        if self.order_count == 0 {
            return 0;
        }
        (self.revenue_cents + self.order_count / 2) / self.order_count
    }
}

/// How much of one product sold in a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromQueryResult)]
pub struct ProductSales {
    /// `products.id`.
    pub product_id: i64,
    /// Units sold.
    pub units_sold: i64,
    /// Quantity × unit price summed, in cents.
    pub revenue_cents: i64,
}

/// `SUM(expr)` as a BIGINT: PostgreSQL sums BIGINTs into NUMERIC.
fn bigint_sum(expr: Expr) -> Expr {
    Expr::expr(Func::coalesce([expr.sum(), Expr::val(0_i64)])).cast_as(Alias::new("BIGINT"))
}

/// Count and revenue of the sales in `range`: one statement.
pub async fn totals(db: &impl ConnectionTrait, range: SalesRange) -> AppResult<SalesTotals> {
    let totals = orders::Entity::find()
        .select_only()
        .column_as(orders::Column::Id.count(), "order_count")
        .column_as(
            bigint_sum(Expr::col((orders::Entity, orders::Column::TotalCents))),
            "revenue_cents",
        )
        .filter(range.condition())
        .into_model::<SalesTotals>()
        .one(db)
        .await?;
    Ok(totals.unwrap_or_default())
}

/// The `limit` best-selling products of `range` by revenue (then units,
/// then product id): one statement.
pub async fn top_products(
    db: &impl ConnectionTrait,
    range: SalesRange,
    limit: u64,
) -> AppResult<Vec<ProductSales>> {
    let quantity = Expr::col((order_items::Entity, order_items::Column::Quantity));
    let price = Expr::col((order_items::Entity, order_items::Column::UnitPriceCents));
    Ok(order_items::Entity::find()
        .select_only()
        .column(order_items::Column::ProductId)
        .column_as(bigint_sum(quantity.clone()), "units_sold")
        .column_as(bigint_sum(quantity.mul(price)), "revenue_cents")
        .join(JoinType::InnerJoin, order_items::Relation::Order.def())
        .filter(range.condition())
        .group_by(order_items::Column::ProductId)
        .order_by(Expr::col(Alias::new("revenue_cents")), Order::Desc)
        .order_by(Expr::col(Alias::new("units_sold")), Order::Desc)
        .order_by(order_items::Column::ProductId, Order::Asc)
        .limit(limit)
        .into_model::<ProductSales>()
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::SalesTotals;

    #[test]
    fn the_average_rounds_half_up_in_whole_cents() {
        let average = |order_count, revenue_cents| {
            SalesTotals {
                order_count,
                revenue_cents,
            }
            .average_cents()
        };
        assert_eq!(average(2, 6067), 3034);
        assert_eq!(average(3, 100), 33);
        assert_eq!(average(3, 200), 67);
        assert_eq!(average(0, 0), 0);
    }
}
