//! The read path: every list, page, count, by-key lookup and sales figure the
//! API reads goes through these functions, so that caching can later sit
//! under one door. Each takes a spec (a filter, an ordering, a keyset page)
//! that the caller has already checked, and sends one statement however
//! many rows or parents it serves.

pub mod categories;
pub mod children;
pub mod dashboard;
pub mod keyset;
pub mod orderings;
pub mod orders;
pub mod positional;
pub mod products;
pub mod reviews;
pub mod sales;
pub mod users;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use self::positional::Positional;
use crate::error::AppResult;

/// Rows of `E` whose `column` is one of `values`: one statement for a batch.
async fn rows_where_in<E, V>(
    db: &impl ConnectionTrait,
    column: E::Column,
    values: impl IntoIterator<Item = V>,
) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait<Model: Positional>,
    V: Into<sea_orm::Value>,
{
    Ok(positional::all(db, E::find().filter(column.is_in(values))).await?)
}

/// A row count as GraphQL's `Int`-sized total, saturating.
fn total(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}
