//! Budgets per caller: the cost points each user (or anonymous client IP)
//! may spend on operations, and the login and register attempts each IP and
//! each account may make. The limiters sit behind [`Limiter`] so that a
//! shared store (Redis) can replace the in-process one.

mod gcra;
mod key;
mod shared;

use std::{num::NonZeroU32, sync::Arc, time::Duration};

pub use gcra::GcraLimiter;
pub use key::LimitKey;
pub use shared::SharedLimiter;

use crate::{cache::RedisStore, config::LimitSettings};

/// What a caller has left after a successful spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// The whole budget per window.
    pub limit: u32,
    /// What can still be spent right now.
    pub remaining: u32,
    /// When the budget will be whole again if nothing more is spent.
    pub full_in: Duration,
}

/// The answer of a limiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Spent; this is what is left.
    Allowed(Budget),
    /// Nothing was spent: the cost is affordable again after `retry_after`.
    Refused {
        /// How long to wait.
        retry_after: Duration,
        /// What is left now, when the cost could ever fit the budget.
        budget: Option<Budget>,
    },
}

impl Verdict {
    /// The caller's budget after this verdict, when known.
    pub fn budget(&self) -> Option<Budget> {
        match self {
            Self::Allowed(budget) => Some(*budget),
            Self::Refused { budget, .. } => *budget,
        }
    }

    /// Whole seconds to wait before retrying (at least 1), for refusals.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Allowed(_) => None,
            Self::Refused { retry_after, .. } => {
                let whole = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                Some(whole.max(1))
            }
        }
    }
}

/// A budget per key that refills continuously over a window.
#[async_trait::async_trait]
pub trait Limiter: Send + Sync {
    /// Spends `cost` units of `key`'s budget if it has them all; a cost
    /// above the whole budget is always refused.
    async fn spend(&self, key: &LimitKey, cost: u32) -> Verdict;
}

/// Every limiter the API enforces; an absent one is switched off.
#[derive(Clone, Default)]
pub struct RateLimits {
    /// Operation cost per user, or per client IP when anonymous.
    pub cost: Option<Arc<dyn Limiter>>,
    /// `login`/`register` attempts per client IP.
    pub login_per_ip: Option<Arc<dyn Limiter>>,
    /// `login`/`register` attempts per email.
    pub login_per_account: Option<Arc<dyn Limiter>>,
}

fn in_process(limit: u32, window: Duration) -> Option<Arc<dyn Limiter>> {
    NonZeroU32::new(limit)
        .map(|limit| Arc::new(GcraLimiter::new(limit, window)) as Arc<dyn Limiter>)
}

fn shared(
    redis: &RedisStore,
    name: &str,
    limit: u32,
    window: Duration,
) -> Option<Arc<dyn Limiter>> {
    NonZeroU32::new(limit).map(|limit| {
        Arc::new(SharedLimiter::new(redis.clone(), name, limit, window)) as Arc<dyn Limiter>
    })
}

impl RateLimits {
    /// The limits of `settings`, shared by every instance through `redis`
    /// (each falling back to this process while Redis cannot be reached).
    pub fn shared(limits: &LimitSettings, redis: &RedisStore) -> Self {
        Self {
            cost: shared(
                redis,
                "cost",
                limits.rate_limit_budget,
                limits.rate_limit_window,
            ),
            login_per_ip: shared(
                redis,
                "login-ip",
                limits.login_limit_per_ip,
                limits.login_limit_window,
            ),
            login_per_account: shared(
                redis,
                "login-account",
                limits.login_limit_per_account,
                limits.login_limit_window,
            ),
        }
    }

    /// The limits of `settings`, kept in this process.
    pub fn in_process(limits: &LimitSettings) -> Self {
        Self {
            cost: in_process(limits.rate_limit_budget, limits.rate_limit_window),
            login_per_ip: in_process(limits.login_limit_per_ip, limits.login_limit_window),
            login_per_account: in_process(
                limits.login_limit_per_account,
                limits.login_limit_window,
            ),
        }
    }
}
