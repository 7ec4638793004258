//! The entity cache under the loaders: rows by key (products, categories,
//! users' public fields, rating summaries, public nested pages), read from
//! this instance's L1, then from Redis in one script call per batch, then
//! from the database for the misses only, which are written back in one
//! call.
//!
//! Every entry is checked against the tag versions of the invalidations
//! (see [`super::versions`]) and stored under the stamp its reader took
//! before reading, so a row read before a write committed is never kept or
//! served after that write's invalidation.

use std::{collections::HashMap, future::Future, hash::Hash, sync::Arc, time::Duration};

use serde::{Serialize, de::DeserializeOwned};
use tokio::sync::OnceCell;

use super::{
    Cache, Inner, Stamp, Store,
    flights::{self, Flights},
    local::{Local, Shared},
    tags::Tag,
};
use crate::metrics::cache::{self as metrics, EntityTier};

/// A value the entity cache may hold: cloned out of the L1, encoded for
/// Redis.
pub trait Cacheable: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {}

impl<T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static> Cacheable for T {}

/// The entity cache's parts of an instance's cache.
pub(super) struct Entities {
    /// The L1: always in process without Redis; optional with it.
    pub(super) local: Option<Arc<Local>>,
    flights: Flights,
    /// Test aid: a pause between a miss's read and its write-back.
    store_delay: Duration,
}

impl Entities {
    pub(super) fn new(local: Option<Arc<Local>>, store_delay: Duration) -> Self {
        Self {
            local,
            flights: Flights::default(),
            store_delay,
        }
    }
}

/// What one batch of the entity cache found.
pub struct Loaded<K, V> {
    /// The rows found, by key (absent keys have no row).
    pub rows: HashMap<K, V>,
    /// Keys answered by a cache tier.
    pub hits: u64,
    /// Keys that had to be read from the database.
    pub misses: u64,
}

/// One operation's reads of the entity cache: every read is checked
/// against the stamp taken at its first one, or, for a long-lived stream,
/// at each batch.
pub struct EntityReads {
    cache: Cache,
    /// `None`: a fresh stamp per batch.
    stamp: Option<OnceCell<Option<Stamp>>>,
}

impl Cache {
    /// The entity reads of a new operation.
    pub fn entity_reads(&self) -> EntityReads {
        EntityReads {
            cache: self.clone(),
            stamp: Some(OnceCell::new()),
        }
    }

    /// The entity reads of a subscription: each event is resolved after
    /// the write it reports, so each batch takes its own stamp.
    pub fn entity_reads_per_batch(&self) -> EntityReads {
        EntityReads {
            cache: self.clone(),
            stamp: None,
        }
    }
}

/// How one batch names and tags its entries.
pub struct Entry<FK, FT> {
    /// The entity, a metric label (`Product`).
    pub entity: &'static str,
    /// The entry key of a loader key (`Product:42`); equal to a row's tag
    /// where there is one, so that the tag's invalidation deletes it.
    pub key: FK,
    /// What a value depends on.
    pub tags: FT,
}

impl EntityReads {
    async fn stamp(&self, inner: &Inner) -> Option<Stamp> {
        let fresh = || async {
            match &inner.store {
                Store::Memory(store) => Some(store.stamp()),
                Store::Redis(store) => store.stamp().await,
            }
        };
        match &self.stamp {
            Some(once) => *once.get_or_init(fresh).await,
            None => fresh().await,
        }
    }

    /// The rows of `keys`, from the cache where it has them and from `load`
    /// for the rest; concurrent misses of one key on this instance share
    /// one load.
    pub async fn load<K, V, E, FK, FT, F, Fut>(
        &self,
        entry: Entry<FK, FT>,
        keys: &[K],
        load: F,
    ) -> Result<Loaded<K, V>, E>
    where
        K: Clone + Eq + Hash,
        V: Cacheable,
        FK: Fn(&K) -> String,
        FT: Fn(&V) -> Vec<Tag>,
        F: Fn(Vec<K>) -> Fut,
        Fut: Future<Output = Result<HashMap<K, V>, E>>,
    {
        let cached = self.cache.0.as_deref().and_then(|inner| {
            let entities = inner.entities.as_ref()?;
            Some((inner, entities))
        });
        let Some((inner, entities)) = cached else {
            return Ok(Loaded {
                rows: load(keys.to_vec()).await?,
                hits: 0,
                misses: 0,
            });
        };
        let misses = u64::try_from(keys.len()).unwrap_or(u64::MAX);
        let Some(stamp) = self.stamp(inner).await else {
            return Ok(Loaded {
                rows: load(keys.to_vec()).await?,
                hits: 0,
                misses,
            });
        };
        let batch = Batch {
            inner,
            entities,
            entry: &entry,
            keys,
            names: keys.iter().map(&entry.key).collect(),
            stamp,
        };
        let mut rows = HashMap::with_capacity(keys.len());
        let missing = batch.read_local(&mut rows);
        let missing = batch.read_redis(missing, &mut rows).await;
        let misses = u64::try_from(missing.len()).unwrap_or(u64::MAX);
        let hits = u64::try_from(keys.len()).unwrap_or(u64::MAX) - misses;
        batch.read_database(missing, &mut rows, load).await?;
        Ok(Loaded { rows, hits, misses })
    }
}

/// One batch of keys on its way through the tiers.
struct Batch<'a, K, FK, FT> {
    inner: &'a Inner,
    entities: &'a Entities,
    entry: &'a Entry<FK, FT>,
    keys: &'a [K],
    names: Vec<String>,
    stamp: Stamp,
}

impl<K, FK, FT> Batch<'_, K, FK, FT>
where
    K: Clone + Eq + Hash,
    FK: Fn(&K) -> String,
{
    /// Fills `rows` from the L1; the indexes of the keys it lacked.
    fn read_local<V: Cacheable>(&self, rows: &mut HashMap<K, V>) -> Vec<usize>
    where
        FT: Fn(&V) -> Vec<Tag>,
    {
        let Some(local) = &self.entities.local else {
            return (0..self.keys.len()).collect();
        };
        let missing: Vec<usize> = (0..self.keys.len())
            .filter(|&index| {
                let found = local
                    .get(&self.names[index], self.stamp)
                    .and_then(|value| value.downcast_ref::<V>().cloned());
                found
                    .map(|value| rows.insert(self.keys[index].clone(), value))
                    .is_none()
            })
            .collect();
        let entity = self.entry.entity;
        metrics::entity_reads(
            EntityTier::Local,
            entity,
            true,
            self.keys.len() - missing.len(),
        );
        metrics::entity_reads(EntityTier::Local, entity, false, missing.len());
        missing
    }

    /// Fills `rows` from Redis (one call) for the `missing` keys, keeping
    /// what it finds in the L1; the indexes still missing.
    async fn read_redis<V: Cacheable>(
        &self,
        missing: Vec<usize>,
        rows: &mut HashMap<K, V>,
    ) -> Vec<usize>
    where
        FT: Fn(&V) -> Vec<Tag>,
    {
        let Store::Redis(store) = &self.inner.store else {
            return missing;
        };
        if missing.is_empty() {
            return missing;
        }
        let wanted: Vec<&str> = missing
            .iter()
            .map(|&index| self.names[index].as_str())
            .collect();
        let Some(found) = store.entities(&wanted).await else {
            return missing;
        };
        let mut still = Vec::new();
        for (&index, stored) in missing.iter().zip(found) {
            let decoded = stored.and_then(|(bytes, stamp)| {
                let value = postcard::from_bytes::<V>(&bytes).ok()?;
                Some((value, stamp))
            });
            let Some((value, stamp)) = decoded else {
                still.push(index);
                continue;
            };
            if let Some(local) = &self.entities.local {
                let tags = (self.entry.tags)(&value);
                let shared: Shared = Arc::new(value.clone());
                local.put(self.names[index].clone(), shared, tags, stamp, 1);
            }
            rows.insert(self.keys[index].clone(), value);
        }
        let entity = self.entry.entity;
        metrics::entity_reads(EntityTier::Redis, entity, true, missing.len() - still.len());
        metrics::entity_reads(EntityTier::Redis, entity, false, still.len());
        still
    }

    /// Loads the `missing` keys through single flight: those this batch
    /// leads from the database (written back to the tiers), the others
    /// from the reader that leads them.
    async fn read_database<V, E, F, Fut>(
        &self,
        missing: Vec<usize>,
        rows: &mut HashMap<K, V>,
        load: F,
    ) -> Result<(), E>
    where
        V: Cacheable,
        FT: Fn(&V) -> Vec<Tag>,
        F: Fn(Vec<K>) -> Fut,
        Fut: Future<Output = Result<HashMap<K, V>, E>>,
    {
        if missing.is_empty() {
            return Ok(());
        }
        let wanted: Vec<&str> = missing
            .iter()
            .map(|&index| self.names[index].as_str())
            .collect();
        let claim = self.entities.flights.claim(&wanted, self.stamp);
        let led: Vec<usize> = claim.lead.iter().map(|&at| missing[at]).collect();
        if !led.is_empty() {
            let loaded = load(led.iter().map(|&index| self.keys[index].clone()).collect()).await?;
            if !self.entities.store_delay.is_zero() {
                tokio::time::sleep(self.entities.store_delay).await;
            }
            let landed = self.write_back(&led, &loaded).await;
            claim.led.land(|name| landed.get(name).cloned());
            rows.extend(loaded);
        }
        let mut again = Vec::new();
        for (at, landing) in claim.follow {
            let key = &self.keys[missing[at]];
            match flights::landing(landing).await {
                Some(Some(value)) => {
                    if let Some(value) = value.downcast_ref::<V>() {
                        rows.insert(key.clone(), value.clone());
                    } else {
                        again.push(key.clone());
                    }
                }
                Some(None) => {}
                None => again.push(key.clone()),
            }
        }
        if !again.is_empty() {
            rows.extend(load(again).await?);
        }
        Ok(())
    }

    /// Keeps the rows `loaded` for the `led` keys in the L1 and in Redis
    /// (one call); each row shared for the followers, by entry key.
    async fn write_back<V>(&self, led: &[usize], loaded: &HashMap<K, V>) -> HashMap<String, Shared>
    where
        V: Cacheable,
        FT: Fn(&V) -> Vec<Tag>,
    {
        let mut landed = HashMap::with_capacity(led.len());
        let mut encoded = Vec::new();
        let mut refused = 0;
        for &index in led {
            let Some(value) = loaded.get(&self.keys[index]) else {
                continue;
            };
            let name = &self.names[index];
            let tags = (self.entry.tags)(value);
            let shared: Shared = Arc::new(value.clone());
            if let Store::Redis(_) = &self.inner.store
                && let Ok(bytes) = postcard::to_allocvec(value)
            {
                let words: Vec<String> = tags.iter().map(Tag::to_string).collect();
                encoded.push((name.clone(), bytes, words.join(" ")));
            }
            if let Some(local) = &self.entities.local
                && !local.put(name.clone(), shared.clone(), tags, self.stamp, 1)
            {
                refused += 1;
            }
            landed.insert(name.clone(), shared);
        }
        metrics::entity_stores_refused(EntityTier::Local, refused);
        if let Store::Redis(store) = &self.inner.store
            && !encoded.is_empty()
        {
            let stored = store.put_entities(&encoded, self.stamp).await;
            metrics::entity_stores_refused(EntityTier::Redis, encoded.len().saturating_sub(stored));
        }
        landed
    }
}
