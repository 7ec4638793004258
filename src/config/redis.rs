//! The optional Redis server that instances share.

use clap::Args;

use super::DatabaseUrl;

/// Where Redis is, if anywhere; unset means one instance with in-process
/// implementations.
#[derive(Clone, Debug, Args)]
pub struct RedisSettings {
    /// `redis://[:password@]host:port[/db]`. Set, it carries event fan-out
    /// between instances; the server still starts and serves while it is
    /// down.
    #[arg(id = "redis_url", long = "redis-url", env = "REDIS_URL", value_parser = redis_url)]
    pub url: Option<DatabaseUrl>,

    /// Prefix of every Redis key and channel name, so that several
    /// deployments (or test runs) can share one server.
    #[arg(
        id = "redis_prefix",
        long = "redis-prefix",
        env = "STOREFRONT_REDIS_PREFIX",
        default_value = "storefront:"
    )]
    pub prefix: String,
}

fn redis_url(text: &str) -> Result<DatabaseUrl, String> {
    Ok(DatabaseUrl::from(text.to_owned()))
}
