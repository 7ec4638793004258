//! The HTTP server: where it listens, what it accepts, how it shuts down.

use std::{net::SocketAddr, time::Duration};

use clap::Args;

use super::parse;

/// Browser origins (`scheme://host[:port]`, lower case) allowed to call
/// the API cross-origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins(pub Vec<String>);

/// The HTTP server's settings.
#[derive(Clone, Debug, Args)]
pub struct HttpSettings {
    /// Address the HTTP server listens on.
    #[arg(long, env = "STOREFRONT_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,

    /// Largest accepted request body, in bytes (larger gets 413).
    #[arg(long, env = "STOREFRONT_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,

    /// How long a request may take, body included (`30`, `2m`), before it
    /// is cancelled (its transaction rolls back); 0 means no limit.
    #[arg(
        long = "request-timeout",
        env = "STOREFRONT_REQUEST_TIMEOUT",
        default_value = "30s",
        value_parser = parse::duration
    )]
    pub request_timeout: Duration,

    /// Origins allowed to call the API from a browser, comma-separated
    /// (`https://shop.example.com`); empty means no cross-origin access.
    #[arg(
        long,
        env = "STOREFRONT_CORS_ORIGINS",
        default_value = "",
        value_parser = parse_origins
    )]
    pub cors_origins: Origins,

    /// `max-age` of `Strict-Transport-Security` (`0`, `365d`), sent only
    /// when above 0: set it when clients reach the server over HTTPS.
    #[arg(
        long = "hsts-max-age",
        env = "STOREFRONT_HSTS_MAX_AGE",
        default_value = "0",
        value_parser = parse::duration
    )]
    pub hsts_max_age: Duration,

    /// How long in-flight requests get to finish after SIGTERM or Ctrl-C.
    #[arg(
        long = "shutdown-timeout-secs",
        env = "STOREFRONT_SHUTDOWN_TIMEOUT",
        default_value = "10s",
        value_parser = parse::duration
    )]
    pub shutdown_timeout: Duration,
}

impl HttpSettings {
    /// How long a request may take, if limited.
    pub fn request_timeout(&self) -> Option<Duration> {
        (!self.request_timeout.is_zero()).then_some(self.request_timeout)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
