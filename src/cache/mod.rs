//! The caches of an instance, under one invalidation: the response cache
//! and the entity cache ([`entities`]).
//!
//! The response cache keeps the whole `data` of a public query, stored
//! under its document, operation name and variables, and served without
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
//! In front of Redis, each instance keeps the responses it served in an L1
//! ([`local`]) that answers only once it has applied every invalidation
//! up to the read's stamp, which one shared read of the fleet's counter
//! gives ([`counter`]).

mod breaker;
mod counter;
mod documents;
pub mod entities;
mod flights;
mod local;
mod memory;
mod redis;
pub mod tags;
mod versions;

use std::{sync::Arc, time::Duration};

use sha2::{Digest, Sha256};

pub use self::{
    documents::PersistedDocuments,
    entities::{Cacheable, EntityReads, Entry},
    memory::MemoryStore,
    redis::RedisStore,
    tags::{Table, Tag, TagSet, stock_tags},
};
use self::{entities::Entities, local::Local};
use crate::metrics::cache::{self as metrics, Tier};

/// A point in the order of invalidations, taken before an operation reads
/// anything: its entry is only valid while none of its tags is newer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(u64);

enum Store {
    Memory(MemoryStore),
    Redis(RedisStore),
}

struct Inner {
    store: Store,
    responses: bool,
    /// The L1 of responses in front of Redis.
    local_responses: Option<Arc<Local>>,
    entities: Option<Entities>,
}

/// What the response cache knows of an operation before it runs.
#[derive(Default)]
pub struct Lookup {
    /// Its cached `data`, if still valid.
    pub data: Option<Arc<str>>,
    /// The stamp to store its response under, taken before it reads;
    /// `None` when nothing can be stored now (Redis unreachable).
    pub stamp: Option<Stamp>,
}

/// What an instance caches, and for how long.
#[derive(Clone, Debug)]
pub struct CachePlan {
    /// Longest life of a cached response; zero: no response cache.
    pub response_ttl: Duration,
    /// Most bytes of responses kept in process: the whole cache without
    /// Redis, the L1 in front of it with Redis.
    pub response_max_bytes: u64,
    /// Longest life of a response in the L1 in front of Redis; zero: no
    /// response L1, every lookup asks Redis.
    pub response_local_ttl: Duration,
    /// Longest life of an entity entry; zero: no entity cache.
    pub entity_ttl: Duration,
    /// Longest life of an entry of the L1 in front of Redis; zero: no L1.
    /// Without Redis the L1 is the entity cache, and lives `entity_ttl`.
    pub local_ttl: Duration,
    /// Most entries of the L1.
    pub local_max_entries: u64,
    /// Test aid: a pause between an entity miss's read and its write-back.
    pub entity_store_delay: Duration,
}

impl CachePlan {
    fn entities(&self, local: Option<Local>) -> Option<Entities> {
        let local = local.map(Arc::new);
        (!self.entity_ttl.is_zero()).then(|| Entities::new(local, self.entity_store_delay))
    }

    fn is_off(&self) -> bool {
        self.response_ttl.is_zero() && self.entity_ttl.is_zero()
    }
}

/// The caches of this instance: off, in process, or in Redis. Cheap to
/// clone.
#[derive(Clone, Default)]
pub struct Cache(Option<Arc<Inner>>);

impl Cache {
    /// No caching: every operation executes and reads the database.
    pub fn off() -> Self {
        Self(None)
    }

    /// Entries in this process.
    pub fn in_process(plan: &CachePlan) -> Self {
        if plan.is_off() {
            return Self::off();
        }
        let local = Local::new(plan.local_max_entries, plan.entity_ttl, true);
        Self(Some(Arc::new(Inner {
            // Kept when off too: its counter orders every invalidation.
            store: Store::Memory(MemoryStore::new(
                plan.response_max_bytes,
                plan.response_ttl.max(Duration::from_secs(1)),
            )),
            responses: !plan.response_ttl.is_zero(),
            local_responses: None,
            entities: plan.entities(Some(local)),
        })))
    }

    /// Entries in Redis, shared by every instance using the same prefix,
    /// with an L1 in front of the entities when the plan asks for one. Call
    /// within the runtime: the L1 follows invalidations from a task.
    pub fn redis(store: RedisStore, plan: &CachePlan) -> Self {
        if plan.is_off() {
            return Self::off();
        }
        let local = (!plan.local_ttl.is_zero())
            .then(|| Local::new(plan.local_max_entries, plan.local_ttl, false));
        let entities = plan.entities(local);
        let responses = !plan.response_ttl.is_zero();
        let local_responses = (responses && !plan.response_local_ttl.is_zero()).then(|| {
            let ttl = plan.response_local_ttl.min(plan.response_ttl);
            Arc::new(Local::new(plan.response_max_bytes, ttl, false))
        });
        let locals: Vec<Arc<Local>> = entities
            .as_ref()
            .and_then(|entities| entities.local.clone())
            .into_iter()
            .chain(local_responses.clone())
            .collect();
        if !locals.is_empty() {
            tokio::spawn(store.clone().listen(locals));
        }
        Self(Some(Arc::new(Inner {
            store: Store::Redis(store),
            responses,
            local_responses,
            entities,
        })))
    }

    /// Whether responses are cached at all.
    pub fn caches_responses(&self) -> bool {
        self.0.as_deref().is_some_and(|inner| inner.responses)
    }

    fn responses(&self) -> Option<&Inner> {
        self.0.as_deref().filter(|inner| inner.responses)
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

    /// The cached `data` of the operation under `key`, if still valid, and
    /// the stamp to store its response under otherwise.
    pub async fn lookup(&self, key: &str) -> Lookup {
        let Some(inner) = self.responses() else {
            return Lookup::default();
        };
        let store = match &inner.store {
            Store::Memory(store) => {
                let stamp = store.stamp();
                let data = store.get(key);
                metrics::looked_up(Tier::Memory, data.is_some());
                return Lookup {
                    data,
                    stamp: Some(stamp),
                };
            }
            Store::Redis(store) => store,
        };
        let stamp = store.stamp().await;
        let local = inner.local_responses.as_deref();
        if let (Some(local), Some(stamp)) = (local, stamp) {
            let data = local
                .get(key, stamp)
                .and_then(|value| value.downcast_ref::<Arc<str>>().cloned());
            metrics::looked_up(Tier::Local, data.is_some());
            if data.is_some() {
                return Lookup { data, stamp: None };
            }
        }
        let found = store.get(key).await;
        metrics::looked_up(Tier::Redis, found.is_some());
        let data = found.map(|found| {
            if let Some(local) = local {
                keep(local, key.to_owned(), &found.data, found.tags, found.stamp);
            }
            found.data
        });
        Lookup { data, stamp }
    }

    /// Stores the `data` of the operation under `key`, which read `tags`
    /// after `stamp` was taken; refused if one of them changed since.
    pub async fn store(&self, key: String, data: Arc<str>, tags: Vec<Tag>, stamp: Stamp) {
        let Some(inner) = self.responses() else {
            return;
        };
        let (stored, tier) = match &inner.store {
            Store::Memory(store) => (store.put(key, data, tags, stamp), Tier::Memory),
            Store::Redis(store) => {
                let stored = store.put(&key, &data, &tags, stamp).await;
                if stored && let Some(local) = &inner.local_responses {
                    keep(local, key, &data, tags, stamp);
                }
                (stored, Tier::Redis)
            }
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
        let Some(inner) = self.0.as_deref() else {
            return;
        };
        let tier = match &inner.store {
            Store::Memory(store) => {
                let local = inner
                    .entities
                    .as_ref()
                    .and_then(|entities| entities.local.as_deref());
                store.invalidate(tags, |seq| {
                    if let Some(local) = local {
                        local.apply(seq, tags);
                    }
                });
                Tier::Memory
            }
            Store::Redis(store) => {
                store.invalidate(tags).await;
                Tier::Redis
            }
        };
        metrics::invalidated(tier, tags.len());
    }
}

/// Keeps a response in the L1 in front of Redis, weighed by its length.
fn keep(local: &Local, key: String, data: &Arc<str>, tags: Vec<Tag>, stamp: Stamp) {
    let weight = u32::try_from(key.len() + data.len()).unwrap_or(u32::MAX);
    let value: local::Shared = Arc::new(data.clone());
    if !local.put(key, value, tags, stamp, weight) {
        metrics::store_refused(Tier::Local);
    }
}
