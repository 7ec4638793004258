//! A circuit breaker for the cache's Redis calls: after a failure, Redis is
//! left alone for a moment, so that a dead Redis costs requests nothing
//! instead of a timeout each.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

/// How long Redis is skipped after a failed call.
const OPEN_FOR: Duration = Duration::from_secs(1);

/// Open (skipping Redis) for a short while after each failure; the first
/// call after that is the trial that closes it again.
pub struct Breaker {
    origin: Instant,
    /// Milliseconds since `origin` when it last opened, plus one; 0: closed.
    opened: AtomicU64,
}

impl Default for Breaker {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
            opened: AtomicU64::new(0),
        }
    }
}

impl Breaker {
    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .saturating_add(1)
    }

    /// Whether a call may go to Redis now.
    pub fn allows(&self) -> bool {
        let opened = self.opened.load(Ordering::Acquire);
        opened == 0 || self.now().saturating_sub(opened) >= duration_ms(OPEN_FOR)
    }

    /// Whether the breaker is open (Redis is being skipped).
    pub fn is_open(&self) -> bool {
        !self.allows()
    }

    /// A call failed or timed out: skip Redis for a while.
    pub fn failed(&self) {
        self.opened.store(self.now(), Ordering::Release);
    }

    /// A call succeeded: Redis is back.
    pub fn succeeded(&self) {
        self.opened.store(0, Ordering::Release);
    }
}

fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_opens_it_and_a_success_closes_it() {
        let breaker = Breaker::default();
        assert!(breaker.allows());
        breaker.failed();
        assert!(breaker.is_open());
        breaker.succeeded();
        assert!(breaker.allows());
    }
}
