//! The response cache: the whole `data` of a public query, stored under
//! its document, operation name and variables, and served without
//! executing the operation again.
//!
//! Which operations qualify is decided from the document alone: a query
//! whose every field is public (no `cache_control(private)` field or type)
//! is shared by every caller, anonymous or signed in. Its entry is tagged
//! with every row and list it read ([`tags`]); a committed write
//! invalidates the tags it touched before its mutation answers, so no read
//! that starts after that is served what it replaced. Stores are refused
//! when a tag changed after the reader's [`Stamp`], which closes the race
//! of a reader writing back rows it read before the write.
//!
//! One instance keeps entries in process ([`memory`]); with Redis every
//! instance shares them ([`redis`]), and a Redis failure is only a miss.

mod breaker;
mod documents;
mod memory;
mod redis;
pub mod tags;

use std::{sync::Arc, time::Duration};

use sha2::{Digest, Sha256};

pub use self::{
    documents::PersistedDocuments,
    memory::MemoryStore,
    redis::RedisStore,
    tags::{Table, Tag, TagSet, stock_tags},
};
use crate::metrics::cache::{self as metrics, Tier};

/// A point in the order of invalidations, taken before an operation reads
/// anything: its entry is only valid while none of its tags is newer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp(u64);

enum Store {
    Memory(MemoryStore),
    Redis(RedisStore),
}

/// The response cache of this instance: off, in process, or in Redis.
/// Cheap to clone.
#[derive(Clone, Default)]
pub struct ResponseCache(Option<Arc<Store>>);

impl ResponseCache {
    /// No caching: every operation executes.
    pub fn off() -> Self {
        Self(None)
    }

    /// Entries in this process, at most `max_bytes` of them, each for at
    /// most `ttl`.
    pub fn in_process(max_bytes: u64, ttl: Duration) -> Self {
        Self(Some(Arc::new(Store::Memory(MemoryStore::new(
            max_bytes, ttl,
        )))))
    }

    /// Entries in Redis, shared by every instance using the same prefix.
    pub fn redis(store: RedisStore) -> Self {
        Self(Some(Arc::new(Store::Redis(store))))
    }

    /// Whether responses are cached at all.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// The key of an operation: its document, operation name and variables.
    pub fn key(
        query: &str,
        operation_name: Option<&str>,
        variables: &impl serde::Serialize,
    ) -> String {
        let mut hash = Sha256::new();
        hash.update(query.as_bytes());
        hash.update([0]);
        hash.update(operation_name.unwrap_or_default().as_bytes());
        hash.update([0]);
        // Variables serialize infallibly; were one not to, it would only
        // share the key of an operation without variables, which the hash
        // of the document already tells apart from other documents.
        hash.update(serde_json::to_vec(variables).unwrap_or_default());
        hex::encode(hash.finalize())
    }

    /// The cached `data` of the operation under `key`, if still valid.
    pub async fn lookup(&self, key: &str) -> Option<Arc<str>> {
        let (found, tier) = match self.0.as_deref()? {
            Store::Memory(store) => (store.get(key), Tier::Memory),
            Store::Redis(store) => (store.get(key).await, Tier::Redis),
        };
        match found {
            Some(_) => metrics::hit(tier),
            None => metrics::miss(tier),
        }
        found
    }

    /// The stamp to store a response under; take it before the operation
    /// reads. `None` when nothing can be stored now (Redis unreachable).
    pub async fn stamp(&self) -> Option<Stamp> {
        match self.0.as_deref()? {
            Store::Memory(store) => Some(store.stamp()),
            Store::Redis(store) => store.stamp().await,
        }
    }

    /// Stores the `data` of the operation under `key`, which read `tags`
    /// after `stamp` was taken; refused if one of them changed since.
    pub async fn store(&self, key: String, data: Arc<str>, tags: Vec<Tag>, stamp: Stamp) {
        let (stored, tier) = match self.0.as_deref() {
            None => return,
            Some(Store::Memory(store)) => (store.put(key, data, tags, stamp), Tier::Memory),
            Some(Store::Redis(store)) => (store.put(&key, &data, &tags, stamp).await, Tier::Redis),
        };
        if !stored {
            metrics::store_refused(tier);
        }
    }

    /// Voids every entry carrying one of `tags`; call after the write that
    /// changed them committed, before it is reported done.
    pub async fn invalidate(&self, tags: &[Tag]) {
        if tags.is_empty() {
            return;
        }
        let tier = match self.0.as_deref() {
            None => return,
            Some(Store::Memory(store)) => {
                store.invalidate(tags);
                Tier::Memory
            }
            Some(Store::Redis(store)) => {
                store.invalidate(tags).await;
                Tier::Redis
            }
        };
        metrics::invalidated(tier, tags.len());
    }
}
