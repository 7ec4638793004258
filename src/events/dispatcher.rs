//! Moves committed events from the outbox to the bus, in position order.
//!
//! The outbox is the source of truth: the dispatcher remembers only the
//! last position it published, and reads whatever follows when a commit
//! (local, or announced through Redis) wakes it or its poll timer fires. Because writers commit in
//! position order (see `services::outbox::record`), nothing can appear
//! behind that position later, so nothing is skipped; a rolled-back
//! transaction never reaches the outbox, so nothing of it is published.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::{EventHub, FanoutHealth};
use crate::{metrics::events as metrics, services::outbox};

/// Events read per statement.
const BATCH: u64 = 500;

/// How often the outbox is read while Redis announces every commit: only a
/// safety net for a lost notice.
const SAFETY_POLL: Duration = Duration::from_secs(60);

/// Publishes every event after `position`, then keeps publishing new ones
/// as they commit, until the task is aborted. It reads the outbox when
/// woken and otherwise every `poll_interval`, or every minute while the
/// Redis fan-out (`fanout`, when configured) is live.
pub async fn run(
    db: DatabaseConnection,
    hub: EventHub,
    poll_interval: Duration,
    fanout: Option<FanoutHealth>,
    position: i64,
) {
    let mut position = position;
    loop {
        let wait = match &fanout {
            Some(health) if health.is_live() => SAFETY_POLL,
            _ => poll_interval,
        };
        tokio::select! {
            () = hub.wake().notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
        position = publish_after(&db, &hub, position).await;
    }
}

/// Publishes the events after `position`; returns the last one published.
/// A failed read is logged and retried at the next wake or tick.
async fn publish_after(db: &DatabaseConnection, hub: &EventHub, mut position: i64) -> i64 {
    loop {
        match outbox::after(db, position, BATCH).await {
            Ok(events) => {
                let full = events.len() as u64 == BATCH;
                for event in events {
                    position = event.position;
                    hub.bus().publish(event);
                    metrics::record_published();
                }
                if !full {
                    return position;
                }
            }
            Err(err) => {
                tracing::warn!(error = ?err, position, "reading the event outbox failed");
                return position;
            }
        }
    }
}
