//! Where dispatched events go: every subscriber on this instance listens
//! to one bus, either to every event or to one customer's order events.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicI64, Ordering},
    },
};

use tokio::sync::broadcast;

use crate::domain::event::{Change, Event};

/// Events kept for subscribers that fall behind; one that falls further
/// behind catches up from the outbox instead (see `feed`).
const CAPACITY: usize = 1024;

/// Events kept per customer channel: a customer's own orders change
/// rarely, and each channel is allocated at this size, once per customer
/// with an open subscription.
const CUSTOMER_CAPACITY: usize = 16;

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

    /// Starts listening to every event.
    fn subscribe(&self) -> Listener;

    /// Starts listening to the order events of one customer only, so that
    /// a customer's subscription is not woken by everybody else's orders.
    fn subscribe_customer(&self, customer_id: i64) -> Listener;
}

/// The bus of one process: a `tokio::sync::broadcast` channel for
/// everything, and one small channel per customer being listened to.
pub struct InProcessBus {
    sender: broadcast::Sender<Arc<Event>>,
    customers: Mutex<CustomerChannels>,
    published: AtomicI64,
}

/// The per-customer channels. A channel nobody listens to any more is
/// dropped when an event for it finds no receiver, and by a sweep whenever
/// the map has doubled since the last one (amortised: a sweep per
/// subscription would cost time quadratic in the subscribers).
#[derive(Default)]
struct CustomerChannels {
    senders: HashMap<i64, broadcast::Sender<Arc<Event>>>,
    sweep_at: usize,
}

impl CustomerChannels {
    fn subscribe(&mut self, customer_id: i64) -> broadcast::Receiver<Arc<Event>> {
        if self.senders.len() >= self.sweep_at {
            self.senders.retain(|_, sender| sender.receiver_count() > 0);
            self.sweep_at = (self.senders.len() * 2).max(64);
        }
        self.senders
            .entry(customer_id)
            .or_insert_with(|| broadcast::Sender::new(CUSTOMER_CAPACITY))
            .subscribe()
    }

    fn publish(&mut self, customer_id: i64, event: &Arc<Event>) {
        if let Some(sender) = self.senders.get(&customer_id)
            && sender.send(Arc::clone(event)).is_err()
        {
            self.senders.remove(&customer_id);
        }
    }
}

impl InProcessBus {
    /// An empty bus whose history starts after `position`.
    pub fn new(position: i64) -> Self {
        Self {
            sender: broadcast::Sender::new(CAPACITY),
            customers: Mutex::new(CustomerChannels::default()),
            published: AtomicI64::new(position),
        }
    }

    fn customers(&self) -> MutexGuard<'_, CustomerChannels> {
        // The map holds only senders; a panic elsewhere leaves it usable.
        self.customers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl EventBus for InProcessBus {
    fn publish(&self, event: Event) {
        // Recorded before sending: a subscriber that reads `from` after
        // this store receives every later event.
        self.published.store(event.position, Ordering::Release);
        let event = Arc::new(event);
        if let Change::Order { customer_id, .. } = event.change {
            self.customers().publish(customer_id, &event);
        }
        // No receiver is not an error: nobody is subscribed.
        let _ = self.sender.send(event);
    }

    fn subscribe(&self) -> Listener {
        let events = self.sender.subscribe();
        Listener {
            events,
            from: self.published.load(Ordering::Acquire),
        }
    }

    fn subscribe_customer(&self, customer_id: i64) -> Listener {
        let events = self.customers().subscribe(customer_id);
        Listener {
            events,
            from: self.published.load(Ordering::Acquire),
        }
    }
}
