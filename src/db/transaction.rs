//! Write transactions that count their statements like everything else an
//! operation sends, and that take SQLite's write lock up front.

use sea_orm::{
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use super::{Counted, CountedConnection};
use crate::cache::{Tag, TagSet};

/// One write transaction of one operation.
///
/// On SQLite it begins with `BEGIN IMMEDIATE`: a transaction that reads and
/// then writes would otherwise fail with "database is locked" when another
/// writer got there first; immediate mode makes it wait (busy timeout)
/// instead. `BEGIN` and `COMMIT` count as statements; dropping it without
/// `commit` rolls it back.
pub type CountedTransaction = Counted<DatabaseTransaction>;

impl CountedConnection {
    /// Starts a write transaction on this operation's connection.
    pub async fn begin_write(&self) -> Result<CountedTransaction, DbErr> {
        self.stats.count_statement();
        let _waiting = self.bypassing_reuse();
        let inner = self
            .inner
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?;
        Ok(Counted {
            inner,
            stats: self.stats.clone(),
            cache: self.cache.clone(),
            written: TagSet::default(),
            reuse: None,
        })
    }
}

impl CountedTransaction {
    /// Records that this transaction's writes change what `tags` stand
    /// for; its commit invalidates them.
    pub fn touches(&self, tags: impl IntoIterator<Item = Tag>) {
        self.written.add(tags);
    }

    /// Makes every write of the transaction visible at once, then voids
    /// the cached responses that showed what it changed, before anyone is
    /// told it is done.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.stats.count_statement();
        self.inner.commit().await?;
        self.cache.invalidate(&self.written.distinct()).await;
        Ok(())
    }
}
