//! Database connection pool and the per-operation statement counter.

mod counted;
mod direct;
mod transaction;

pub use counted::{Counted, CountedConnection, OperationStats};
pub use transaction::CountedTransaction;

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// A pooled connection idle this long is pinged before it is handed out, in
/// case the server, a proxy or a firewall dropped it meanwhile. Busy
/// connections skip the ping: under load it was one extra round trip before
/// every statement.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(5);

/// Opens the pool with explicit limits; SQLite gets WAL and a busy timeout so
/// that readers never block the writer and writers wait instead of failing.
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(acquire_timeout)
        .connect_timeout(acquire_timeout)
        .test_before_acquire_if_idle_for(PING_WHEN_IDLE_FOR)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    Database::connect(options).await
}
