//! Where dispatched events go: every subscriber on this instance listens
//! to one bus.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use tokio::sync::broadcast;

use crate::domain::event::Event;

/// Events kept for subscribers that fall behind; one that falls further
/// behind catches up from the outbox instead (see `feed`).
const CAPACITY: usize = 1024;

/// A subscription to the bus: the events published after it began.
pub struct Listener {
    /// The events, in position order.
    pub events: broadcast::Receiver<Arc<Event>>,
    /// The position published last before the subscription began: every
    /// later event reaches `events` (or is reported as lagged).
    pub from: i64,
}

/// Delivers dispatched events, in position order, to this instance's
/// subscribers. The dispatcher is the only publisher.
pub trait EventBus: Send + Sync + 'static {
    /// Hands `event` to every current subscriber.
    fn publish(&self, event: Event);

    /// Starts listening.
    fn subscribe(&self) -> Listener;
}

/// The bus of one process: a `tokio::sync::broadcast` channel.
pub struct InProcessBus {
    sender: broadcast::Sender<Arc<Event>>,
    published: AtomicI64,
}

impl InProcessBus {
    /// An empty bus whose history starts after `position`.
    pub fn new(position: i64) -> Self {
        Self {
            sender: broadcast::Sender::new(CAPACITY),
            published: AtomicI64::new(position),
        }
    }
}

impl EventBus for InProcessBus {
    fn publish(&self, event: Event) {
        // Recorded before sending: a subscriber that reads `from` after
        // this store receives every later event.
        self.published.store(event.position, Ordering::Release);
        // No receiver is not an error: nobody is subscribed.
        let _ = self.sender.send(Arc::new(event));
    }

    fn subscribe(&self) -> Listener {
        let events = self.sender.subscribe();
        Listener {
            events,
            from: self.published.load(Ordering::Acquire),
        }
    }
}
