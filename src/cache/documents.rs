//! Documents of automatic persisted queries, by the SHA-256 of their text.
//! Content-addressed, so an entry can never be stale: losing one only makes
//! a client send the document again.

use std::sync::Arc;

use moka::sync::Cache;

use super::RedisStore;

/// Most bytes of documents kept in process (without Redis).
const MEMORY_BYTES: u64 = 16 << 20;

enum Store {
    Memory(Cache<String, Arc<str>>),
    Redis(RedisStore),
}

/// Where registered documents live: this process, or Redis for every
/// instance. Cheap to clone.
#[derive(Clone)]
pub struct PersistedDocuments(Arc<Store>);

impl PersistedDocuments {
    /// A bounded store in this process.
    pub fn in_process() -> Self {
        let cache = Cache::builder()
            .max_capacity(MEMORY_BYTES)
            .weigher(|hash: &String, text: &Arc<str>| {
                u32::try_from(hash.len() + text.len()).unwrap_or(u32::MAX)
            })
            .build();
        Self(Arc::new(Store::Memory(cache)))
    }

    /// The store every instance shares, in Redis.
    pub fn redis(store: RedisStore) -> Self {
        Self(Arc::new(Store::Redis(store)))
    }

    /// The document registered under `hash`.
    pub async fn get(&self, hash: &str) -> Option<Arc<str>> {
        match &*self.0 {
            Store::Memory(cache) => cache.get(hash),
            Store::Redis(store) => store.document(hash).await,
        }
    }

    /// Registers `text`, whose SHA-256 is `hash`.
    pub async fn put(&self, hash: &str, text: &str) {
        match &*self.0 {
            Store::Memory(cache) => cache.insert(hash.to_owned(), Arc::from(text)),
            Store::Redis(store) => store.put_document(hash, text).await,
        }
    }
}
