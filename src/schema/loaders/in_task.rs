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

impl FlaggingWaker {
    /// The flag in `slot`, lowered and forwarding to `task`. The last one
    /// is reused unless a clone of it is still held somewhere (a timer, a
    /// socket, a loader), which could still raise it: most polls then cost
    /// no allocation.
    fn lowered<'s>(slot: &'s mut Option<Arc<Self>>, task: &Waker) -> &'s Arc<Self> {
        match slot.as_mut().and_then(Arc::get_mut) {
            Some(flag) => {
                *flag.woken.get_mut() = false;
                if !flag.task.will_wake(task) {
                    flag.task = task.clone();
                }
            }
            None => *slot = None,
        }
        slot.get_or_insert_with(|| {
            Arc::new(Self {
                woken: AtomicBool::new(false),
                task: task.clone(),
            })
        })
    }
}

/// Polls with `poll` until it is ready or blocked on something outside
/// itself; `None` means blocked. `flag` keeps the waker between polls.
fn poll_until_blocked<T>(
    mut poll: impl FnMut(&mut Context<'_>) -> Poll<T>,
    flag: &mut Option<Arc<FlaggingWaker>>,
    cx: &Context<'_>,
) -> Option<T> {
    for _ in 0..MAX_SELF_WAKES {
        let lowered = FlaggingWaker::lowered(flag, cx.waker());
        let waker = Waker::from(Arc::clone(lowered));
        if let Poll::Ready(output) = poll(&mut Context::from_waker(&waker)) {
            return Some(output);
        }
        if !lowered.woken.load(Ordering::Acquire) {
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
        let mut driving = Driving::default();
        poll_fn(move |cx| self.poll_driving(&mut driving, |cx| execution.as_mut().poll(cx), cx))
            .await
    }

    /// The items of `responses` (a subscription's), each resolved with its
    /// batches driven in between passes, as [`drive`](Self::drive) does.
    pub fn drive_stream<S: Stream + Unpin>(self, mut responses: S) -> impl Stream<Item = S::Item> {
        let mut driving = Driving::default();
        stream::poll_fn(move |cx| {
            self.poll_driving(&mut driving, |cx| responses.poll_next_unpin(cx), cx)
        })
    }

    /// One poll of the work `poll` stands for: run it until it is blocked,
    /// then the batches it handed over until they are all pending too.
    fn poll_driving<T>(
        &self,
        driving: &mut Driving,
        poll: impl FnMut(&mut Context<'_>) -> Poll<T>,
        cx: &mut Context<'_>,
    ) -> Poll<T> {
        if let Some(output) = poll_until_blocked(poll, &mut driving.flag, cx) {
            return Poll::Ready(output);
        }
        loop {
            let batches = self.take();
            if !batches.is_empty() {
                driving
                    .running
                    .get_or_insert_with(FuturesUnordered::new)
                    .extend(batches);
            }
            let Some(running) = driving.running.as_mut() else {
                return Poll::Pending;
            };
            match running.poll_next_unpin(cx) {
                Poll::Ready(Some(())) => continue,
                Poll::Ready(None) | Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// What driving one execution keeps between its polls.
#[derive(Default)]
struct Driving {
    /// The batches handed over and not finished; created with the first
    /// one: most small operations never hand one over, and an empty set
    /// still costs two allocations.
    running: Option<FuturesUnordered<BoxFuture<'static, ()>>>,
    /// The waker the execution was last polled with.
    flag: Option<Arc<FlaggingWaker>>,
}
