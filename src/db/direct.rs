//! Queries that skip SeaORM's connection layer on the PostgreSQL pool.
//!
//! `DatabaseConnection::query_all_raw` boxes a future that holds the query
//! of every backend SeaORM was built with, and copies it into the heap for
//! every statement: on the catalog page that copying was 2.5 % of the
//! server's instructions. A pooled PostgreSQL read sends the same statement
//! through sqlx directly, with the same bound values and the same errors.

use sea_orm::{
    ConnAcquireErr, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, QueryResult,
    RuntimeErr, Statement, Values,
    sqlx::{self, AssertSqlSafe, PgPool},
};
use sea_query_sqlx::SqlxValues;

use super::reuse::{ConnectionReuse, boxed_acquire};

/// A connection that may stand for the PostgreSQL pool itself.
pub trait PostgresPool {
    /// The pool, when this is the pool of a PostgreSQL database (not one
    /// of its transactions).
    fn postgres_pool(&self) -> Option<&PgPool>;
}

impl PostgresPool for DatabaseConnection {
    fn postgres_pool(&self) -> Option<&PgPool> {
        (self.get_database_backend() == DbBackend::Postgres)
            .then(|| self.get_postgres_connection_pool())
    }
}

impl PostgresPool for DatabaseTransaction {
    fn postgres_pool(&self) -> Option<&PgPool> {
        None
    }
}

/// Every row `statement` returns, read on a connection of `pool`: the one
/// `reuse` keeps, if any. A connection whose statement failed goes back to
/// the pool, which checks it, instead of to `reuse`.
pub async fn query_all(
    pool: &PgPool,
    reuse: Option<&ConnectionReuse>,
    statement: Statement,
) -> Result<Vec<QueryResult>, DbErr> {
    let values = SqlxValues(statement.values.unwrap_or_else(|| Values(Vec::new())));
    let acquired = match reuse {
        Some(reuse) => reuse.acquire(pool).await,
        None => boxed_acquire(pool).await,
    };
    let mut connection = acquired.map_err(acquire_error)?;
    let rows = sqlx::query_with(AssertSqlSafe(statement.sql), values)
        .fetch_all(&mut *connection)
        .await
        .map_err(|err| DbErr::Query(RuntimeErr::SqlxError(err.into())))?;
    if let Some(reuse) = reuse {
        reuse.give_back(connection);
    }
    Ok(rows.into_iter().map(QueryResult::from).collect())
}

/// The error SeaORM reports when the pool gives no connection, so that a
/// timeout or a closed pool reads the same whichever way a statement went.
fn acquire_error(err: sqlx::Error) -> DbErr {
    match err {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        err => DbErr::Conn(RuntimeErr::SqlxError(err.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_errors_read_as_seaorm_reports_them() {
        assert!(matches!(
            acquire_error(sqlx::Error::PoolTimedOut),
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)
        ));
        assert!(matches!(
            acquire_error(sqlx::Error::PoolClosed),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)
        ));
        assert!(matches!(
            acquire_error(sqlx::Error::WorkerCrashed),
            DbErr::Conn(RuntimeErr::SqlxError(_))
        ));
    }
}
