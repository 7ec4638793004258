//! The response cache of a single instance (no Redis): entries in a bounded
//! in-process cache, tag versions beside them under one lock, so that a
//! write's invalidation and a reader's store can never interleave.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use moka::sync::Cache;

use super::{Stamp, tags::Tag};

/// Tag versions kept before old ones are pruned.
const PRUNE_ABOVE: usize = 50_000;

struct Entry {
    data: Arc<str>,
    tags: Box<[Tag]>,
    stamp: Stamp,
}

/// The last invalidation of each tag, on one counter.
#[derive(Default)]
struct Versions {
    seq: u64,
    tags: HashMap<Tag, (u64, Instant)>,
}

impl Versions {
    /// True when no tag of `tags` was invalidated after `stamp` was taken.
    fn unchanged_since(&self, tags: &[Tag], stamp: Stamp) -> bool {
        tags.iter().all(|tag| {
            self.tags
                .get(tag)
                .is_none_or(|(version, _)| *version <= stamp.0)
        })
    }
}

/// Whole responses in this process.
pub struct MemoryStore {
    entries: Cache<String, Arc<Entry>>,
    versions: Mutex<Versions>,
    ttl: Duration,
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
            versions: Mutex::default(),
            ttl,
        }
    }

    fn versions(&self) -> MutexGuard<'_, Versions> {
        // Plain counters: a panic while holding the lock cannot tear them.
        self.versions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn stamp(&self) -> Stamp {
        Stamp(self.versions().seq)
    }

    pub(super) fn get(&self, key: &str) -> Option<Arc<str>> {
        let entry = self.entries.get(key)?;
        if self.versions().unchanged_since(&entry.tags, entry.stamp) {
            return Some(entry.data.clone());
        }
        self.entries.invalidate(key);
        None
    }

    pub(super) fn put(&self, key: String, data: Arc<str>, tags: Vec<Tag>, stamp: Stamp) -> bool {
        let versions = self.versions();
        if !versions.unchanged_since(&tags, stamp) {
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

    pub(super) fn invalidate(&self, tags: &[Tag]) {
        let mut versions = self.versions();
        versions.seq += 1;
        let (seq, now) = (versions.seq, Instant::now());
        versions
            .tags
            .extend(tags.iter().map(|tag| (*tag, (seq, now))));
        if versions.tags.len() > PRUNE_ABOVE {
            // An entry lives at most `ttl`: a version older than that can
            // no longer outrank any entry still stored.
            let ttl = self.ttl;
            versions.tags.retain(|_, (_, at)| at.elapsed() <= ttl);
        }
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
        store.invalidate(&[PRODUCT]);
        assert_eq!(store.get("a"), None);
        assert_eq!(store.get("b").as_deref(), Some("2"));
    }

    #[test]
    fn a_response_read_before_a_write_is_not_stored_after_it() {
        let store = store();
        let stamp = store.stamp();
        store.invalidate(&[PRODUCT]);
        assert!(!store.put("a".into(), "old".into(), vec![PRODUCT], stamp));
        assert_eq!(store.get("a"), None);
        assert!(store.put("a".into(), "new".into(), vec![PRODUCT], store.stamp()));
        assert_eq!(store.get("a").as_deref(), Some("new"));
    }
}
