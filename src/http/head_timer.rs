//! hyper's HTTP/1 header-read timeout, kept by the connection's watch
//! instead of a tokio timer per request.
//!
//! hyper starts a header-read sleep each time it begins reading a request
//! head and drops it once the head is in. With hyper-util's `TokioTimer`,
//! every request on a kept-alive connection cloned the runtime's handle and
//! added and removed an entry in tokio's timer wheel, whose locks and
//! counters the worker threads share: on `{ __typename }` with two workers
//! a build without any header-read timeout spent 0.65 µs (7 %) less user
//! CPU a request (bench/RESULTS.md). [`HeadTimer`] only notes the deadline
//! and hyper's waker in the connection's [`HeadDeadline`]; the connection's
//! watch (`server::watch_connection`), which sleeps on its own deadlines
//! anyway, wakes hyper once the head is overdue, and hyper then closes the
//! connection as it did with its own timer.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use futures_util::task::AtomicWaker;
use hyper::rt::{Sleep, Timer};

/// No head is being read.
const DISARMED: u64 = 0;

/// Set beside a deadline once the watch has found it passed and woken
/// hyper: the sleep is then ready without reading the clock.
const FIRED: u64 = 1 << 63;

/// The deadline of the request head a connection is reading, if any, and
/// the task (hyper's connection) to wake when it passes.
pub(super) struct HeadDeadline {
    created: Instant,
    /// Nanoseconds from `created` to the deadline (at least 1, below
    /// [`FIRED`]), with [`FIRED`] once it has passed; or [`DISARMED`].
    at: AtomicU64,
    waker: AtomicWaker,
}

impl HeadDeadline {
    pub(super) fn new() -> Self {
        Self {
            created: Instant::now(),
            at: AtomicU64::new(DISARMED),
            waker: AtomicWaker::new(),
        }
    }

    /// The deadline of the head being read, if one is and has not passed.
    pub(super) fn armed(&self) -> Option<Instant> {
        match self.at.load(Ordering::Acquire) {
            DISARMED => None,
            at if at & FIRED != 0 => None,
            nanos => Some(self.created + Duration::from_nanos(nanos)),
        }
    }

    /// Wakes hyper if the head being read is overdue at `now`, once.
    pub(super) fn wake_if_due(&self, now: Instant) {
        let at = self.at.load(Ordering::Acquire);
        if at != DISARMED
            && at & FIRED == 0
            && self.created + Duration::from_nanos(at) <= now
            && self
                .at
                .compare_exchange(at, at | FIRED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            self.waker.wake();
        }
    }

    /// Whether the watch has found the deadline of `nanos` passed.
    fn has_fired(&self, nanos: u64) -> bool {
        self.at.load(Ordering::Acquire) == nanos | FIRED
    }

    fn nanos_of(&self, deadline: Instant) -> u64 {
        let nanos = deadline.saturating_duration_since(self.created).as_nanos();
        u64::try_from(nanos).unwrap_or(u64::MAX).clamp(1, FIRED - 1)
    }
}

/// hyper's timer for one HTTP/1 connection, which hyper's server uses for
/// the header-read timeout alone, one head at a time.
#[derive(Clone)]
pub(super) struct HeadTimer(pub(super) Arc<HeadDeadline>);

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        let nanos = self.0.nanos_of(deadline);
        self.0.at.store(nanos, Ordering::Release);
        Box::pin(HeadSleep {
            nanos,
            shared: Arc::clone(&self.0),
        })
    }
}

/// Ready once the connection's watch has found its deadline passed.
struct HeadSleep {
    nanos: u64,
    shared: Arc<HeadDeadline>,
}

impl Sleep for HeadSleep {}

impl Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.shared.has_fired(self.nanos) {
            return Poll::Ready(());
        }
        self.shared.waker.register(cx.waker());
        // The watch may have woken the previous waker meanwhile.
        if self.shared.has_fired(self.nanos) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for HeadSleep {
    /// Disarms its deadline, unless a later sleep has replaced it.
    fn drop(&mut self) {
        let at = self.shared.at.load(Ordering::Acquire);
        if at & !FIRED == self.nanos {
            let _ =
                self.shared
                    .at
                    .compare_exchange(at, DISARMED, Ordering::AcqRel, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use super::*;

    #[test]
    fn a_sleep_arms_its_deadline_and_disarms_it_when_dropped() {
        let timer = HeadTimer(Arc::new(HeadDeadline::new()));
        let deadline = Instant::now() + Duration::from_secs(30);
        let sleep = timer.sleep_until(deadline);
        let armed = timer.0.armed().expect("armed");
        assert!(armed.max(deadline) - armed.min(deadline) < Duration::from_micros(1));
        drop(sleep);
        assert_eq!(timer.0.armed(), None);
    }

    #[test]
    fn dropping_a_replaced_sleep_leaves_the_new_deadline_armed() {
        let timer = HeadTimer(Arc::new(HeadDeadline::new()));
        let first = timer.sleep(Duration::from_secs(30));
        let second = timer.sleep(Duration::from_secs(60));
        drop(first);
        assert!(timer.0.armed().is_some());
        drop(second);
        assert_eq!(timer.0.armed(), None);
    }

    #[test]
    fn an_overdue_head_is_woken_once_and_its_sleep_is_ready() {
        let timer = HeadTimer(Arc::new(HeadDeadline::new()));
        let mut sleep = timer.sleep(Duration::from_millis(20));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(sleep.as_mut().poll(&mut cx).is_pending());

        timer.0.wake_if_due(Instant::now());
        assert!(timer.0.armed().is_some(), "woken before its deadline");

        std::thread::sleep(Duration::from_millis(25));
        timer.0.wake_if_due(Instant::now());
        assert_eq!(timer.0.armed(), None, "disarmed once woken");
        assert!(sleep.as_mut().poll(&mut cx).is_ready());
    }
}
