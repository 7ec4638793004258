//! The `Subscription` root, merged from one object per domain, and the
//! executor that gives each subscription its own loaders.
//!
//! Every subscription is a feed of outbox events (see `events::feed`):
//! `after: cursor` replays what was missed, then events arrive live.
//! Authorization is checked per event, not only at the start.

pub mod cursor;
mod executor;
mod orders;
mod stock;

use async_graphql::MergedSubscription;

pub use executor::SubscriptionExecutor;

/// Every live entry point.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(orders::OrderSubscription, stock::StockSubscription);
