//! The `Subscription` root, merged from one object per domain (the
//! WebSocket transport in `http::ws` runs each with its own loaders).
//!
//! Every subscription is a feed of outbox events (see `events::feed`):
//! `after: cursor` replays what was missed, then events arrive live.
//! Authorization is checked per event, not only at the start.

pub mod cursor;
mod dashboard;
mod orders;
mod stock;

use async_graphql::MergedSubscription;

/// Every live entry point.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    orders::OrderSubscription,
    stock::StockSubscription,
    dashboard::DashboardSubscription,
);
