//! Runtime settings, read from the environment and overridable by flags,
//! grouped by the part of the service they tune. Each command flattens only
//! the groups it uses, so `storefront migrate` accepts no HTTP flag.
//!
//! Secrets are [`secrecy::SecretString`] and the database URL redacts its
//! password, so `Debug` output (logged at start) can never leak them.

mod auth;
mod cache;
mod dashboard;
mod database;
mod events;
mod http;
mod limits;
mod parse;
mod persisted;
mod redis;
mod websocket;

use std::time::Duration;

use clap::{Args, ValueEnum};

pub use auth::AuthSettings;
pub use cache::CacheSettings;
pub use dashboard::DashboardSettings;
pub use database::{DatabaseSettings, DatabaseUrl};
pub use events::EventSettings;
pub use http::{HttpSettings, Origins, TrustedProxies};
pub use limits::LimitSettings;
pub use persisted::PersistedSettings;
pub use redis::RedisSettings;
pub use websocket::WebSocketSettings;

/// Which audience the server is tuned for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    /// GraphiQL, introspection and per-response `extensions.stats`.
    Development,
    /// No introspection, no field suggestions, no stats, no GraphiQL.
    Production,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line, for log shippers.
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

/// Everything `storefront serve` needs.
#[derive(Clone, Debug, Args)]
pub struct Settings {
    /// `development` or `production`.
    #[arg(
        long = "env",
        env = "STOREFRONT_ENV",
        value_enum,
        default_value = "development"
    )]
    pub environment: Environment,

    /// ISO 4217 code of the store's single currency.
    #[arg(long, env = "STOREFRONT_CURRENCY", default_value = "USD")]
    pub currency: String,

    /// How long an idempotency key of `placeOrder` is remembered (`86400`,
    /// `24h`); a replay after that places a new order. Expired keys (and
    /// refresh-token families whose every token expired) are deleted hourly.
    #[arg(
        long = "idempotency-key-ttl-secs",
        env = "STOREFRONT_IDEMPOTENCY_KEY_TTL",
        default_value = "24h",
        value_parser = parse::duration
    )]
    pub idempotency_key_ttl: Duration,

    /// Do not apply pending migrations when serving (serving then refuses
    /// to start while any are pending).
    #[arg(
        long,
        env = "STOREFRONT_NO_MIGRATE",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub no_migrate: bool,

    /// Where the data lives.
    #[command(flatten)]
    pub database: DatabaseSettings,

    /// A read replica for read-only operations (queries): they take their
    /// connection from a pool on it, while mutations, and every read inside
    /// them, stay on `DATABASE_URL`. Unset: everything uses `DATABASE_URL`.
    /// The replica pool has the same size and timeout as the primary's.
    #[arg(
        long = "database-read-url",
        env = "DATABASE_READ_URL",
        value_parser = database::database_url
    )]
    pub database_read_url: Option<DatabaseUrl>,

    /// The HTTP server.
    #[command(flatten)]
    pub http: HttpSettings,

    /// Access and refresh tokens.
    #[command(flatten)]
    pub auth: AuthSettings,

    /// Document limits and rate limits.
    #[command(flatten)]
    pub limits: LimitSettings,

    /// GraphQL over WebSocket.
    #[command(flatten)]
    pub websocket: WebSocketSettings,

    /// The event outbox and subscriptions.
    #[command(flatten)]
    pub events: EventSettings,

    /// The Redis server shared by instances.
    #[command(flatten)]
    pub redis: RedisSettings,

    /// The response cache.
    #[command(flatten)]
    pub cache: CacheSettings,

    /// Persisted (trusted) documents.
    #[command(flatten)]
    pub persisted: PersistedSettings,

    /// The live dashboard.
    #[command(flatten)]
    pub dashboard: DashboardSettings,
}

impl Settings {
    /// True when responses may carry development aids (stats, GraphiQL).
    pub fn is_development(&self) -> bool {
        self.environment == Environment::Development
    }
}
