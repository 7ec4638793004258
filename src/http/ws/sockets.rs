//! Every open WebSocket of the process. axum's graceful shutdown does not
//! wait for upgraded connections, so the server asks these sockets to close
//! (1001) and waits for them itself; they also hold the per-user counts
//! and the subscriptions the sockets share.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use tokio_util::{
    sync::CancellationToken,
    task::{TaskTracker, task_tracker::TaskTrackerToken},
};

use super::shared::SharedSubscriptions;
use crate::{http::server::ConnectionSlot, metrics, sync::lock};

/// The registry; clones share it.
#[derive(Clone, Default)]
pub struct Sockets(Arc<Registry>);

#[derive(Default)]
struct Registry {
    open: TaskTracker,
    closing: CancellationToken,
    per_user: Mutex<HashMap<i64, u32>>,
    shared: SharedSubscriptions,
}

impl Registry {
    fn per_user(&self) -> MutexGuard<'_, HashMap<i64, u32>> {
        lock(&self.per_user)
    }
}

impl Sockets {
    /// Registers a socket being opened, with its place under the server's
    /// connection cap (when served by it); both count until the ticket drops.
    pub fn open(&self, slot: Option<ConnectionSlot>) -> Ticket {
        metrics::record_ws_socket_opened();
        Ticket {
            _open: self.0.open.token(),
            _slot: slot,
            closing: self.0.closing.clone(),
        }
    }

    /// The subscriptions these sockets share.
    pub fn shared(&self) -> &SharedSubscriptions {
        &self.0.shared
    }

    /// Asks every socket to close, now and from now on.
    pub fn close_all(&self) {
        self.0.closing.cancel();
        self.0.open.close();
    }

    /// Completes once every socket has closed, after [`Self::close_all`].
    pub async fn closed(&self) {
        self.0.open.wait().await;
    }

    /// Counts one more socket of `user`, unless they already hold `max`
    /// (0: no limit).
    pub fn admit(&self, user: i64, max: u32) -> Option<UserSlot> {
        let mut per_user = self.0.per_user();
        let held = per_user.entry(user).or_default();
        if max > 0 && *held >= max {
            return None;
        }
        *held += 1;
        Some(UserSlot {
            registry: Arc::clone(&self.0),
            user,
        })
    }
}

/// One open socket's registration.
pub struct Ticket {
    _open: TaskTrackerToken,
    _slot: Option<ConnectionSlot>,
    closing: CancellationToken,
}

impl Ticket {
    /// Completes when the server shuts down.
    pub async fn closing(&self) {
        self.closing.cancelled().await;
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        metrics::record_ws_socket_closed();
    }
}

/// One of a user's sockets, counted while it lives.
pub struct UserSlot {
    registry: Arc<Registry>,
    user: i64,
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        let mut per_user = self.registry.per_user();
        if let Some(held) = per_user.get_mut(&self.user) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                per_user.remove(&self.user);
            }
        }
    }
}
