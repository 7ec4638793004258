//! The response cache of a single instance (no Redis): entries in a bounded
//! in-process cache, tag versions beside them under one lock, so that a
//! write's invalidation and a reader's store can never interleave.

use std::{
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use moka::sync::Cache;

use super::{Stamp, tags::Tag, versions::Versions};

use crate::sync::lock;

struct Entry {
    data: Arc<str>,
    tags: Box<[Tag]>,
    stamp: Stamp,
}

/// The invalidation counter and the version of each tag.
struct Counter {
    seq: u64,
    versions: Versions,
}

/// Whole responses in this process.
pub struct MemoryStore {
    entries: Cache<String, Arc<Entry>>,
    counter: Mutex<Counter>,
}

impl MemoryStore {
    /// Holds up to `max_bytes` of response data, each entry at most `ttl`.
    pub fn new(max_bytes: u64, ttl: Duration) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &String, entry: &Arc<Entry>| {
                    let bytes = key.len() + entry.data.len() + entry.tags.len() * 16 + 64;
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .build(),
            counter: Mutex::new(Counter {
                seq: 0,
                versions: Versions::new(ttl),
            }),
        }
    }

    fn counter(&self) -> MutexGuard<'_, Counter> {
        lock(&self.counter)
    }

    pub(super) fn stamp(&self) -> Stamp {
        Stamp(self.counter().seq)
    }

    pub(super) fn get(&self, key: &str) -> Option<Arc<str>> {
        let entry = self.entries.get(key)?;
        if self
            .counter()
            .versions
            .unchanged_since(&entry.tags, entry.stamp)
        {
            return Some(entry.data.clone());
        }
        self.entries.invalidate(key);
        None
    }

    pub(super) fn put(&self, key: String, data: Arc<str>, tags: Vec<Tag>, stamp: Stamp) -> bool {
        let counter = self.counter();
        if !counter.versions.unchanged_since(&tags, stamp) {
            return false;
        }
        let entry = Entry {
            data,
            tags: tags.into_boxed_slice(),
            stamp,
        };
        self.entries.insert(key, Arc::new(entry));
        true
    }

    /// Gives `tags` the counter's next number, and hands that number to
    /// `also` (the entity cache) while no stamp can be taken, so that both
    /// see invalidations in the same order.
    pub(super) fn invalidate(&self, tags: &[Tag], also: impl FnOnce(u64)) {
        let mut counter = self.counter();
        counter.seq += 1;
        let seq = counter.seq;
        counter.versions.record(tags, seq);
        also(seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::tags::Table;

    const PRODUCT: Tag = Tag::Row(Table::Product, 1);

    fn store() -> MemoryStore {
        MemoryStore::new(1 << 20, Duration::from_secs(60))
    }

    #[test]
    fn an_invalidated_tag_voids_the_entries_that_carry_it() {
        let store = store();
        let stamp = store.stamp();
        assert!(store.put("a".into(), "1".into(), vec![PRODUCT], stamp));
        assert!(store.put("b".into(), "2".into(), vec![Tag::Rating(1)], stamp));
        store.invalidate(&[PRODUCT], |_| ());
        assert_eq!(store.get("a"), None);
        assert_eq!(store.get("b").as_deref(), Some("2"));
    }

    #[test]
    fn a_response_read_before_a_write_is_not_stored_after_it() {
        let store = store();
        let stamp = store.stamp();
        store.invalidate(&[PRODUCT], |_| ());
        assert!(!store.put("a".into(), "old".into(), vec![PRODUCT], stamp));
        assert_eq!(store.get("a"), None);
        assert!(store.put("a".into(), "new".into(), vec![PRODUCT], store.stamp()));
        assert_eq!(store.get("a").as_deref(), Some("new"));
    }
}
