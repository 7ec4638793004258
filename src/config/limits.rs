//! What one document may ask for, and how much each client may spend.

use std::time::Duration;

use clap::Args;

use super::parse;

/// Document limits, checked before anything runs, and rate limits.
#[derive(Clone, Debug, Args)]
pub struct LimitSettings {
    /// Deepest selection nesting accepted.
    #[arg(long, env = "STOREFRONT_MAX_DEPTH", default_value_t = 15)]
    pub max_depth: usize,

    /// Highest query cost accepted; a connection costs its page size times
    /// the cost of what it selects, so nested connections multiply.
    #[arg(long, env = "STOREFRONT_MAX_COMPLEXITY", default_value_t = 100_000)]
    pub max_complexity: usize,

    /// Most aliased fields accepted in one document.
    #[arg(long, env = "STOREFRONT_MAX_ALIASES", default_value_t = 50)]
    pub max_aliases: usize,

    /// Most directives accepted in one document.
    #[arg(long, env = "STOREFRONT_MAX_DIRECTIVES", default_value_t = 50)]
    pub max_directives: usize,

    /// Most lexical tokens accepted in one document, counted before parsing
    /// (punctuators, names, values; not whitespace, commas or comments).
    #[arg(long, env = "STOREFRONT_MAX_TOKENS", default_value_t = 5_000)]
    pub max_tokens: usize,

    /// Most operations in one batched (JSON array) request; 0 turns
    /// batching off.
    #[arg(long, env = "STOREFRONT_MAX_BATCH_OPERATIONS", default_value_t = 0)]
    pub max_batch_operations: usize,

    /// Cost points each user (each client IP when anonymous) may spend per
    /// window; every operation spends its complexity. 0 turns it off.
    #[arg(
        long,
        env = "STOREFRONT_RATE_LIMIT_BUDGET",
        default_value_t = 1_000_000
    )]
    pub rate_limit_budget: u32,

    /// How long a spent budget takes to be fully restored (continuously):
    /// `60`, `1m`.
    #[arg(
        long = "rate-limit-window",
        env = "STOREFRONT_RATE_LIMIT_WINDOW",
        default_value = "1m",
        value_parser = parse_window
    )]
    pub rate_limit_window: Duration,

    /// `login` and `register` attempts one client IP may make per login
    /// window, each aliased or batched field counting; 0 turns it off.
    #[arg(long, env = "STOREFRONT_LOGIN_LIMIT_PER_IP", default_value_t = 20)]
    pub login_limit_per_ip: u32,

    /// `login` and `register` attempts naming one email per login window;
    /// 0 turns it off.
    #[arg(long, env = "STOREFRONT_LOGIN_LIMIT_PER_ACCOUNT", default_value_t = 5)]
    pub login_limit_per_account: u32,

    /// How long spent login attempts take to be fully restored.
    #[arg(
        long = "login-limit-window",
        env = "STOREFRONT_LOGIN_LIMIT_WINDOW",
        default_value = "1m",
        value_parser = parse_window
    )]
    pub login_limit_window: Duration,
}

/// A rate-limit window: at least one second.
fn parse_window(text: &str) -> Result<Duration, String> {
    let window = parse::duration(text)?;
    if window < Duration::from_secs(1) {
        return Err(format!("`{text}` is shorter than the shortest window, 1s"));
    }
    Ok(window)
}
