//! The in-process limiter: governor's keyed GCRA, where a budget of `limit`
//! units per `window` refills one unit every `window / limit` and a spend of
//! `n` units takes `n` cells at once (`check_key_n`).

use std::{
    num::NonZeroU32,
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock, Reference},
    middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
};

use super::{Budget, LimitKey, Limiter, Verdict};

/// Spends between sweeps of keys whose budget is whole again.
const SWEEP_EVERY: u32 = 4096;

/// A keyed budget in this process's memory.
pub struct GcraLimiter<C: Clock = DefaultClock> {
    limiter: RateLimiter<LimitKey, DefaultKeyedStateStore<LimitKey>, C, StateInformationMiddleware>,
    limit: NonZeroU32,
    refill_one: Duration,
    clock: C,
    spends: AtomicU32,
}

impl GcraLimiter {
    /// `limit` units per `window`, on the monotonic clock.
    pub fn new(limit: NonZeroU32, window: Duration) -> Self {
        Self::with_clock(limit, window, DefaultClock::default())
    }
}

impl<C: Clock + Clone> GcraLimiter<C> {
    /// `limit` units per `window`, on `clock`.
    pub fn with_clock(limit: NonZeroU32, window: Duration, clock: C) -> Self {
        let refill_one = (window / limit.get()).max(Duration::from_nanos(1));
        // `with_period` refuses only a zero period, which `max` rules out.
        let quota = Quota::with_period(refill_one)
            .unwrap_or_else(|| Quota::per_second(limit))
            .allow_burst(limit);
        Self {
            limiter: RateLimiter::dashmap_with_clock(quota, clock.clone())
                .with_middleware::<StateInformationMiddleware>(),
            limit,
            refill_one,
            clock,
            spends: AtomicU32::new(0),
        }
    }

    fn sweep_now_and_then(&self) {
        if self.spends.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }

    /// Spends synchronously; [`Limiter::spend`] for this store.
    pub fn spend_now(&self, key: &LimitKey, cost: u32) -> Verdict {
        self.sweep_now_and_then();
        let limit = self.limit.get();
        let cells = NonZeroU32::new(cost).unwrap_or(NonZeroU32::MIN);
        match self.limiter.check_key_n(key, cells) {
            Ok(Ok(snapshot)) => Verdict::Allowed(self.budget(snapshot.remaining_burst_capacity())),
            Ok(Err(not_until)) => {
                let retry_after = not_until.wait_time_from(self.clock.now());
                // The wait covers exactly the units missing for this cost.
                let missing = retry_after.as_nanos().div_ceil(self.refill_one.as_nanos());
                let remaining = u128::from(cells.get()).saturating_sub(missing);
                Verdict::Refused {
                    retry_after,
                    budget: Some(self.budget(u32::try_from(remaining).unwrap_or(0))),
                }
            }
            // More than the whole budget: it never fits; a whole window
            // is the honest wait for the budget to be as large as it gets.
            Err(_) => Verdict::Refused {
                retry_after: self.refill_one * limit,
                budget: None,
            },
        }
    }

    fn budget(&self, remaining: u32) -> Budget {
        let limit = self.limit.get();
        let remaining = remaining.min(limit);
        Budget {
            limit,
            remaining,
            full_in: self.refill_one * (limit - remaining),
        }
    }
}

#[async_trait::async_trait]
impl<C> Limiter for GcraLimiter<C>
where
    C: Clock + Clone + Send + Sync,
    C::Instant: Reference + Send + Sync,
{
    async fn spend(&self, key: &LimitKey, cost: u32) -> Verdict {
        self.spend_now(key, cost)
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn limiter(
        limit: u32,
        window_secs: u64,
    ) -> (GcraLimiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let limit = NonZeroU32::new(limit).expect("non-zero");
        let limiter =
            GcraLimiter::with_clock(limit, Duration::from_secs(window_secs), clock.clone());
        (limiter, clock)
    }

    #[test]
    fn spends_until_the_budget_is_gone_then_says_when_to_retry() {
        let (limiter, _) = limiter(100, 100);
        let key = LimitKey::User(1);

        let Verdict::Allowed(budget) = limiter.spend_now(&key, 60) else {
            panic!("the first spend fits the budget");
        };
        assert_eq!(budget.remaining, 40);
        assert_eq!(budget.full_in, Duration::from_secs(60));

        let refused = limiter.spend_now(&key, 50);
        assert_eq!(
            refused,
            Verdict::Refused {
                retry_after: Duration::from_secs(10),
                budget: Some(Budget {
                    limit: 100,
                    remaining: 40,
                    full_in: Duration::from_secs(60)
                })
            }
        );
        assert_eq!(refused.retry_after_secs(), Some(10));
        assert!(matches!(limiter.spend_now(&key, 40), Verdict::Allowed(_)));
    }

    #[test]
    fn the_budget_refills_over_the_window() {
        let (limiter, clock) = limiter(10, 60);
        let key = LimitKey::Account {
            action: "login",
            email: "a@example.com".to_owned(),
        };
        assert!(matches!(limiter.spend_now(&key, 10), Verdict::Allowed(_)));
        assert!(matches!(
            limiter.spend_now(&key, 1),
            Verdict::Refused { .. }
        ));

        clock.advance(Duration::from_secs(6));
        assert!(matches!(limiter.spend_now(&key, 1), Verdict::Allowed(_)));
        assert!(matches!(
            limiter.spend_now(&key, 1),
            Verdict::Refused { .. }
        ));

        clock.advance(Duration::from_secs(60));
        let Verdict::Allowed(budget) = limiter.spend_now(&key, 1) else {
            panic!("a whole window later the budget is back");
        };
        assert_eq!(budget.remaining, 9);
    }

    #[test]
    fn keys_have_separate_budgets() {
        let (limiter, _) = limiter(5, 60);
        assert!(matches!(
            limiter.spend_now(&LimitKey::User(1), 5),
            Verdict::Allowed(_)
        ));
        assert!(matches!(
            limiter.spend_now(&LimitKey::User(2), 5),
            Verdict::Allowed(_)
        ));
        assert!(matches!(
            limiter.spend_now(&LimitKey::User(1), 1),
            Verdict::Refused { .. }
        ));
    }

    #[test]
    fn a_cost_above_the_whole_budget_is_refused_without_spending() {
        let (limiter, _) = limiter(5, 60);
        assert_eq!(
            limiter.spend_now(&LimitKey::User(1), 6),
            Verdict::Refused {
                retry_after: Duration::from_secs(60),
                budget: None
            }
        );
        assert!(matches!(
            limiter.spend_now(&LimitKey::User(1), 5),
            Verdict::Allowed(_)
        ));
    }
}
