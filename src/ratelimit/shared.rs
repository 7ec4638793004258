//! Limits shared by every instance: the same GCRA as the in-process
//! limiter, its state (one theoretical arrival time per key) in Redis and
//! each spend one atomic script on Redis's clock. While Redis cannot be
//! reached the instance falls back to its own in-process budget, so a
//! Redis outage loosens limits to one budget per instance but never fails
//! a request. That budget also carries every spend Redis allowed here, so a
//! caller does not get a whole fresh budget each time Redis stalls, and it
//! still refuses once Redis answers again, so spends made here during a stall
//! are not forgotten either.

use std::{num::NonZeroU32, time::Duration};

use redis::Script;

use super::{Budget, GcraLimiter, LimitKey, Limiter, Verdict};
use crate::cache::RedisStore;

/// Spends `cost` units (ARGV[3]) of a budget of `limit` (ARGV[2]) units
/// refilling one every ARGV[1] microseconds. Returns
/// `{allowed, wait_us, remaining, full_in_us}`.
const SPEND: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local emission = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local window = emission * limit
local new_tat = tat + cost * emission
local allow_at = new_tat - window
if allow_at > now then
  local remaining = math.floor((now - (tat - window)) / emission)
  return {0, allow_at - now, remaining, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {1, 0, math.floor((now - allow_at) / emission), new_tat - now}
";

/// A keyed budget in Redis, with an in-process fallback.
pub struct SharedLimiter {
    redis: RedisStore,
    script: Script,
    name: String,
    limit: NonZeroU32,
    refill_one: Duration,
    fallback: GcraLimiter,
}

impl SharedLimiter {
    /// `limit` units per `window` under the key family `name`.
    pub fn new(redis: RedisStore, name: &str, limit: NonZeroU32, window: Duration) -> Self {
        Self {
            name: format!("{}limit:{name}:", redis.prefix()),
            redis,
            script: Script::new(SPEND),
            limit,
            refill_one: (window / limit.get()).max(Duration::from_micros(1)),
            fallback: GcraLimiter::new(limit, window),
        }
    }

    fn budget(&self, remaining: u64, full_in_us: u64) -> Budget {
        let limit = self.limit.get();
        Budget {
            limit,
            remaining: u32::try_from(remaining).unwrap_or(limit).min(limit),
            full_in: Duration::from_micros(full_in_us),
        }
    }
}

#[async_trait::async_trait]
impl Limiter for SharedLimiter {
    async fn spend(&self, key: &LimitKey, cost: u32) -> Verdict {
        let limit = self.limit.get();
        if cost > limit {
            return Verdict::Refused {
                retry_after: self.refill_one * limit,
                budget: None,
            };
        }
        let emission = u64::try_from(self.refill_one.as_micros()).unwrap_or(u64::MAX);
        let args = [emission, u64::from(limit), u64::from(cost.max(1))];
        let shared_key = format!("{}{key}", self.name);
        let answer: Option<(u8, u64, u64, u64)> = self
            .redis
            .run_script("limit", &self.script, &shared_key, &args)
            .await;
        match answer {
            // This instance's own record holds every spend it allowed,
            // including those while Redis was unreachable, which Redis never
            // saw: when that record is spent, so is the shared budget.
            Some((1, _, remaining, full_in)) => match self.fallback.spend_now(key, cost) {
                refused @ Verdict::Refused { .. } => refused,
                Verdict::Allowed(_) => Verdict::Allowed(self.budget(remaining, full_in)),
            },
            Some((_, wait, remaining, full_in)) => Verdict::Refused {
                retry_after: Duration::from_micros(wait),
                budget: Some(self.budget(remaining, full_in)),
            },
            None => self.fallback.spend_now(key, cost),
        }
    }
}
