//! Cache figures: response-cache and entity-cache hits and misses per tier
//! (and entity), stores refused by a concurrent write, invalidations sent
//! and applied, Redis errors and the breaker's state.

use metrics::{counter, gauge};

/// Which store answered.
#[derive(Clone, Copy, Debug)]
pub enum Tier {
    /// This process (the whole cache, without Redis).
    Memory,
    /// This instance's L1 in front of Redis.
    Local,
    /// The Redis shared by every instance.
    Redis,
}

impl Tier {
    fn label(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Local => "l1",
            Self::Redis => "redis",
        }
    }
}

/// A public operation was looked up in `tier`, and served from it (`hit`)
/// or not (absent or stale).
pub fn looked_up(tier: Tier, hit: bool) {
    if hit {
        counter!("response_cache_hits_total", "tier" => tier.label()).increment(1);
    } else {
        counter!("response_cache_misses_total", "tier" => tier.label()).increment(1);
    }
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

/// Where an entity read was answered.
#[derive(Clone, Copy, Debug)]
pub enum EntityTier {
    /// This instance's L1.
    Local,
    /// The Redis L2 shared by every instance.
    Redis,
}

impl EntityTier {
    fn label(self) -> &'static str {
        match self {
            Self::Local => "l1",
            Self::Redis => "redis",
        }
    }
}

/// `count` entries of `entity` were looked up in `tier` and found
/// (`hit`) or not.
pub fn entity_reads(tier: EntityTier, entity: &'static str, hit: bool, count: usize) {
    if count == 0 {
        return;
    }
    let name = if hit {
        "entity_cache_hits_total"
    } else {
        "entity_cache_misses_total"
    };
    counter!(name, "tier" => tier.label(), "entity" => entity)
        .increment(u64::try_from(count).unwrap_or(u64::MAX));
}

/// Entity entries were not kept because a write may have changed them
/// after they were read.
pub fn entity_stores_refused(tier: EntityTier, count: usize) {
    if count == 0 {
        return;
    }
    counter!("entity_cache_stores_refused_total", "tier" => tier.label())
        .increment(u64::try_from(count).unwrap_or(u64::MAX));
}

/// An invalidation published by some instance reached this one's L1.
pub fn invalidation_applied() {
    counter!("entity_cache_invalidations_applied_total").increment(1);
}

/// Whether this instance's L1 follows the invalidations (and so may
/// answer).
pub fn l1_listening(listening: bool) {
    gauge!("entity_cache_l1_listening").set(if listening { 1.0 } else { 0.0 });
}
