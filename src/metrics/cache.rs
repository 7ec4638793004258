//! Response-cache figures: hits and misses per tier, stores refused by a
//! concurrent write, invalidations, Redis errors and the breaker's state.

use metrics::{counter, gauge};

/// Which store answered.
#[derive(Clone, Copy, Debug)]
pub enum Tier {
    /// This process.
    Memory,
    /// The Redis shared by every instance.
    Redis,
}

impl Tier {
    fn label(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Redis => "redis",
        }
    }
}

/// A public operation was served from the cache.
pub fn hit(tier: Tier) {
    counter!("response_cache_hits_total", "tier" => tier.label()).increment(1);
}

/// A public operation was not in the cache (or its entry was stale).
pub fn miss(tier: Tier) {
    counter!("response_cache_misses_total", "tier" => tier.label()).increment(1);
}

/// A response was not stored because a write it may predate had
/// invalidated one of its tags meanwhile.
pub fn store_refused(tier: Tier) {
    counter!("response_cache_stores_refused_total", "tier" => tier.label()).increment(1);
}

/// A committed write invalidated its tags.
pub fn invalidated(tier: Tier, tags: usize) {
    counter!("response_cache_invalidations_total", "tier" => tier.label()).increment(1);
    counter!("response_cache_invalidated_tags_total", "tier" => tier.label())
        .increment(u64::try_from(tags).unwrap_or(u64::MAX));
}

/// A Redis call of the cache failed or timed out.
pub fn redis_error(call: &'static str) {
    counter!("response_cache_redis_errors_total", "call" => call).increment(1);
}

/// Whether the cache is skipping Redis after failures.
pub fn breaker_open(open: bool) {
    gauge!("response_cache_breaker_open").set(if open { 1.0 } else { 0.0 });
}
