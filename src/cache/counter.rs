//! Reads of the fleet's invalidation counter, shared by concurrent callers.
//!
//! Every cached read takes the counter before it reads anything: to know
//! which invalidations its L1 must have applied, and to stamp what it
//! stores. A value read after a caller asked is as good for it as one it
//! read itself, so callers that ask while a read is in flight wait for
//! the next one and share it: one round trip per round trip's worth of
//! requests instead of one per request.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Mutex;

/// The last shared read, and which callers it answers.
#[derive(Default)]
struct Last {
    /// Every caller whose ticket is at most this asked before it was sent.
    covers: u64,
    value: Option<u64>,
}

/// Coalesced reads of one counter.
#[derive(Default)]
pub(super) struct CounterReads {
    /// Tickets handed out, one per caller.
    asked: AtomicU64,
    last: Mutex<Last>,
}

impl CounterReads {
    /// The counter, as read by `read` at some point after this call began:
    /// by this caller, or by another one that sent its read later.
    pub(super) async fn read<F>(&self, read: impl FnOnce() -> F) -> Option<u64>
    where
        F: Future<Output = Option<u64>>,
    {
        let ticket = self.asked.fetch_add(1, Ordering::SeqCst) + 1;
        let mut last = self.last.lock().await;
        if last.covers >= ticket {
            return last.value;
        }
        // Every ticket up to here was taken before this read is sent.
        let covers = self.asked.load(Ordering::SeqCst);
        let value = read().await;
        *last = Last { covers, value };
        value
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, atomic::AtomicUsize};

    use super::*;

    #[tokio::test]
    async fn callers_that_ask_during_a_read_share_the_next_one() {
        let reads = Arc::new(CounterReads::default());
        let sent = Arc::new(AtomicUsize::new(0));
        let (release, gate) = tokio::sync::watch::channel(false);
        let read = |reads: Arc<CounterReads>, sent: Arc<AtomicUsize>| {
            let mut gate = gate.clone();
            async move {
                reads
                    .read(|| async move {
                        let number = sent.fetch_add(1, Ordering::SeqCst) + 1;
                        let _ = gate.wait_for(|open| *open).await;
                        Some(u64::try_from(number).unwrap_or(0))
                    })
                    .await
            }
        };
        let first = tokio::spawn(read(reads.clone(), sent.clone()));
        while sent.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        // Asked while the first read is in flight: answered by a later one.
        let waiting: Vec<_> = (0..5)
            .map(|_| tokio::spawn(read(reads.clone(), sent.clone())))
            .collect();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let _ = release.send(true);
        assert_eq!(first.await.ok().flatten(), Some(1));
        for caller in waiting {
            assert_eq!(caller.await.ok().flatten(), Some(2));
        }
        assert_eq!(sent.load(Ordering::SeqCst), 2);
    }
}
