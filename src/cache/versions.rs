//! The last invalidation of each tag: what tells a stored entry from a
//! stale one. An entry is valid while none of its tags was invalidated
//! after the stamp it was read under.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use super::{Stamp, tags::Tag};

/// Tag versions kept before those older than every entry are pruned.
const PRUNE_ABOVE: usize = 50_000;

/// The number of the last invalidation of each tag.
pub(super) struct Versions {
    tags: HashMap<Tag, (u64, Instant)>,
    /// Longest life of an entry checked against these versions.
    ttl: Duration,
}

impl Versions {
    /// Versions for entries that live at most `ttl`.
    pub(super) fn new(ttl: Duration) -> Self {
        Self {
            tags: HashMap::new(),
            ttl,
        }
    }

    /// Longest life of an entry checked against these versions.
    pub(super) fn ttl(&self) -> Duration {
        self.ttl
    }

    /// True when no tag of `tags` was invalidated after `stamp` was taken.
    pub(super) fn unchanged_since(&self, tags: &[Tag], stamp: Stamp) -> bool {
        tags.iter().all(|tag| {
            self.tags
                .get(tag)
                .is_none_or(|(version, _)| *version <= stamp.0)
        })
    }

    /// Invalidation number `seq` touched `tags`.
    pub(super) fn record(&mut self, tags: &[Tag], seq: u64) {
        let now = Instant::now();
        self.tags.extend(tags.iter().map(|tag| (*tag, (seq, now))));
        if self.tags.len() > PRUNE_ABOVE {
            // An entry lives at most `ttl`: a version older than that can
            // no longer outrank any entry still stored.
            let ttl = self.ttl;
            self.tags.retain(|_, (_, at)| at.elapsed() <= ttl);
        }
    }
}
