//! Per-thread buffers for the metrics that every request updates.
//!
//! A counter or histogram handle is one set of atomics shared by every
//! worker thread, so two threads serving requests at once take turns owning
//! its cache lines: on `{ __typename }` the per-request metrics took about
//! 8 % of the server's CPU per request (bench/RESULTS.md). Each thread
//! therefore adds its updates up in a buffer of its own (locked by itself,
//! and by a scrape only), and hands them to the recorder in one go: once
//! it has buffered [`FLUSH_AT`] updates, and before every render of
//! `/metrics`, so that a scrape sees every request answered before it.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
};

use foldhash::fast::RandomState;
use metrics::{Counter, Histogram};

use crate::sync::lock;

/// Samples and counts a thread buffers at most before it records them.
const FLUSH_AT: usize = 256;

/// Label sets buffered at most per group, per thread; updates of others go
/// straight to their handles (registered anew each time). Client-chosen
/// operation names and methods must not grow a thread's buffers without
/// limit.
const MAX_NAMES_PER_GROUP: usize = 1024;

/// Groups buffered at most per thread (see [`MAX_NAMES_PER_GROUP`]).
const MAX_GROUPS: usize = 64;

/// Buffered updates, each with the handle it goes to, found by a group of
/// fixed labels and a free-form label value (an operation name, a route).
struct Table<G, V> {
    /// Positions in `entries`, by group, then free-form value.
    index: HashMap<G, HashMap<Box<str>, usize, RandomState>, RandomState>,
    entries: Vec<V>,
}

impl<G, V> Default for Table<G, V> {
    fn default() -> Self {
        Self {
            index: HashMap::default(),
            entries: Vec::new(),
        }
    }
}

impl<G: Hash + Eq + Clone, V> Table<G, V> {
    /// The entry of `group` and `name`, created with `register` the first
    /// time; `register` comes back unused once the group or its names reach
    /// their bound, so that client-chosen names never grow a thread's
    /// buffers without limit (the caller then records straight to the
    /// handle).
    fn slot<F: FnOnce() -> V>(&mut self, group: &G, name: &str, register: F) -> Result<&mut V, F> {
        let names = self.index.get(group);
        if let Some(&position) = names.and_then(|names| names.get(name)) {
            return self.entries.get_mut(position).ok_or(register);
        }
        let full = match names {
            Some(names) => names.len() >= MAX_NAMES_PER_GROUP,
            None => self.index.len() >= MAX_GROUPS,
        };
        if full {
            return Err(register);
        }
        let position = self.entries.len();
        self.index
            .entry(group.clone())
            .or_default()
            .insert(name.into(), position);
        self.entries.push(register());
        Ok(&mut self.entries[position])
    }
}

/// What one thread has buffered, and the handles it goes to.
pub(super) struct Shard<C, H> {
    counts: Table<C, (Counter, u64)>,
    samples: Table<H, (Histogram, Vec<f64>)>,
    buffered: usize,
}

impl<C, H> Default for Shard<C, H> {
    fn default() -> Self {
        Self {
            counts: Table::default(),
            samples: Table::default(),
            buffered: 0,
        }
    }
}

impl<C: Hash + Eq + Clone, H: Hash + Eq + Clone> Shard<C, H> {
    /// Adds `by` to the counter of `group` and `name` (`handle` gives it
    /// the first time).
    pub(super) fn count(
        &mut self,
        group: &C,
        name: &str,
        by: u64,
        handle: impl FnOnce() -> Counter,
    ) {
        match self.counts.slot(group, name, || (handle(), 0)) {
            Ok((_, pending)) => *pending += by,
            Err(register) => register().0.increment(by),
        }
        self.buffered += 1;
    }

    /// Adds `value` to the histogram of `group` and `name` (`handle` gives
    /// it the first time).
    pub(super) fn sample(
        &mut self,
        group: &H,
        name: &str,
        value: f64,
        handle: impl FnOnce() -> Histogram,
    ) {
        match self.samples.slot(group, name, || (handle(), Vec::new())) {
            Ok((_, pending)) => pending.push(value),
            Err(register) => super::observe(&register().0, &[value]),
        }
        self.buffered += 1;
    }

    /// Whether the buffer is due to be recorded.
    pub(super) fn is_full(&self) -> bool {
        self.buffered >= FLUSH_AT
    }

    /// Records everything buffered.
    pub(super) fn flush(&mut self) {
        for (counter, pending) in &mut self.counts.entries {
            if *pending > 0 {
                counter.increment(std::mem::take(pending));
            }
        }
        for (histogram, pending) in &mut self.samples.entries {
            if !pending.is_empty() {
                super::observe(histogram, pending);
                pending.clear();
            }
        }
        self.buffered = 0;
    }
}

/// A shard, locked by its thread and by scrapes.
type SharedShard<C, H> = Arc<Mutex<Shard<C, H>>>;

/// The shards of every thread that has recorded, so that a scrape can
/// flush them. A thread that exits leaves its shard, with whatever it still
/// buffers, to the next thread that starts recording: a thread-local
/// destructor must not record (the recorder's own thread-locals may be gone
/// by then), and reuse keeps the list as long as the most threads that ever
/// recorded at once.
pub(super) struct Shards<C, H> {
    all: Mutex<Vec<SharedShard<C, H>>>,
    /// Shards of exited threads, waiting for a new owner.
    idle: Mutex<Vec<SharedShard<C, H>>>,
}

impl<C, H> Shards<C, H> {
    pub(super) const fn new() -> Self {
        Self {
            all: Mutex::new(Vec::new()),
            idle: Mutex::new(Vec::new()),
        }
    }
}

impl<C: Hash + Eq + Clone, H: Hash + Eq + Clone> Shards<C, H> {
    /// A shard for the calling thread: an exited thread's, or a new one
    /// known to the scrape from now on.
    pub(super) fn join(&'static self) -> ThreadShard<C, H> {
        let shard = lock(&self.idle).pop().unwrap_or_else(|| {
            let shard = Arc::new(Mutex::new(Shard::default()));
            lock(&self.all).push(Arc::clone(&shard));
            shard
        });
        ThreadShard {
            shard,
            shards: self,
        }
    }

    /// Records what every thread has buffered.
    pub(super) fn flush_all(&self) {
        let all = lock(&self.all).clone();
        for shard in all {
            lock(&shard).flush();
        }
    }
}

/// One thread's shard, handed on when the thread exits.
pub(super) struct ThreadShard<C: Hash + Eq + Clone + 'static, H: Hash + Eq + Clone + 'static> {
    shard: SharedShard<C, H>,
    shards: &'static Shards<C, H>,
}

impl<C: Hash + Eq + Clone, H: Hash + Eq + Clone> ThreadShard<C, H> {
    /// Runs `update` on this thread's buffer, and records the buffer when
    /// it is full.
    pub(super) fn update(&self, update: impl FnOnce(&mut Shard<C, H>)) {
        let mut shard = lock(&self.shard);
        update(&mut shard);
        if shard.is_full() {
            shard.flush();
        }
    }
}

impl<C: Hash + Eq + Clone, H: Hash + Eq + Clone> Drop for ThreadShard<C, H> {
    fn drop(&mut self) {
        lock(&self.shards.idle).push(Arc::clone(&self.shard));
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{
            atomic::{AtomicU64, AtomicUsize, Ordering},
            mpsc,
        },
        thread,
    };

    use metrics::{CounterFn, HistogramFn};

    use super::*;

    /// A counter handle whose total the test reads.
    #[derive(Default)]
    struct Total(AtomicU64);

    impl CounterFn for Total {
        fn increment(&self, value: u64) {
            self.0.fetch_add(value, Ordering::Relaxed);
        }

        fn absolute(&self, value: u64) {
            self.0.store(value, Ordering::Relaxed);
        }
    }

    impl Total {
        fn get(&self) -> u64 {
            self.0.load(Ordering::Relaxed)
        }
    }

    /// A histogram handle that keeps its samples.
    #[derive(Default)]
    struct Samples(Mutex<Vec<f64>>);

    impl HistogramFn for Samples {
        fn record(&self, value: f64) {
            lock(&self.0).push(value);
        }
    }

    type TestShard = Shard<u8, u8>;

    fn leaked_shards() -> &'static Shards<u8, u8> {
        Box::leak(Box::new(Shards::new()))
    }

    #[test]
    fn buffers_updates_until_flushed_and_registers_each_label_set_once() {
        let total = Arc::new(Total::default());
        let samples = Arc::new(Samples::default());
        let registered = AtomicUsize::new(0);
        let counter = || {
            registered.fetch_add(1, Ordering::Relaxed);
            Counter::from_arc(Arc::clone(&total))
        };
        let histogram = || Histogram::from_arc(Arc::clone(&samples));
        let mut shard = TestShard::default();
        shard.count(&1, "a", 2, counter);
        shard.count(&1, "a", 3, counter);
        shard.sample(&1, "a", 0.5, histogram);
        shard.sample(&1, "a", 1.5, histogram);
        assert_eq!(total.get(), 0);
        assert!(lock(&samples.0).is_empty());

        shard.flush();
        assert_eq!(total.get(), 5);
        assert_eq!(*lock(&samples.0), [0.5, 1.5]);
        assert_eq!(registered.load(Ordering::Relaxed), 1);

        shard.flush();
        assert_eq!(total.get(), 5, "a flush records each update once");
        assert_eq!(lock(&samples.0).len(), 2);
    }

    #[test]
    fn a_thread_records_its_buffer_once_it_is_full() {
        let total = Arc::new(Total::default());
        let shard = leaked_shards().join();
        for _ in 0..FLUSH_AT {
            shard.update(|shard| shard.count(&0, "", 1, || Counter::from_arc(Arc::clone(&total))));
        }
        assert_eq!(total.get(), FLUSH_AT as u64);
    }

    #[test]
    fn label_sets_past_the_bounds_are_recorded_at_once() {
        let total = Arc::new(Total::default());
        let counter = || Counter::from_arc(Arc::clone(&total));
        let mut shard = TestShard::default();
        for index in 0..MAX_NAMES_PER_GROUP {
            shard.count(&0, &index.to_string(), 1, counter);
        }
        shard.count(&0, "one name too many", 1, counter);
        assert_eq!(total.get(), 1);

        let mut shard = TestShard::default();
        for group in 0..MAX_GROUPS {
            shard.count(&u8::try_from(group).unwrap_or(u8::MAX), "", 1, counter);
        }
        shard.count(&u8::MAX, "", 1, counter);
        assert_eq!(total.get(), 2);
        shard.flush();
        assert_eq!(total.get(), 2 + MAX_GROUPS as u64);
    }

    #[test]
    fn a_scrape_records_what_other_threads_buffered() {
        let shards = leaked_shards();
        let total = Arc::new(Total::default());
        let (buffered, scraped) = (mpsc::channel(), mpsc::channel::<()>());
        let worker = {
            let total = Arc::clone(&total);
            thread::spawn(move || {
                let shard = shards.join();
                shard.update(|shard| shard.count(&0, "", 7, || Counter::from_arc(total)));
                let _ = buffered.0.send(());
                let _ = scraped.1.recv();
            })
        };
        buffered.1.recv().expect("the worker buffers an update");
        assert_eq!(total.get(), 0);
        shards.flush_all();
        assert_eq!(total.get(), 7);
        let _ = scraped.0.send(());
        worker.join().expect("the worker ends");
        assert_eq!(total.get(), 7);
    }

    #[test]
    fn an_exiting_threads_buffer_goes_to_the_next_thread_and_to_the_scrape() {
        let shards = leaked_shards();
        let total = Arc::new(Total::default());
        let recorded = Arc::clone(&total);
        thread::spawn(move || {
            let shard = shards.join();
            shard.update(|shard| shard.count(&0, "", 4, || Counter::from_arc(recorded)));
        })
        .join()
        .expect("the thread ends");
        assert_eq!(total.get(), 0, "nothing is recorded while the thread exits");

        let next = shards.join();
        assert_eq!(
            lock(&shards.all).len(),
            1,
            "the next thread takes the shard over"
        );
        shards.flush_all();
        assert_eq!(total.get(), 4);
        drop(next);
    }
}
