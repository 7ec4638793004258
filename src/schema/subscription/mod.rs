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

/// Root fields whose results depend only on the event, the arguments and
/// the viewer, and which begin with the next live event unless resumed
/// with `after`: sockets that send the same operation may share one
/// execution of it. `dashboard` begins with a snapshot of its own for
/// every subscriber, so each runs alone.
pub const SHAREABLE: [&str; 2] = ["orderEvents", "stockChanges"];

/// Every live entry point.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    orders::OrderSubscription,
    stock::StockSubscription,
    dashboard::DashboardSubscription,
);
