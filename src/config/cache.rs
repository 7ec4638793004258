//! The response and entity caches: how long and how much.

use std::time::Duration;

use clap::Args;

use super::parse::duration;

/// Settings of the response cache (in process, or in Redis with
/// `REDIS_URL`).
#[derive(Clone, Debug, Args)]
pub struct CacheSettings {
    /// Longest life of a cached public response (`300`, `5m`); `0` turns
    /// the response cache off. Writes invalidate entries at once, so this
    /// only bounds what a lost invalidation could leave behind.
    #[arg(
        long = "response-cache-ttl",
        env = "STOREFRONT_RESPONSE_CACHE_TTL",
        default_value = "5m",
        value_parser = duration
    )]
    pub response_ttl: Duration,

    /// Most megabytes of responses kept in process: the whole response
    /// cache without Redis, the L1 in front of it with Redis.
    #[arg(
        long = "response-cache-mb",
        env = "STOREFRONT_RESPONSE_CACHE_MB",
        default_value_t = 64,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub response_max_mb: u64,

    /// Longest life of a response in the per-instance L1 in front of the
    /// Redis response cache; `0`: no L1, every lookup asks Redis. An L1
    /// entry is served only once this instance has applied every
    /// invalidation committed before the read began.
    #[arg(
        long = "response-cache-l1-ttl",
        env = "STOREFRONT_RESPONSE_CACHE_L1_TTL",
        default_value = "10s",
        value_parser = duration
    )]
    pub response_l1_ttl: Duration,

    /// How long browsers and CDNs may keep the answer to a public query
    /// sent anonymously over GET (`Cache-Control: public, max-age=…`);
    /// `0`: every GET answer is `private, no-store`.
    #[arg(
        long = "http-cache-max-age",
        env = "STOREFRONT_HTTP_CACHE_MAX_AGE",
        default_value = "60",
        value_parser = duration
    )]
    pub http_max_age: Duration,

    /// Longest life of an entity-cache entry (rows, rating summaries and
    /// public nested pages under the loaders); `0` turns the entity cache
    /// off. Writes invalidate entries at once.
    #[arg(
        long = "entity-cache-ttl",
        env = "STOREFRONT_ENTITY_CACHE_TTL",
        default_value = "5m",
        value_parser = duration
    )]
    pub entity_ttl: Duration,

    /// Longest life of an entry of the per-instance L1 in front of the
    /// Redis entity cache; `0`: no L1, every entity read asks Redis.
    /// Without Redis the in-process cache is the entity cache and lives
    /// `STOREFRONT_ENTITY_CACHE_TTL`.
    #[arg(
        long = "entity-cache-l1-ttl",
        env = "STOREFRONT_ENTITY_CACHE_L1_TTL",
        default_value = "10s",
        value_parser = duration
    )]
    pub entity_l1_ttl: Duration,

    /// Most entries kept in process by the entity cache.
    #[arg(
        long = "entity-cache-l1-entries",
        env = "STOREFRONT_ENTITY_CACHE_L1_ENTRIES",
        default_value_t = 100_000,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub entity_l1_entries: u64,

    /// Test aid, honoured in development only: a pause between an entity
    /// miss's database read and its write-back to the cache.
    #[arg(
        long = "entity-cache-store-delay",
        env = "STOREFRONT_ENTITY_CACHE_STORE_DELAY",
        default_value = "0",
        value_parser = duration,
        hide = true
    )]
    pub entity_store_delay: Duration,

    /// Test aid, honoured in development only: a pause between a missed
    /// operation's reads and the store of its response, to let a test
    /// commit a write inside that gap.
    #[arg(
        long = "response-cache-store-delay",
        env = "STOREFRONT_RESPONSE_CACHE_STORE_DELAY",
        default_value = "0",
        value_parser = duration,
        hide = true
    )]
    pub store_delay: Duration,
}
