//! The event outbox and its dispatcher.

use std::time::Duration;

use clap::Args;

use super::parse::positive_duration;

/// How long events stay resumable and how soon they are delivered.
#[derive(Clone, Debug, Args)]
pub struct EventSettings {
    /// How long events stay in the outbox, resumable with `after` (`24h`,
    /// `30m`); older ones are deleted every few minutes and a cursor
    /// pointing at them must refetch.
    #[arg(
        long = "event-retention",
        env = "STOREFRONT_EVENT_RETENTION",
        default_value = "24h",
        value_parser = positive_duration
    )]
    pub retention: Duration,

    /// How often the dispatcher reads the outbox for events it was not told
    /// about (committed by another instance, or while Redis is down):
    /// `1s`, `250ms`. Commits on this instance are dispatched at once.
    #[arg(
        long = "event-poll-interval",
        env = "STOREFRONT_EVENT_POLL_INTERVAL",
        default_value = "1s",
        value_parser = positive_duration
    )]
    pub poll_interval: Duration,

    /// Test hook, honoured only in development: exit the process right
    /// after a write transaction with events commits, before they are
    /// dispatched, as a crash there would.
    #[arg(
        long = "fault-exit-after-commit",
        env = "STOREFRONT_FAULT_EXIT_AFTER_COMMIT",
        hide = true,
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub fault_exit_after_commit: bool,
}
