//! One subscription's events: a replay from the outbox, then live events
//! from the bus, with no gap and no duplicate at the switch-over.
//!
//! The feed listens to the bus before it reads the outbox, so every event
//! committed after the replay's last read is already queued for it; events
//! that arrive both ways are dropped by position. A feed that falls so far
//! behind that the bus drops events for it (`Lagged`) catches up from the
//! outbox the same way, so a slow subscriber costs reads, never events.

use std::sync::Arc;

use async_stream::try_stream;
use futures_util::Stream;
use sea_orm::ConnectionTrait;
use tokio::sync::broadcast::error::RecvError;

use super::{EventHub, Listener};
use crate::{
    domain::{clock::now, event::Event},
    error::{AppError, AppResult},
    metrics::events as metrics,
    services::outbox,
};

/// Events read per replay statement.
const REPLAY_PAGE: u64 = 500;

/// Where a feed starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// With the events dispatched from now on.
    Live,
    /// With the events after this position (which must still be stored),
    /// then live ones.
    After(i64),
}

/// Whose live events a feed carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Every event.
    Everyone,
    /// The order events of one customer only, so that a customer's
    /// subscription is not woken by other customers' orders (a replay
    /// still reads every event; the subscription filters them).
    Customer(i64),
}

/// The events of one subscription, in position order. Resuming after a
/// position that is no longer stored (older than the retention, or never
/// given out) fails at once with `BAD_USER_INPUT` on `after`.
pub async fn feed<C>(
    db: C,
    hub: &EventHub,
    audience: Audience,
    resume: Resume,
) -> AppResult<impl Stream<Item = AppResult<Arc<Event>>> + Send + use<C>>
where
    C: ConnectionTrait + Send + Sync + 'static,
{
    let listener = match audience {
        Audience::Everyone => hub.listen(),
        Audience::Customer(customer_id) => hub.bus().subscribe_customer(customer_id),
    };
    listen(db, listener, resume).await
}

async fn listen<C>(
    db: C,
    listener: Listener,
    resume: Resume,
) -> AppResult<impl Stream<Item = AppResult<Arc<Event>>> + Send + use<C>>
where
    C: ConnectionTrait + Send + Sync + 'static,
{
    let mut last = match resume {
        Resume::Live => listener.from,
        Resume::After(position) => {
            // Boxed: inline, the statement's future would stay in every
            // subscriber's stream.
            if !Box::pin(outbox::contains(&db, position)).await? {
                return Err(AppError::bad_input(
                    "after",
                    "this cursor has expired (events are kept for STOREFRONT_EVENT_RETENTION) \
                     or is unknown: refetch the current state and subscribe without `after`",
                ));
            }
            position
        }
    };
    let mut live = listener.events;
    let mut replay = matches!(resume, Resume::After(_));
    Ok(try_stream! {
        loop {
            while replay {
                // Boxed: the statement's future is large, and inline it
                // would sit in every idle subscriber's stream.
                let page = Box::pin(outbox::after(&db, last, REPLAY_PAGE)).await?;
                replay = page.len() as u64 == REPLAY_PAGE;
                for event in page {
                    last = event.position;
                    metrics::record_replayed();
                    yield Arc::new(event);
                }
            }
            match live.recv().await {
                Ok(event) if event.position > last => {
                    last = event.position;
                    let lag = (now() - event.occurred_at).to_std().unwrap_or_default();
                    metrics::record_live(lag);
                    yield event;
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    metrics::record_lagged(missed);
                    tracing::debug!(missed, last, "a subscriber fell behind; catching up from the outbox");
                    replay = true;
                }
                Err(RecvError::Closed) => break,
            }
        }
    })
}
