//! The dashboard's snapshot, computed once per instance per change and
//! shared by every `dashboard` subscriber of the instance.
//!
//! One task follows the bus. Any event makes the snapshot stale; so does
//! the turn of a minute (the per-minute series and "today" move on their
//! own). While somebody watches, a stale snapshot is recomputed, at most
//! once per [`DashboardSettings::interval`]: events arriving meanwhile
//! coalesce into the next snapshot. Nobody watching, nothing is read.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use chrono::{DurationRound, TimeDelta, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::{
    Notify,
    broadcast::error::{RecvError, TryRecvError},
    watch,
};

use super::EventHub;
use crate::{
    config::DashboardSettings,
    metrics::events as metrics,
    services::read::dashboard::{self, DashboardFigures},
};

/// The latest snapshot, `None` before the first one.
pub type Snapshot = Option<Arc<DashboardFigures>>;

/// Where subscribers follow the shared snapshot. Cheap to clone.
#[derive(Clone)]
pub struct DashboardHub {
    shared: Arc<Shared>,
}

struct Shared {
    snapshots: watch::Sender<Snapshot>,
    /// Set when the published snapshot no longer reflects the database.
    stale: AtomicBool,
    /// Wakes the task when a subscriber arrives.
    wanted: Notify,
}

impl Default for DashboardHub {
    fn default() -> Self {
        Self {
            shared: Arc::new(Shared {
                snapshots: watch::Sender::new(None),
                stale: AtomicBool::new(true),
                wanted: Notify::new(),
            }),
        }
    }
}

impl DashboardHub {
    /// Starts following the snapshots: the current one at once when it is
    /// fresh, else a fresh one as soon as it is computed, then one per
    /// change.
    pub fn follow(&self) -> watch::Receiver<Snapshot> {
        let mut receiver = self.shared.snapshots.subscribe();
        if !self.shared.stale.load(Ordering::Acquire) && receiver.borrow().is_some() {
            receiver.mark_changed();
        }
        self.shared.wanted.notify_one();
        receiver
    }

    fn mark_stale(&self) {
        self.shared.stale.store(true, Ordering::Release);
    }

    fn is_wanted(&self) -> bool {
        self.shared.stale.load(Ordering::Acquire) && self.shared.snapshots.receiver_count() > 0
    }
}

/// Keeps the snapshot fresh while anybody watches; runs until the bus
/// closes.
pub async fn refresh_forever(
    hub: DashboardHub,
    db: DatabaseConnection,
    events: EventHub,
    settings: DashboardSettings,
) {
    let mut listener = events.listen();
    loop {
        if hub.is_wanted() {
            hub.shared.stale.store(false, Ordering::Release);
            match dashboard::figures(&db, Utc::now(), settings.low_stock_threshold).await {
                Ok(figures) => {
                    metrics::record_dashboard_snapshot();
                    hub.shared.snapshots.send_replace(Some(Arc::new(figures)));
                }
                Err(error) => {
                    hub.mark_stale();
                    tracing::warn!(error = ?error, "reading the dashboard failed; retrying");
                }
            }
            // The throttle: whatever happens meanwhile goes into the next
            // snapshot.
            tokio::time::sleep(settings.interval).await;
            while let Ok(_) | Err(TryRecvError::Lagged(_)) = listener.events.try_recv() {
                hub.mark_stale();
            }
            continue;
        }
        tokio::select! {
            received = listener.events.recv() => match received {
                Ok(_) | Err(RecvError::Lagged(_)) => hub.mark_stale(),
                Err(RecvError::Closed) => return,
            },
            () = hub.shared.wanted.notified() => {}
            () = tokio::time::sleep(until_next_minute()) => hub.mark_stale(),
        }
    }
}

/// Time left in the current minute (at least a millisecond).
fn until_next_minute() -> Duration {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::minutes(1))
        .ok()
        .and_then(|minute| (minute + TimeDelta::minutes(1) - now).to_std().ok())
        .unwrap_or(Duration::from_secs(60))
        .max(Duration::from_millis(1))
}
