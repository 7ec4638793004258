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

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Value,
    sea_query::{Expr, ExprTrait, PgFunc, SimpleExpr},
};

use self::positional::Positional;
use crate::error::AppResult;

/// A map keyed by row ids that our own statements returned, never by
/// anything a client chose: SipHash's defence against chosen keys buys
/// nothing there, and cost more than the rest of each lookup of a page's
/// rows (foldhash is still seeded per process).
pub type IdMap<V> = HashMap<i64, V, foldhash::fast::RandomState>;

/// `flags` as the bits of a byte, the first the lowest: the short name of
/// a set of optional columns in a cache key.
fn flag_bits<const N: usize>(flags: [bool; N]) -> u8 {
    flags
        .into_iter()
        .enumerate()
        .fold(0, |bits, (index, flag)| bits | (u8::from(flag) << index))
}

/// `column` is one of `values`. On PostgreSQL the values travel as one
/// array parameter, so the statement's text does not change with the size
/// of the batch: each connection prepares it once and reuses it, instead of
/// preparing (and evicting) one statement per list length. Other backends
/// get an `IN` list. The column is named with its table, so the condition
/// holds in a statement that joins another table with the same column.
pub(crate) fn one_of<C, V>(
    backend: DbBackend,
    column: C,
    values: impl IntoIterator<Item = V>,
) -> SimpleExpr
where
    C: ColumnTrait,
    V: Into<Value>,
    Vec<V>: Into<Value>,
{
    if backend == DbBackend::Postgres {
        let values: Vec<V> = values.into_iter().collect();
        Expr::col(column.as_column_ref()).eq(PgFunc::any(Expr::val(values)))
    } else {
        column.is_in(values)
    }
}

/// Rows of `E` whose `column` is one of `values`: one statement for a batch.
async fn rows_where_in<E, V>(
    db: &impl ConnectionTrait,
    column: E::Column,
    values: impl IntoIterator<Item = V>,
) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait<Model: Positional>,
    V: Into<Value>,
    Vec<V>: Into<Value>,
{
    let condition = one_of(db.get_database_backend(), column, values);
    Ok(positional::all(db, E::find().filter(condition)).await?)
}

/// A row count as GraphQL's `Int`-sized total, saturating.
fn total(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// The output column names of a built `SELECT` (its select list: each
/// item's alias, or its column's name), checked to be distinct: a row
/// decoded by name (SQLite) reads the first of two equal names.
#[cfg(test)]
pub(crate) fn output_names(sql: &str) -> std::collections::HashSet<String> {
    let list = sql
        .strip_prefix("SELECT ")
        .and_then(|rest| rest.split(" FROM ").next())
        .unwrap_or_else(|| panic!("not a SELECT: {sql}"));
    let mut names = std::collections::HashSet::new();
    for item in list.split(", ") {
        let name = item.rsplit('"').nth(1).unwrap_or(item).to_owned();
        assert!(
            names.insert(name.clone()),
            "`{name}` is selected twice: {sql}"
        );
    }
    names
}

#[cfg(test)]
mod tests {
    use sea_orm::QueryTrait;

    use super::*;
    use crate::entities::users;

    fn sql_of(backend: DbBackend, ids: &[i64]) -> String {
        users::Entity::find()
            .filter(one_of(backend, users::Column::Id, ids.iter().copied()))
            .build(backend)
            .sql
    }

    #[test]
    fn on_postgresql_a_batch_is_one_statement_whatever_its_size() {
        let two = sql_of(DbBackend::Postgres, &[1, 2]);
        assert_eq!(two, sql_of(DbBackend::Postgres, &[1, 2, 3, 4, 5]));
        assert!(two.ends_with("= ANY($1)"), "{two}");
    }

    #[test]
    fn on_sqlite_a_batch_is_an_in_list() {
        let sql = sql_of(DbBackend::Sqlite, &[1, 2, 3]);
        assert!(sql.ends_with("IN (?, ?, ?)"), "{sql}");
    }
}
