//! A cache of this instance (an L1): decoded rows of the entity cache, or
//! whole responses in front of Redis, in a bounded in-process cache,
//! checked against the tag versions of every invalidation this instance
//! has applied.
//!
//! Invalidations are numbered by one counter (in process, or in Redis for
//! a fleet). The L1 answers a read only when it has applied every
//! invalidation up to that read's stamp, so a read that starts after a
//! write committed never sees what the write replaced, however late the
//! message of another instance arrives. While the invalidation stream is
//! lost it answers nothing; when it is back, it starts empty.

use std::{
    any::Any,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use moka::sync::Cache as Entries;

use super::{Stamp, tags::Tag, versions::Versions};
use crate::{metrics::cache as metrics, sync::lock};

/// A decoded value, shared between requests.
pub(super) type Shared = Arc<dyn Any + Send + Sync>;

struct Entry {
    value: Shared,
    tags: Box<[Tag]>,
    stamp: Stamp,
    /// Its share of the capacity: 1 per row, its length for a response.
    weight: u32,
}

/// Where the L1 stands in the stream of invalidations.
struct Position {
    versions: Versions,
    /// The newest invalidation applied; every earlier one is applied too.
    applied: u64,
    /// Entries stamped before this may have missed invalidations (the
    /// stream was lost and found again at this number).
    since: u64,
    /// Whether invalidations are arriving.
    listening: bool,
}

/// Decoded entries of this process.
pub(super) struct Local {
    entries: Entries<String, Arc<Entry>>,
    position: Mutex<Position>,
}

impl Local {
    /// Up to `capacity` in total weight, each entry for at most `ttl`;
    /// `listening` when the invalidations are this process's own (no
    /// Redis), so that none can be missed.
    pub(super) fn new(capacity: u64, ttl: Duration, listening: bool) -> Self {
        Self {
            entries: Entries::builder()
                .max_capacity(capacity)
                .weigher(|_, entry: &Arc<Entry>| entry.weight)
                .time_to_live(ttl)
                .build(),
            position: Mutex::new(Position {
                versions: Versions::new(ttl),
                applied: 0,
                since: 0,
                listening,
            }),
        }
    }

    fn position(&self) -> MutexGuard<'_, Position> {
        lock(&self.position)
    }

    /// The entry under `key` for a read stamped `stamp`, if this instance
    /// has applied every invalidation up to it and none voided the entry.
    pub(super) fn get(&self, key: &str, stamp: Stamp) -> Option<Shared> {
        let entry = self.entries.get(key)?;
        let position = self.position();
        if !position.listening || position.applied < stamp.0 {
            return None;
        }
        if position.versions.unchanged_since(&entry.tags, entry.stamp) {
            return Some(entry.value.clone());
        }
        drop(position);
        self.entries.invalidate(key);
        None
    }

    /// Keeps `value`, read after `stamp` was taken and weighing `weight`,
    /// unless one of its `tags` changed since or invalidations may have
    /// been missed since.
    pub(super) fn put(
        &self,
        key: String,
        value: Shared,
        tags: Vec<Tag>,
        stamp: Stamp,
        weight: u32,
    ) -> bool {
        let position = self.position();
        if !position.listening
            || position.since > stamp.0
            || !position.versions.unchanged_since(&tags, stamp)
        {
            return false;
        }
        let entry = Entry {
            value,
            tags: tags.into_boxed_slice(),
            stamp,
            weight,
        };
        self.entries.insert(key, Arc::new(entry));
        true
    }

    /// Applies invalidation number `seq` of `tags`. A gap in the numbers
    /// means a message was lost: everything is dropped.
    pub(super) fn apply(&self, seq: u64, tags: &[Tag]) {
        let mut position = self.position();
        if seq <= position.applied {
            return;
        }
        if position.listening && seq > position.applied + 1 {
            tracing::warn!(
                expected = position.applied + 1,
                got = seq,
                "cache: invalidations were missed; dropping the L1"
            );
            self.restart(&mut position, seq);
            return;
        }
        position.versions.record(tags, seq);
        position.applied = seq;
    }

    /// The stream of invalidations is gone: trust nothing until it is back.
    pub(super) fn lost(&self) {
        let mut position = self.position();
        position.listening = false;
        self.entries.invalidate_all();
        metrics::l1_listening(false);
    }

    /// The stream is back, and the counter stood at `seq` after it was:
    /// start again empty from there.
    pub(super) fn resumed(&self, seq: u64) {
        let mut position = self.position();
        self.restart(&mut position, seq);
        position.listening = true;
        metrics::l1_listening(true);
    }

    fn restart(&self, position: &mut Position, seq: u64) {
        self.entries.invalidate_all();
        position.versions = Versions::new(position.versions.ttl());
        position.applied = seq;
        position.since = seq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::tags::Table;

    const PRODUCT: Tag = Tag::Row(Table::Product, 1);

    fn value(text: &str) -> Shared {
        Arc::new(text.to_owned())
    }

    fn text(shared: Option<Shared>) -> Option<String> {
        shared.and_then(|value| value.downcast_ref::<String>().cloned())
    }

    #[test]
    fn a_read_is_refused_until_every_invalidation_before_it_is_applied() {
        let local = Local::new(100, Duration::from_secs(60), true);
        assert!(local.put("a".into(), value("old"), vec![PRODUCT], Stamp(0), 1));
        // Invalidation 1 committed elsewhere; a read stamped 1 must wait for it.
        assert_eq!(text(local.get("a", Stamp(1))), None);
        local.apply(1, &[PRODUCT]);
        assert_eq!(text(local.get("a", Stamp(1))), None);
    }

    #[test]
    fn a_row_read_before_a_write_is_not_kept_after_it() {
        let local = Local::new(100, Duration::from_secs(60), true);
        local.apply(1, &[PRODUCT]);
        assert!(!local.put("a".into(), value("old"), vec![PRODUCT], Stamp(0), 1));
        assert!(local.put("a".into(), value("new"), vec![PRODUCT], Stamp(1), 1));
        assert_eq!(text(local.get("a", Stamp(1))).as_deref(), Some("new"));
    }

    #[test]
    fn nothing_is_trusted_while_invalidations_are_lost() {
        let local = Local::new(100, Duration::from_secs(60), true);
        assert!(local.put("a".into(), value("v"), vec![PRODUCT], Stamp(0), 1));
        local.lost();
        assert!(!local.put("b".into(), value("v"), vec![PRODUCT], Stamp(0), 1));
        local.resumed(5);
        assert_eq!(text(local.get("a", Stamp(5))), None);
        assert!(!local.put("b".into(), value("v"), vec![PRODUCT], Stamp(4), 1));
        assert!(local.put("b".into(), value("v"), vec![PRODUCT], Stamp(5), 1));
        assert_eq!(text(local.get("b", Stamp(5))).as_deref(), Some("v"));
    }

    #[test]
    fn a_gap_in_the_invalidations_drops_everything() {
        let local = Local::new(100, Duration::from_secs(60), true);
        local.apply(1, &[]);
        assert!(local.put("a".into(), value("v"), vec![PRODUCT], Stamp(1), 1));
        local.apply(3, &[]);
        assert_eq!(text(local.get("a", Stamp(3))), None);
    }
}
