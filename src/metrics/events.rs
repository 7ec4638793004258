//! Event delivery figures: how many events were published, fed to
//! subscriptions (live or replayed), delivered per subscription, and
//! recovered after a subscriber fell behind, and how late live events
//! reach their subscriptions.

use std::time::Duration;

use metrics::{counter, histogram};

use super::observe;

/// An event went from the outbox to this instance's bus.
pub fn record_published() {
    counter!("events_published_total").increment(1);
}

/// A subscription received an event from the bus, `lag` after it occurred.
pub fn record_live(lag: Duration) {
    counter!("events_fed_total", "source" => "live").increment(1);
    observe(
        &histogram!("event_delivery_lag_seconds"),
        &[lag.as_secs_f64()],
    );
}

/// A subscription received an event replayed from the outbox.
pub fn record_replayed() {
    counter!("events_fed_total", "source" => "replay").increment(1);
}

/// The bus dropped `missed` events for a subscriber that fell behind; it
/// reads them from the outbox instead.
pub fn record_lagged(missed: u64) {
    counter!("events_lagged_total").increment(missed);
}

/// A subscription passed an event on to its client (after its filters).
pub fn record_delivered(subscription: &'static str) {
    counter!("subscription_events_delivered_total", "subscription" => subscription).increment(1);
}

/// The dashboard snapshot shared by this instance's subscribers was
/// recomputed.
pub fn record_dashboard_snapshot() {
    counter!("dashboard_snapshots_total").increment(1);
}
