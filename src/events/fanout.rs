//! Fan-out between instances through Redis pub/sub.
//!
//! After a local commit, an instance publishes a short notice on one
//! channel; every instance subscribes to it and wakes its dispatcher, which
//! then reads the new events from the outbox. The notice carries no event:
//! the outbox stays the only source of events and of their order, so a
//! lost or duplicated notice can delay an event but never lose, reorder or
//! repeat one. While an instance's subscription is down, it reads the
//! outbox every `STOREFRONT_EVENT_POLL_INTERVAL` instead ([`FanoutHealth`]),
//! so events from other instances are only delayed.
//!
//! Redis may be down at start and may go away at any time: no connection
//! is made before first use, and every call has a timeout of its own.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use redis::AsyncCommands;
use tokio::sync::Notify;

use crate::{pubsub, redis_target::RedisTarget};

/// Longest wait for any single Redis call.
const CALL_TIMEOUT: Duration = Duration::from_millis(500);
/// Wait before reconnecting a lost subscription.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// How often a live subscription is checked with a PING.
const HEALTH_CHECK: Duration = Duration::from_secs(2);

/// Whether this instance's fan-out subscription is live; while it is not,
/// the dispatcher polls the outbox at the short interval.
#[derive(Clone, Default)]
pub struct FanoutHealth(Arc<AtomicBool>);

impl FanoutHealth {
    /// True while notices from other instances arrive.
    pub fn is_live(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self, live: bool) {
        self.0.store(live, Ordering::Release);
    }
}

/// The Redis side of event fan-out for one instance.
#[derive(Clone)]
pub struct RedisFanout {
    target: RedisTarget,
    channel: String,
    health: FanoutHealth,
}

impl RedisFanout {
    /// Fan-out over the Redis at `url`, on the channel `<prefix>events`.
    /// Only parses the URL: nothing connects yet.
    pub fn new(url: &str, prefix: &str) -> redis::RedisResult<Self> {
        Ok(Self {
            target: RedisTarget::parse(url)?,
            channel: format!("{prefix}events"),
            health: FanoutHealth::default(),
        })
    }

    /// Whether the subscription is live.
    pub fn health(&self) -> FanoutHealth {
        self.health.clone()
    }

    /// Publishes a notice each time `announce` is notified (bursts of
    /// commits coalesce into one notice), until the task is aborted. A
    /// failed publish is logged; other instances then see the events at
    /// their next poll.
    pub async fn announce_forever(self, announce: Arc<Notify>) {
        let mut connection = match self.target.connection(CALL_TIMEOUT) {
            Ok(connection) => connection,
            Err(err) => {
                tracing::warn!(error = %err, "cannot publish event notices to Redis");
                return;
            }
        };
        loop {
            announce.notified().await;
            let publish = connection.publish::<_, _, i64>(&self.channel, "committed");
            match tokio::time::timeout(CALL_TIMEOUT, publish).await {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "publishing an event notice failed"),
                Err(_) => tracing::warn!("publishing an event notice timed out"),
            }
        }
    }

    /// Wakes `dispatcher` for every notice, until the task is aborted;
    /// reconnects whenever the subscription is lost, and wakes the
    /// dispatcher after each (re)subscription to catch up.
    pub async fn listen_forever(self, dispatcher: Arc<Notify>) {
        loop {
            match self.subscription().await {
                Ok(pubsub) => {
                    self.health.set(true);
                    tracing::info!(channel = %self.channel, "listening for events from other instances");
                    dispatcher.notify_one();
                    self.relay(pubsub, &dispatcher).await;
                    tracing::warn!("lost the Redis event subscription; polling the outbox");
                    self.health.set(false);
                    // The dispatcher may be in a long wait: make it start
                    // polling now.
                    dispatcher.notify_one();
                }
                Err(reason) => {
                    tracing::debug!(%reason, "cannot subscribe to Redis events; polling the outbox");
                }
            }
            self.health.set(false);
            tokio::time::sleep(RECONNECT_DELAY).await;
        }
    }

    async fn subscription(&self) -> Result<redis::aio::PubSub, String> {
        pubsub::subscribe(self.target.pubsub_client(), &self.channel, CALL_TIMEOUT).await
    }

    /// Wakes `dispatcher` per notice until the subscription ends or stops
    /// answering PINGs.
    async fn relay(&self, pubsub: redis::aio::PubSub, dispatcher: &Notify) {
        pubsub::follow(pubsub, HEALTH_CHECK, CALL_TIMEOUT, |_| {
            dispatcher.notify_one()
        })
        .await;
    }
}
