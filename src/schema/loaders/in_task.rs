//! Runs a request's loader batches inside the request's own task.
//!
//! async-graphql's `DataLoader` normally spawns each batch as a task that
//! takes the keys registered so far after a short delay. When the request's
//! task is preempted in the middle of resolving a list, that task can fire
//! early and split one level into two statements, so the statement count
//! would depend on machine load. Here a batch is only polled once the
//! executor is blocked: it returned `Pending` without waking itself (list
//! resolution yields voluntarily part-way through long lists, and is
//! re-polled until it stops doing so). By then every sibling has registered
//! its key: one level, one batch, whatever the load. Subscriptions drive
//! each event's resolution the same way (`drive_stream`).

use std::{
    future::{Future, poll_fn},
    pin::pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Wake, Waker},
};

use futures_util::{
    Stream, StreamExt,
    future::BoxFuture,
    stream::{self, FuturesUnordered},
};

use crate::sync::lock;

/// Re-polls allowed while the executor keeps waking itself; far above what
/// any query accepted by the depth and complexity limits needs.
const MAX_SELF_WAKES: usize = 100_000;

/// Forwards wakes to the task and remembers that one happened.
struct FlaggingWaker {
    woken: AtomicBool,
    task: Waker,
}

impl Wake for FlaggingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake_by_ref();
    }
}

/// Polls with `poll` until it is ready or blocked on something outside
/// itself; `None` means blocked.
fn poll_until_blocked<T>(
    mut poll: impl FnMut(&mut Context<'_>) -> Poll<T>,
    cx: &Context<'_>,
) -> Option<T> {
    for _ in 0..MAX_SELF_WAKES {
        let flag = Arc::new(FlaggingWaker {
            woken: AtomicBool::new(false),
            task: cx.waker().clone(),
        });
        let waker = Waker::from(flag.clone());
        if let Poll::Ready(output) = poll(&mut Context::from_waker(&waker)) {
            return Some(output);
        }
        if !flag.woken.load(Ordering::Acquire) {
            return None;
        }
    }
    None
}

/// Batches handed over by the loaders, waiting to be driven.
#[derive(Clone, Default)]
pub struct BatchQueue {
    spawned: Arc<Mutex<Vec<BoxFuture<'static, ()>>>>,
}

impl BatchQueue {
    /// The spawner given to `DataLoader::new`.
    pub fn spawner(&self) -> impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static {
        let spawned = self.spawned.clone();
        move |batch| {
            lock(&spawned).push(batch);
        }
    }

    fn take(&self) -> Vec<BoxFuture<'static, ()>> {
        std::mem::take(&mut *lock(&self.spawned))
    }

    /// Runs `execution` to completion, driving its batches in between passes.
    pub async fn drive<F: Future>(self, execution: F) -> F::Output {
        let mut execution = pin!(execution);
        let mut running = None;
        poll_fn(move |cx| self.poll_driving(&mut running, |cx| execution.as_mut().poll(cx), cx))
            .await
    }

    /// The items of `responses` (a subscription's), each resolved with its
    /// batches driven in between passes, as [`drive`](Self::drive) does.
    pub fn drive_stream<S: Stream + Unpin>(self, mut responses: S) -> impl Stream<Item = S::Item> {
        let mut running = None;
        stream::poll_fn(move |cx| {
            self.poll_driving(&mut running, |cx| responses.poll_next_unpin(cx), cx)
        })
    }

    /// One poll of the work `poll` stands for: run it until it is blocked,
    /// then the batches it handed over until they are all pending too.
    /// `running` is created with the first batch: most small operations
    /// never hand one over, and an empty set still costs two allocations.
    fn poll_driving<T>(
        &self,
        running: &mut Option<FuturesUnordered<BoxFuture<'static, ()>>>,
        poll: impl FnMut(&mut Context<'_>) -> Poll<T>,
        cx: &mut Context<'_>,
    ) -> Poll<T> {
        if let Some(output) = poll_until_blocked(poll, cx) {
            return Poll::Ready(output);
        }
        loop {
            let batches = self.take();
            if !batches.is_empty() {
                running
                    .get_or_insert_with(FuturesUnordered::new)
                    .extend(batches);
            }
            let Some(running) = running.as_mut() else {
                return Poll::Pending;
            };
            match running.poll_next_unpin(cx) {
                Poll::Ready(Some(())) => continue,
                Poll::Ready(None) | Poll::Pending => return Poll::Pending,
            }
        }
    }
}
