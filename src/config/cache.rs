//! The response cache: how long and how much.

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

    /// Most megabytes of responses kept in process (without Redis).
    #[arg(
        long = "response-cache-mb",
        env = "STOREFRONT_RESPONSE_CACHE_MB",
        default_value_t = 64,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub response_max_mb: u64,

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
