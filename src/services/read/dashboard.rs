//! The live dashboard's figures, read with a fixed handful of aggregate and
//! bounded statements however many orders exist: never by loading orders.
//!
//! Sales figures (today, the last hour, the per-minute rate) count orders in
//! any state but CANCELLED, as `sales` does; "today" is the UTC day.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Alias, CaseStatement, Expr, ExprTrait, Func},
};

use super::{
    rows_where_in,
    sales::{self, ProductSales, SalesRange, SalesTotals},
};
use crate::{
    domain::OrderStatus,
    entities::{orders, products},
    error::{AppError, AppResult},
};

/// Minutes in the per-minute series: the last hour, the current minute last.
pub const RATE_MINUTES: usize = 60;
/// Best sellers shown.
pub const TOP_PRODUCTS: u64 = 5;
/// Low-stock products shown.
pub const LOW_STOCK_PRODUCTS: u64 = 10;
/// Newest orders shown.
pub const RECENT_ORDERS: u64 = 10;

/// Everything the dashboard shows, as of `generated_at`.
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardFigures {
    /// When the figures were read.
    pub generated_at: DateTime<Utc>,
    /// Sales since the start of the UTC day.
    pub today: SalesTotals,
    /// Orders sold in each of the last [`RATE_MINUTES`] minutes, oldest
    /// first; the last one is the current (partial) minute.
    pub per_minute: Vec<MinuteCount>,
    /// Today's best sellers, best first, with their products.
    pub top_products: Vec<(ProductSales, products::Model)>,
    /// Products at or below the low-stock threshold, lowest stock first.
    pub low_stock: Vec<products::Model>,
    /// The newest orders, newest first.
    pub recent_orders: Vec<orders::Model>,
}

impl DashboardFigures {
    /// Orders sold in the last hour (the per-minute series summed).
    pub fn orders_last_hour(&self) -> i64 {
        self.per_minute.iter().map(|minute| minute.orders).sum()
    }
}

/// Orders sold in one minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinuteCount {
    /// The minute's start.
    pub minute: DateTime<Utc>,
    /// Orders placed in it.
    pub orders: i64,
}

/// Reads the dashboard as of `now`: six statements.
pub async fn figures(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    low_stock_threshold: i32,
) -> AppResult<DashboardFigures> {
    let today = SalesRange::new(Some(start_of_day(now)?), None)?;
    let totals = sales::totals(db, today).await?;
    let per_minute = per_minute(db, now).await?;
    let top = sales::top_products(db, today, TOP_PRODUCTS).await?;
    let top_products = with_products(db, top).await?;
    let low_stock = products::Entity::find()
        .filter(products::Column::Stock.lte(low_stock_threshold))
        .order_by_asc(products::Column::Stock)
        .order_by_asc(products::Column::Id)
        .limit(LOW_STOCK_PRODUCTS)
        .all(db)
        .await?;
    let recent_orders = orders::Entity::find()
        .order_by_desc(orders::Column::CreatedAt)
        .order_by_desc(orders::Column::Id)
        .limit(RECENT_ORDERS)
        .all(db)
        .await?;
    Ok(DashboardFigures {
        generated_at: now,
        today: totals,
        per_minute,
        top_products,
        low_stock,
        recent_orders,
    })
}

/// Midnight UTC of `now`'s day.
fn start_of_day(now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    now.duration_trunc(TimeDelta::days(1)).map_err(|error| {
        AppError::internal(anyhow::anyhow!("truncating {now} to its day: {error}"))
    })
}

/// The starts of the [`RATE_MINUTES`] minutes ending with `now`'s, oldest
/// first.
fn minute_starts(now: DateTime<Utc>) -> AppResult<Vec<DateTime<Utc>>> {
    let current = now.duration_trunc(TimeDelta::minutes(1)).map_err(|error| {
        AppError::internal(anyhow::anyhow!("truncating {now} to its minute: {error}"))
    })?;
    Ok((0..RATE_MINUTES)
        .rev()
        .map(|back| current - TimeDelta::minutes(i64::try_from(back).unwrap_or(0)))
        .collect())
}

/// Sales per minute over the last hour, in one statement: one conditional
/// sum per minute over the hour's orders (an index range on `created_at`),
/// written the same way for SQLite and PostgreSQL.
async fn per_minute(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<Vec<MinuteCount>> {
    let starts = minute_starts(now)?;
    let Some(&first) = starts.first() else {
        return Ok(Vec::new());
    };
    let created_at = || Expr::col((orders::Entity, orders::Column::CreatedAt));
    let mut select = orders::Entity::find()
        .select_only()
        .filter(orders::Column::Status.ne(OrderStatus::Cancelled))
        .filter(orders::Column::CreatedAt.gte(first));
    for (index, start) in starts.iter().enumerate() {
        let end = *start + TimeDelta::minutes(1);
        let in_minute = CaseStatement::new()
            .case(
                created_at().gte(*start).and(created_at().lt(end)),
                Expr::val(1_i64),
            )
            .finally(Expr::val(0_i64));
        select = select.column_as(
            Expr::expr(Func::coalesce([
                Expr::expr(Func::sum(in_minute)),
                Expr::val(0_i64),
            ]))
            .cast_as(Alias::new("BIGINT")),
            minute_column(index),
        );
    }
    let statement = select.build(db.get_database_backend());
    let row = db.query_one_raw(statement).await?;
    starts
        .into_iter()
        .enumerate()
        .map(|(index, minute)| {
            let orders = match &row {
                Some(row) => row.try_get::<i64>("", &minute_column(index))?,
                None => 0,
            };
            Ok(MinuteCount { minute, orders })
        })
        .collect()
}

/// The alias of minute `index`'s count.
fn minute_column(index: usize) -> String {
    format!("minute_{index}")
}

/// Pairs each best seller with its product: one statement for all.
async fn with_products(
    db: &impl ConnectionTrait,
    top: Vec<ProductSales>,
) -> AppResult<Vec<(ProductSales, products::Model)>> {
    let rows = rows_where_in::<products::Entity, _>(
        db,
        products::Column::Id,
        top.iter().map(|sales| sales.product_id),
    )
    .await?;
    Ok(top
        .into_iter()
        .filter_map(|sales| {
            rows.iter()
                .find(|row| row.id == sales.product_id)
                .map(|row| (sales, row.clone()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::{RATE_MINUTES, minute_starts, start_of_day};

    #[test]
    fn the_series_covers_the_last_hour_ending_with_the_current_minute() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 0, 30, 42).unwrap();
        let starts = minute_starts(now).unwrap();
        assert_eq!(starts.len(), RATE_MINUTES);
        assert_eq!(
            starts.last(),
            Some(&Utc.with_ymd_and_hms(2026, 12, 2, 0, 30, 0).unwrap())
        );
        assert_eq!(
            starts.first(),
            Some(&Utc.with_ymd_and_hms(2026, 12, 1, 23, 31, 0).unwrap())
        );
    }

    #[test]
    fn today_starts_at_utc_midnight() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 23, 59, 59).unwrap();
        assert_eq!(
            start_of_day(now).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap()
        );
    }
}
