//! Write transactions that count their statements like everything else an
//! operation sends, and that take SQLite's write lock up front.

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use super::{CountedConnection, OperationStats};

/// One write transaction of one operation.
///
/// On SQLite it begins with `BEGIN IMMEDIATE`: a transaction that reads and
/// then writes would otherwise fail with "database is locked" when another
/// writer got there first; immediate mode makes it wait (busy timeout)
/// instead. `BEGIN` and `COMMIT` count as statements.
pub struct CountedTransaction {
    inner: DatabaseTransaction,
    stats: Arc<OperationStats>,
}

impl CountedConnection {
    /// Starts a write transaction on this operation's connection.
    pub async fn begin_write(&self) -> Result<CountedTransaction, DbErr> {
        self.stats().count_statement();
        let inner = self
            .pool()
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?;
        Ok(CountedTransaction {
            inner,
            stats: self.stats().clone(),
        })
    }
}

impl CountedTransaction {
    /// Makes every write of the transaction visible at once.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.stats.count_statement();
        self.inner.commit().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for CountedTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.stats.count_statement();
        self.inner.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.stats.count_statement();
        self.inner.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.stats.count_statement();
        self.inner.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.stats.count_statement();
        self.inner.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}
