//! The live dashboard: how often its snapshot may be recomputed and what
//! counts as low stock.

use std::time::Duration;

use clap::Args;

use super::parse::positive_duration;

/// The `dashboard` subscription's settings.
#[derive(Clone, Debug, Args)]
pub struct DashboardSettings {
    /// Shortest time between two dashboard snapshots (`250ms`, `1s`):
    /// changes arriving faster are coalesced into the next snapshot, which
    /// every dashboard subscriber of the instance shares.
    #[arg(
        long = "dashboard-interval",
        env = "STOREFRONT_DASHBOARD_INTERVAL",
        default_value = "250ms",
        value_parser = positive_duration
    )]
    pub interval: Duration,

    /// Products with this many units or fewer are listed as low on stock.
    #[arg(
        long = "low-stock-threshold",
        env = "STOREFRONT_LOW_STOCK_THRESHOLD",
        default_value_t = 5,
        value_parser = clap::value_parser!(i32).range(0..)
    )]
    pub low_stock_threshold: i32,
}
