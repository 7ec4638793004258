//! Metric handles registered once per label set and then reused.
//!
//! Each `counter!`/`histogram!` call builds its key (owned label strings),
//! hashes it and looks it up in the recorder's registry. On the cheapest
//! operations that cost more than the increment it leads to, so the hot
//! per-request metrics keep their handles here, keyed without allocating,
//! in maps hashed with foldhash: a bounded map (see [`MAX_NAMES_PER_GROUP`])
//! needs no SipHash, which cost more than the rest of the lookup.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{PoisonError, RwLock},
};

use foldhash::fast::RandomState;

/// Label sets beyond this many per group, or in groups beyond
/// [`MAX_GROUPS`], are not kept (their handles are still registered and
/// returned): client-chosen names and methods must not grow a second
/// unbounded map beside the registry.
const MAX_NAMES_PER_GROUP: usize = 1024;

/// Groups kept at most (see [`MAX_NAMES_PER_GROUP`]).
const MAX_GROUPS: usize = 64;

/// Handles of one metric family, by a group of fixed labels and one
/// free-form label value (an operation name, a route).
pub(super) struct Registered<G, H> {
    groups: RwLock<HashMap<G, Names<H>, RandomState>>,
}

/// The handles of one group, by their free-form label value.
type Names<H> = HashMap<Box<str>, H, RandomState>;

impl<G, H> Registered<G, H> {
    pub(super) fn new() -> Self {
        Self {
            groups: RwLock::new(HashMap::default()),
        }
    }
}

impl<G: Hash + Eq + Clone, H: Clone> Registered<G, H> {
    /// The handle for `group` and `name`, registered with `register` the
    /// first time they are seen.
    pub(super) fn get(&self, group: &G, name: &str, register: impl FnOnce() -> H) -> H {
        let known = self
            .groups
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(group)
            .and_then(|names| names.get(name))
            .cloned();
        if let Some(handle) = known {
            return handle;
        }
        let handle = register();
        let mut groups = self.groups.write().unwrap_or_else(PoisonError::into_inner);
        if groups.len() >= MAX_GROUPS && !groups.contains_key(group) {
            return handle;
        }
        let names = groups.entry(group.clone()).or_default();
        if names.len() < MAX_NAMES_PER_GROUP {
            names.insert(name.into(), handle.clone());
        }
        handle
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn registers_each_label_set_once() {
        let registered = Registered::<u8, u32>::new();
        let calls = Cell::new(0);
        let register = |value| {
            calls.set(calls.get() + 1);
            value
        };
        assert_eq!(registered.get(&1, "a", || register(10)), 10);
        assert_eq!(registered.get(&1, "a", || register(11)), 10);
        assert_eq!(registered.get(&1, "b", || register(12)), 12);
        assert_eq!(registered.get(&2, "a", || register(13)), 13);
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn stops_keeping_groups_past_the_bound_but_still_answers() {
        let registered = Registered::<usize, usize>::new();
        for group in 0..MAX_GROUPS {
            registered.get(&group, "a", || group);
        }
        let calls = Cell::new(0);
        for _ in 0..2 {
            let handle = registered.get(&MAX_GROUPS, "a", || {
                calls.set(calls.get() + 1);
                7
            });
            assert_eq!(handle, 7);
        }
        assert_eq!(calls.get(), 2);
        assert_eq!(registered.get(&0, "a", || 99), 0);
    }

    #[test]
    fn stops_keeping_names_past_the_bound_but_still_answers() {
        let registered = Registered::<u8, usize>::new();
        for index in 0..MAX_NAMES_PER_GROUP {
            registered.get(&0, &index.to_string(), || index);
        }
        let calls = Cell::new(0);
        for _ in 0..2 {
            let handle = registered.get(&0, "one more", || {
                calls.set(calls.get() + 1);
                7
            });
            assert_eq!(handle, 7);
        }
        assert_eq!(calls.get(), 2);
    }
}
