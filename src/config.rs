//! Runtime settings, read from the environment and overridable by flags.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    str::FromStr,
    time::Duration,
};

use clap::{Args, ValueEnum};
use ipnet::IpNet;

/// Which audience the server is tuned for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    /// GraphiQL, introspection and per-response `extensions.stats`.
    Development,
    /// No introspection, no field suggestions, no stats, no GraphiQL.
    Production,
}

/// Every setting of the contract, each an environment variable and a flag.
#[derive(Clone, Args)]
pub struct Settings {
    /// Database to use: `sqlite://…` (embedded) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://storefront.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "STOREFRONT_LISTEN",
        default_value = "127.0.0.1:8000",
        global = true
    )]
    pub listen: SocketAddr,

    /// `development` or `production`.
    #[arg(
        long = "env",
        env = "STOREFRONT_ENV",
        value_enum,
        default_value = "development",
        global = true
    )]
    pub environment: Environment,

    /// Largest number of pooled database connections.
    #[arg(
        long,
        env = "STOREFRONT_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,

    /// Seconds to wait for a pooled connection before failing the request.
    #[arg(
        long,
        env = "STOREFRONT_DB_ACQUIRE_TIMEOUT",
        default_value_t = 5,
        global = true
    )]
    pub db_acquire_timeout_secs: u64,

    /// ISO 4217 code of the store's single currency.
    #[arg(
        long,
        env = "STOREFRONT_CURRENCY",
        default_value = "USD",
        global = true
    )]
    pub currency: String,

    /// Largest accepted request body, in bytes (larger gets 413).
    #[arg(
        long,
        env = "STOREFRONT_MAX_BODY_BYTES",
        default_value_t = 1 << 20,
        global = true
    )]
    pub max_body_bytes: usize,

    /// Deepest selection nesting accepted.
    #[arg(
        long,
        env = "STOREFRONT_MAX_DEPTH",
        default_value_t = 15,
        global = true
    )]
    pub max_depth: usize,

    /// Highest query cost accepted; a connection costs its page size times
    /// the cost of what it selects, so nested connections multiply.
    #[arg(
        long,
        env = "STOREFRONT_MAX_COMPLEXITY",
        default_value_t = 100_000,
        global = true
    )]
    pub max_complexity: usize,

    /// Most aliased fields accepted in one document.
    #[arg(
        long,
        env = "STOREFRONT_MAX_ALIASES",
        default_value_t = 50,
        global = true
    )]
    pub max_aliases: usize,

    /// Most directives accepted in one document.
    #[arg(
        long,
        env = "STOREFRONT_MAX_DIRECTIVES",
        default_value_t = 50,
        global = true
    )]
    pub max_directives: usize,

    /// Most lexical tokens accepted in one document, counted before parsing
    /// (punctuators, names, values; not whitespace, commas or comments).
    #[arg(
        long,
        env = "STOREFRONT_MAX_TOKENS",
        default_value_t = 5_000,
        global = true
    )]
    pub max_tokens: usize,

    /// Most operations in one batched (JSON array) request; 0 turns
    /// batching off.
    #[arg(
        long,
        env = "STOREFRONT_MAX_BATCH_OPERATIONS",
        default_value_t = 0,
        global = true
    )]
    pub max_batch_operations: usize,

    /// Seconds a request may take, body included, before it is cancelled
    /// (its transaction rolls back); 0 means no limit.
    #[arg(
        long = "request-timeout",
        env = "STOREFRONT_REQUEST_TIMEOUT",
        default_value_t = 30,
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Cost points each user (each client IP when anonymous) may spend per
    /// window; every operation spends its complexity. 0 turns it off.
    #[arg(
        long,
        env = "STOREFRONT_RATE_LIMIT_BUDGET",
        default_value_t = 1_000_000,
        global = true
    )]
    pub rate_limit_budget: u32,

    /// Seconds in which a spent budget is fully restored (continuously).
    #[arg(
        long = "rate-limit-window",
        env = "STOREFRONT_RATE_LIMIT_WINDOW",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub rate_limit_window_secs: u64,

    /// `login` and `register` attempts one client IP may make per login
    /// window, each aliased or batched field counting; 0 turns it off.
    #[arg(
        long,
        env = "STOREFRONT_LOGIN_LIMIT_PER_IP",
        default_value_t = 20,
        global = true
    )]
    pub login_limit_per_ip: u32,

    /// `login` and `register` attempts naming one email per login window;
    /// 0 turns it off.
    #[arg(
        long,
        env = "STOREFRONT_LOGIN_LIMIT_PER_ACCOUNT",
        default_value_t = 5,
        global = true
    )]
    pub login_limit_per_account: u32,

    /// Seconds in which spent login attempts are fully restored.
    #[arg(
        long = "login-limit-window",
        env = "STOREFRONT_LOGIN_LIMIT_WINDOW",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub login_limit_window_secs: u64,

    /// Origins allowed to call the API from a browser, comma-separated
    /// (`https://shop.example.com`); empty means no cross-origin access.
    #[arg(
        long,
        env = "STOREFRONT_CORS_ORIGINS",
        default_value = "",
        value_parser = parse_origins,
        global = true
    )]
    pub cors_origins: Origins,

    /// `max-age` of `Strict-Transport-Security`, sent only when above 0:
    /// set it when clients reach the server over HTTPS.
    #[arg(
        long = "hsts-max-age",
        env = "STOREFRONT_HSTS_MAX_AGE",
        default_value_t = 0,
        global = true
    )]
    pub hsts_max_age_secs: u64,

    /// Networks of the reverse proxies in front of the server, as
    /// comma-separated CIDRs or addresses (`10.0.0.0/8, 192.0.2.7`): only
    /// their `X-Forwarded-For` / `Forwarded` is believed for the client
    /// address. Empty means none.
    #[arg(
        long,
        env = "STOREFRONT_TRUSTED_PROXIES",
        default_value = "",
        value_parser = TrustedProxies::from_str,
        global = true
    )]
    pub trusted_proxies: TrustedProxies,

    /// Seconds a connection may take to send a complete request head, from
    /// when it opens or its previous response ends (so it also bounds idle
    /// HTTP/1 keep-alive connections).
    #[arg(
        long = "header-read-timeout",
        env = "STOREFRONT_HEADER_READ_TIMEOUT",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub header_read_timeout_secs: u64,

    /// Seconds a connection may stay open with no request in flight before
    /// the server closes it (HTTP/1 and HTTP/2).
    #[arg(
        long = "keep-alive-timeout",
        env = "STOREFRONT_KEEP_ALIVE_TIMEOUT",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub keep_alive_timeout_secs: u64,

    /// Most client connections open at once; past it, new connections wait
    /// to be accepted while open ones are served. Keep it below the open
    /// file limit (`ulimit -n`).
    #[arg(
        long,
        env = "STOREFRONT_MAX_CONNECTIONS",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub max_connections: u32,

    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
    #[arg(
        long,
        env = "STOREFRONT_SHUTDOWN_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub shutdown_timeout_secs: u64,

    /// Do not apply pending migrations when serving (serving then refuses
    /// to start while any are pending).
    #[arg(
        long,
        env = "STOREFRONT_NO_MIGRATE",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new(),
        global = true
    )]
    pub no_migrate: bool,

    /// HS256 secret for access tokens (at least 32 bytes). Required in
    /// production unless a private key file is set; development generates
    /// a random one.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// Retired HS256 secrets, comma-separated: still accepted, never used to sign.
    #[arg(
        long,
        env = "JWT_PREVIOUS_SECRETS",
        value_delimiter = ',',
        hide_env_values = true,
        global = true
    )]
    pub jwt_previous_secrets: Vec<String>,

    /// PEM private key (Ed25519 → EdDSA, RSA → RS256) that signs access
    /// tokens; takes precedence over `JWT_SECRET` for signing.
    #[arg(long, env = "STOREFRONT_JWT_PRIVATE_KEY_FILE", global = true)]
    pub jwt_private_key_file: Option<PathBuf>,

    /// PEM public key matching the private key file.
    #[arg(long, env = "STOREFRONT_JWT_PUBLIC_KEY_FILE", global = true)]
    pub jwt_public_key_file: Option<PathBuf>,

    /// Retired PEM public keys, comma-separated: still accepted for verification.
    #[arg(
        long,
        env = "STOREFRONT_JWT_PREVIOUS_PUBLIC_KEY_FILES",
        value_delimiter = ',',
        global = true
    )]
    pub jwt_previous_public_key_files: Vec<PathBuf>,

    /// `iss` of issued access tokens, and the only one accepted.
    #[arg(
        long,
        env = "STOREFRONT_JWT_ISSUER",
        default_value = "storefront",
        global = true
    )]
    pub jwt_issuer: String,

    /// `aud` of issued access tokens, and the only one accepted.
    #[arg(
        long,
        env = "STOREFRONT_JWT_AUDIENCE",
        default_value = "storefront",
        global = true
    )]
    pub jwt_audience: String,

    /// Lifetime of access tokens, in seconds.
    #[arg(
        long,
        env = "STOREFRONT_ACCESS_TOKEN_TTL",
        default_value_t = 900,
        global = true
    )]
    pub access_token_ttl_secs: u64,

    /// Lifetime of refresh tokens, in seconds; every rotation starts a new one.
    #[arg(
        long,
        env = "STOREFRONT_REFRESH_TOKEN_TTL",
        default_value_t = 30 * 24 * 3600,
        global = true
    )]
    pub refresh_token_ttl_secs: u64,

    /// Seconds after a rotation during which the rotated refresh token may
    /// be exchanged again (for a client that never received the answer);
    /// later reuse revokes the whole token family.
    #[arg(
        long,
        env = "STOREFRONT_REFRESH_REUSE_GRACE",
        default_value_t = 10,
        global = true
    )]
    pub refresh_reuse_grace_secs: u64,

    /// Seconds an idempotency key of `placeOrder` is remembered; a replay
    /// after that places a new order. Expired keys (and refresh-token
    /// families whose every token expired) are deleted hourly.
    #[arg(
        long,
        env = "STOREFRONT_IDEMPOTENCY_KEY_TTL",
        default_value_t = 86_400,
        global = true
    )]
    pub idempotency_key_ttl_secs: u64,

    /// Log format: `json` (one object per line) or `pretty`.
    #[arg(
        long,
        env = "STOREFRONT_LOG_FORMAT",
        value_enum,
        default_value = "json",
        global = true
    )]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line, for log shippers.
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

impl Settings {
    /// True when responses may carry development aids (stats, GraphiQL).
    pub fn is_development(&self) -> bool {
        self.environment == Environment::Development
    }

    /// How long to wait for a pooled connection.
    pub fn db_acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.db_acquire_timeout_secs)
    }

    /// How long access tokens live.
    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl_secs)
    }

    /// How long refresh tokens live.
    pub fn refresh_token_ttl(&self) -> Duration {
        Duration::from_secs(self.refresh_token_ttl_secs)
    }

    /// How long a rotated refresh token may still be exchanged once more.
    pub fn refresh_reuse_grace(&self) -> Duration {
        Duration::from_secs(self.refresh_reuse_grace_secs)
    }

    /// How long idempotency keys are remembered.
    pub fn idempotency_key_ttl(&self) -> Duration {
        Duration::from_secs(self.idempotency_key_ttl_secs)
    }

    /// How long a request may take, if limited.
    pub fn request_timeout(&self) -> Option<Duration> {
        (self.request_timeout_secs > 0).then(|| Duration::from_secs(self.request_timeout_secs))
    }

    /// The window of the cost budget.
    pub fn rate_limit_window(&self) -> Duration {
        Duration::from_secs(self.rate_limit_window_secs)
    }

    /// The window of the login and register limits.
    pub fn login_limit_window(&self) -> Duration {
        Duration::from_secs(self.login_limit_window_secs)
    }

    /// How long a connection may take to send a request head.
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    /// How long a connection may sit idle between requests.
    pub fn keep_alive_timeout(&self) -> Duration {
        Duration::from_secs(self.keep_alive_timeout_secs)
    }

    /// How long the server drains in-flight requests on shutdown.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}

/// Settings are logged at start; the database URL may hold a password.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("environment", &self.environment)
            .field("db_max_connections", &self.db_max_connections)
            .field("currency", &self.currency)
            .field("rate_limit_budget", &self.rate_limit_budget)
            .field("cors_origins", &self.cors_origins)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field("jwt_private_key_file", &self.jwt_private_key_file)
            .finish_non_exhaustive()
    }
}

/// Browser origins (`scheme://host[:port]`, lower case) allowed to call
/// the API cross-origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins(pub Vec<String>);

/// A comma-separated list of origins; blank means none.
fn parse_origins(text: &str) -> Result<Origins, String> {
    text.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(parse_origin)
        .collect::<Result<_, _>>()
        .map(Origins)
}

/// Accepts `scheme://host[:port]`, the form browsers send in `Origin`.
fn parse_origin(text: &str) -> Result<String, String> {
    let origin = text.trim_end_matches('/');
    let host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| format!("`{origin}` must start with https:// or http://"))?;
    if host.is_empty() || host.contains(['/', '*', ' ', '?', '#']) {
        return Err(format!(
            "`{origin}` must be an exact origin such as https://shop.example.com"
        ));
    }
    Ok(origin.to_ascii_lowercase())
}

/// The networks whose forwarding headers are believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Whether `ip` belongs to a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|network| network.contains(&ip))
    }
}

/// A comma-separated list of CIDRs or single addresses; blank means none.
impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|network| network.trunc())
                    .map_err(|_| format!("`{entry}` is not a CIDR (10.0.0.0/8) or an IP address"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// Hides the password of a `scheme://user:password@host` URL.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_cidrs_or_addresses_and_blank_means_none() {
        assert_eq!("".parse(), Ok(TrustedProxies::default()));
        let trusted: TrustedProxies = "10.0.0.0/8, 192.0.2.7 ,2001:db8::/32, 172.16.5.4/12"
            .parse()
            .expect("valid list");
        for inside in [
            "10.200.0.1",
            "192.0.2.7",
            "2001:db8::1",
            "172.31.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(trusted.contains(inside.parse().expect("ip")), "{inside}");
        }
        for outside in ["11.0.0.1", "192.0.2.8", "2001:db9::1", "172.32.0.1"] {
            assert!(!trusted.contains(outside.parse().expect("ip")), "{outside}");
        }
        for refused in ["10.0.0.0/33", "example.com", "10.0.0", "*"] {
            assert!(refused.parse::<TrustedProxies>().is_err(), "{refused}");
        }
    }

    #[test]
    fn cors_origins_are_exact_lower_case_origins_and_blank_means_none() {
        assert_eq!(parse_origins(""), Ok(Origins(Vec::new())));
        assert_eq!(
            parse_origins("https://Shop.example.com/, http://localhost:3000"),
            Ok(Origins(vec![
                "https://shop.example.com".to_owned(),
                "http://localhost:3000".to_owned()
            ]))
        );
        for refused in [
            "*",
            "shop.example.com",
            "https://shop.example.com/app",
            "https://*.example.com",
        ] {
            assert!(parse_origins(refused).is_err(), "{refused}");
        }
    }
}
