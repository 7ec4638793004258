//! The HTTP server: where it listens, what it accepts, how it shuts down.

use std::{
    net::{IpAddr, SocketAddr},
    str::FromStr,
    time::Duration,
};

use clap::Args;
use ipnet::IpNet;

use super::parse::{self, positive_duration};

/// Browser origins (`scheme://host[:port]`, lower case) allowed to call
/// the API cross-origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins(pub Vec<String>);

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

    /// Networks of the reverse proxies in front of the server, as
    /// comma-separated CIDRs or addresses (`10.0.0.0/8, 192.0.2.7`): only
    /// their `X-Forwarded-For` / `Forwarded` is believed for the client
    /// address. Empty means none.
    #[arg(
        long,
        env = "STOREFRONT_TRUSTED_PROXIES",
        default_value = "",
        value_parser = TrustedProxies::from_str
    )]
    pub trusted_proxies: TrustedProxies,

    /// How long a connection may take to send a complete request head
    /// (`30`, `10s`), from when it opens or its previous response ends (so
    /// it also bounds idle HTTP/1 keep-alive connections).
    #[arg(
        long = "header-read-timeout",
        env = "STOREFRONT_HEADER_READ_TIMEOUT",
        default_value = "30s",
        value_parser = positive_duration
    )]
    pub header_read_timeout: Duration,

    /// How long a connection may stay open with no request in flight
    /// before the server closes it (HTTP/1 and HTTP/2).
    #[arg(
        long = "keep-alive-timeout",
        env = "STOREFRONT_KEEP_ALIVE_TIMEOUT",
        default_value = "30s",
        value_parser = positive_duration
    )]
    pub keep_alive_timeout: Duration,

    /// Most client connections open at once; past it, new connections wait
    /// to be accepted while open ones are served. Keep it below the open
    /// file limit (`ulimit -n`).
    #[arg(
        long = "max-connections",
        env = "STOREFRONT_MAX_CONNECTIONS",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub max_client_connections: u32,

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

/// A duration above zero: a zero connection timeout would close every
/// connection at once.
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
    fn connection_timeouts_must_be_above_zero() {
        assert_eq!(positive_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(positive_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(positive_duration("0").is_err());
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
