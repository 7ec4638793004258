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

use std::sync::Arc;

use async_graphql::{Context, MergedSubscription};
use futures_util::{Stream, stream};

use crate::{auth::Viewer, domain::event::Event, error::AppResult, events::Audience};

/// An event handed to a subscription by a shared execution (see
/// `http::ws::shared`): the resolver checks the viewer and its arguments as
/// always, then streams this one event (with `None`, nothing) instead of
/// opening a feed of its own.
#[derive(Clone)]
pub struct Delivered(pub Option<Arc<Event>>);

/// The feed a root field needs for `viewer` when sockets may share its
/// execution: fields whose results depend only on the event, the arguments
/// and the viewer, and which begin with the next live event. `dashboard`
/// begins with a snapshot of its own for every subscriber, so it runs
/// alone.
pub fn shared_audience(field: &str, viewer: Viewer) -> Option<Audience> {
    match field {
        "orderEvents" => Some(orders::audience(viewer)),
        "stockChanges" => Some(Audience::Everyone),
        _ => None,
    }
}

/// The event of a shared execution, as a stream of it (or of nothing);
/// `None` outside one.
fn delivered(ctx: &Context<'_>) -> Option<impl Stream<Item = AppResult<Arc<Event>>> + use<>> {
    ctx.data_opt::<Delivered>()
        .map(|delivered| stream::iter(delivered.0.clone().map(Ok)))
}

/// Every live entry point.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    orders::OrderSubscription,
    stock::StockSubscription,
    dashboard::DashboardSubscription,
);
