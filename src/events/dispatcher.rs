//! Moves committed events from the outbox to the bus, in position order.
//!
//! The outbox is the source of truth: the dispatcher remembers only the
//! last position it published, and reads whatever follows when a local
//! commit wakes it or its poll timer fires. Because writers commit in
//! position order (see `services::outbox::record`), nothing can appear
//! behind that position later, so nothing is skipped; a rolled-back
//! transaction never reaches the outbox, so nothing of it is published.

use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::time::MissedTickBehavior;

use super::EventHub;
use crate::services::outbox;

/// Events read per statement.
const BATCH: u64 = 500;

/// Publishes every event after `position`, then keeps publishing new ones
/// as they commit, until the task is aborted.
pub async fn run(db: DatabaseConnection, hub: EventHub, poll_interval: Duration, position: i64) {
    let mut position = position;
    let mut ticks = tokio::time::interval(poll_interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = hub.wake().notified() => {}
            _ = ticks.tick() => {}
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
