//! GraphQL over WebSocket: how long a socket may stay silent or
//! unacknowledged, and how much one socket or user may hold open.

use std::time::Duration;

use clap::Args;

use super::parse;

/// The WebSocket endpoint's settings.
#[derive(Clone, Debug, Args)]
pub struct WebSocketSettings {
    /// How long a new socket may take to send `connection_init` before it
    /// is closed with 4408 (the reference server's default is 3 s).
    #[arg(
        long = "ws-init-timeout",
        env = "STOREFRONT_WS_INIT_TIMEOUT",
        default_value = "3s",
        value_parser = positive_duration
    )]
    pub init_timeout: Duration,

    /// How often a socket that sent nothing is pinged; one that still sent
    /// nothing (not even a pong) one interval later is closed as dead.
    #[arg(
        long = "ws-ping-interval",
        env = "STOREFRONT_WS_PING_INTERVAL",
        default_value = "15s",
        value_parser = positive_duration
    )]
    pub ping_interval: Duration,

    /// Most operations (subscriptions and in-flight queries) one socket may
    /// run at once; one more closes the socket with 4429.
    #[arg(
        long = "ws-max-subscriptions",
        env = "STOREFRONT_WS_MAX_SUBSCRIPTIONS",
        default_value_t = 100,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub max_subscriptions: u32,

    /// Most acknowledged sockets one signed-in user may hold; one more is
    /// closed with 4429. 0 means no limit.
    #[arg(
        long = "ws-max-connections-per-user",
        env = "STOREFRONT_WS_MAX_CONNECTIONS_PER_USER",
        default_value_t = 50
    )]
    pub max_connections_per_user: u32,

    /// Messages that may wait to be written to one socket; a subscriber that
    /// falls further behind is closed with 1013 rather than buffered.
    #[arg(
        long = "ws-send-queue",
        env = "STOREFRONT_WS_SEND_QUEUE",
        default_value_t = 256,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub send_queue: u32,
}

/// A zero timeout or interval would close every socket at once.
fn positive_duration(text: &str) -> Result<Duration, String> {
    match parse::duration(text)? {
        Duration::ZERO => Err("must be above 0".to_owned()),
        duration => Ok(duration),
    }
}
