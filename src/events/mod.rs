//! Delivering committed domain events to subscribers.
//!
//! Services write events to the outbox (`services::outbox`) in the same
//! transaction as the change. After a commit, the writer pokes the
//! [`EventHub`]; the [`dispatcher`] then reads the outbox in position order
//! and publishes what it finds to the [`EventBus`], from which every
//! subscription's [`feed`] takes its events. A rolled-back transaction
//! leaves nothing to read. Other instances learn about the commit through
//! Redis ([`fanout`]) when it is configured, and every dispatcher also reads
//! the outbox on a timer, so events committed anywhere are delivered
//! everywhere.

pub mod bus;
pub mod dashboard;
pub mod dispatcher;
pub mod fanout;
pub mod feed;
pub mod retention;

use std::sync::Arc;

use tokio::sync::Notify;

pub use bus::{EventBus, InProcessBus, Listener};
pub use dashboard::DashboardHub;
pub use fanout::{FanoutHealth, RedisFanout};
pub use feed::{Audience, Resume, feed};

/// The application's handle on event delivery: writers tell it about
/// commits, subscriptions listen to it. Cheap to clone.
#[derive(Clone)]
pub struct EventHub {
    bus: Arc<dyn EventBus>,
    wake: Arc<Notify>,
    announce: Arc<Notify>,
    exit_after_commit: bool,
}

impl EventHub {
    /// A hub over `bus`. `exit_after_commit` is the test hook that simulates
    /// a crash between commit and dispatch.
    pub fn new(bus: Arc<dyn EventBus>, exit_after_commit: bool) -> Self {
        Self {
            bus,
            wake: Arc::new(Notify::new()),
            announce: Arc::new(Notify::new()),
            exit_after_commit,
        }
    }

    /// Call after committing a transaction that recorded events: the
    /// dispatcher reads them at once instead of at its next tick, and other
    /// instances are told (with Redis).
    pub fn committed(&self) {
        if self.exit_after_commit {
            tracing::error!("exiting between commit and dispatch (fault-exit-after-commit)");
            std::process::exit(86);
        }
        self.wake.notify_one();
        self.announce.notify_one();
    }

    /// Starts listening to the events dispatched from now on.
    pub fn listen(&self) -> Listener {
        self.bus.subscribe()
    }

    /// The bus the dispatcher publishes to.
    pub(crate) fn bus(&self) -> &Arc<dyn EventBus> {
        &self.bus
    }

    /// Wakes this instance's dispatcher.
    pub(crate) fn wake(&self) -> &Arc<Notify> {
        &self.wake
    }

    /// Notified after every local commit, for fan-out to other instances.
    pub(crate) fn announce(&self) -> &Arc<Notify> {
        &self.announce
    }
}
