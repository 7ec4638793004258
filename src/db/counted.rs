//! A connection wrapper that counts every statement one operation sends.
//!
//! DataLoader batches run in freshly spawned tasks where task-locals of the
//! request are gone, so the counter travels inside the connection value that
//! resolvers and loaders share, not in ambient state.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use super::{
    direct::{self, PostgresPool},
    reuse::{ConnectionReuse, Waiting},
};
use crate::cache::{Cache, TagSet};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

/// Counters of one GraphQL operation, reported as `extensions.stats` and to
/// `/metrics`.
#[derive(Debug, Default)]
pub struct OperationStats {
    statements: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
}

impl OperationStats {
    /// Statements sent to the database so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Cache hits so far: a response-cache hit, or an entity-cache key.
    pub fn cache_hits(&self) -> u64 {
        self.cache_hits.load(Ordering::Relaxed)
    }

    /// Cache misses so far: a public operation not in the response cache,
    /// or an entity-cache key read from the database.
    pub fn cache_misses(&self) -> u64 {
        self.cache_misses.load(Ordering::Relaxed)
    }

    /// Entity-cache reads of one batch: keys the cache answered, and keys
    /// that went to the database.
    pub fn count_entity_reads(&self, hits: u64, misses: u64) {
        self.cache_hits.fetch_add(hits, Ordering::Relaxed);
        self.cache_misses.fetch_add(misses, Ordering::Relaxed);
    }

    /// The operation was answered from the response cache.
    pub fn count_cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// The operation could have been, but was not, in the response cache.
    pub fn count_cache_miss(&self) {
        self.cache_misses.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn count_statement(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }
}

/// A connection seen through one operation's counters: the pool
/// ([`CountedConnection`]) or one of its write transactions
/// ([`CountedTransaction`](super::CountedTransaction)). Every statement sent
/// through it is counted, whichever task sends it.
#[derive(Clone)]
pub struct Counted<C> {
    pub(super) inner: C,
    pub(super) stats: Arc<OperationStats>,
    /// Told what a committed transaction changed.
    pub(super) cache: Cache,
    /// The cache tags this transaction's writes touched.
    pub(super) written: TagSet,
    /// The connection the operation keeps between its statements, when it
    /// keeps one.
    pub(super) reuse: Option<Arc<ConnectionReuse>>,
}

/// The pool, seen through one operation's counters.
pub type CountedConnection = Counted<DatabaseConnection>;

impl CountedConnection {
    /// Wraps the shared pool for one operation, whose commits invalidate
    /// what they changed in `cache`.
    pub fn new(inner: DatabaseConnection, stats: Arc<OperationStats>, cache: Cache) -> Self {
        Self {
            inner,
            stats,
            cache,
            written: TagSet::default(),
            reuse: None,
        }
    }

    /// As [`new`](Self::new), for an operation that ends with its response
    /// (an HTTP request): its PostgreSQL statements reuse one connection
    /// where they can instead of each taking one from the pool (see
    /// [`ConnectionReuse`]). [`end`](Self::end) gives it back.
    pub fn reusing_connections(mut self) -> Self {
        if self.inner.postgres_pool().is_some() {
            self.reuse = Some(Arc::default());
        }
        self
    }

    /// Gives the connection the operation kept back to the pool.
    pub fn end(&self) {
        if let Some(reuse) = &self.reuse {
            reuse.end();
        }
    }
}

impl<C> Counted<C> {
    /// Held while a statement takes a connection from the pool other than
    /// through [`ConnectionReuse::acquire`].
    pub(super) fn bypassing_reuse(&self) -> Option<Waiting<'_>> {
        self.reuse.as_deref().map(ConnectionReuse::bypass)
    }

    /// The caches this operation reads through and invalidates.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The counters this connection feeds.
    pub fn stats(&self) -> &Arc<OperationStats> {
        &self.stats
    }
}

#[async_trait::async_trait]
impl<C: ConnectionTrait + PostgresPool + Send + Sync> ConnectionTrait for Counted<C> {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.stats.count_statement();
        let _waiting = self.bypassing_reuse();
        self.inner.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.stats.count_statement();
        let _waiting = self.bypassing_reuse();
        self.inner.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.stats.count_statement();
        let _waiting = self.bypassing_reuse();
        self.inner.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.stats.count_statement();
        match self.inner.postgres_pool() {
            Some(pool) => direct::query_all(pool, self.reuse.as_deref(), stmt).await,
            None => self.inner.query_all_raw(stmt).await,
        }
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}
