//! Database connection pool and the per-operation statement counter.

mod counted;
mod direct;
mod reuse;
mod transaction;

pub use counted::{Counted, CountedConnection, OperationStats};
pub use transaction::CountedTransaction;

use std::time::Duration;

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr, sqlx::postgres::PgConnectOptions,
};

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
        })
        .map_sqlx_postgres_opts(session_settings);
    Database::connect(options).await
}

/// Settings of every PostgreSQL session, each unless the URL's `options`
/// set it themselves.
///
/// - `plan_cache_mode = force_generic_plan`: each prepared statement is
///   planned once. The read path binds its keys as one array and its page
///   sizes as parameters, so one plan serves every execution; under
///   PostgreSQL's default (`auto`), a statement whose generic estimate for
///   an array parameter came out above its custom plans (a keyset page, a
///   product joined with its category by slug) was planned again on every
///   execution, which took half of its time in PostgreSQL.
/// - `enable_memoize = off`: the read path joins rows by primary key (a
///   page's categories, a review page's authors, an order's customer), where
///   few keys repeat; PostgreSQL's cache of inner rows (`Memoize`) missed on
///   nearly every lookup and cost more than the index lookups it saved.
const SESSION_SETTINGS: [(&str, &str); 2] = [
    ("plan_cache_mode", "force_generic_plan"),
    ("enable_memoize", "off"),
];

fn session_settings(options: PgConnectOptions) -> PgConnectOptions {
    let chosen = options.get_options().unwrap_or_default().to_owned();
    let missing = SESSION_SETTINGS
        .iter()
        .filter(|(name, _)| !chosen.contains(name));
    options.options(missing.copied())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn options_of(url: &str) -> Option<String> {
        let options = PgConnectOptions::from_str(url).expect("a PostgreSQL URL");
        session_settings(options).get_options().map(str::to_owned)
    }

    #[test]
    fn postgresql_sessions_plan_statements_generically_without_memoize() {
        assert_eq!(
            options_of("postgres://app@db/shop").as_deref(),
            Some("-c plan_cache_mode=force_generic_plan -c enable_memoize=off")
        );
    }

    #[test]
    fn a_url_that_sets_a_session_setting_keeps_it() {
        assert_eq!(
            options_of("postgres://app@db/shop?options=-c%20plan_cache_mode%3Dauto").as_deref(),
            Some("-c plan_cache_mode=auto -c enable_memoize=off")
        );
        assert_eq!(
            options_of("postgres://app@db/shop?options=-c%20enable_memoize%3Don").as_deref(),
            Some("-c enable_memoize=on -c plan_cache_mode=force_generic_plan")
        );
    }
}
