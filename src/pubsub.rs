//! Redis pub/sub as the event fan-out and the entity cache's L1 use it: a
//! subscription made under a timeout, and its messages followed until it
//! ends or stops answering PINGs, so that a silently dead connection is
//! noticed and replaced.

use std::time::Duration;

use futures_util::StreamExt;
use redis::{Client, Msg, aio::PubSub};

/// A fresh connection to `client` subscribed to `channel`; each step under
/// `timeout`. The error says which step failed.
pub async fn subscribe(
    client: &Client,
    channel: &str,
    timeout: Duration,
) -> Result<PubSub, String> {
    let mut pubsub = tokio::time::timeout(timeout, client.get_async_pubsub())
        .await
        .map_err(|_| "connecting timed out".to_owned())?
        .map_err(|err| err.to_string())?;
    tokio::time::timeout(timeout, pubsub.subscribe(channel))
        .await
        .map_err(|_| "subscribing timed out".to_owned())?
        .map_err(|err| err.to_string())?;
    Ok(pubsub)
}

/// Hands each message of `pubsub` to `on_message` until the subscription
/// ends, or a PING sent after `every` quiet interval goes unanswered within
/// `timeout`.
pub async fn follow(
    pubsub: PubSub,
    every: Duration,
    timeout: Duration,
    mut on_message: impl FnMut(Msg),
) {
    let (mut sink, mut messages) = pubsub.split();
    let mut checks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            message = messages.next() => match message {
                Some(message) => on_message(message),
                None => return,
            },
            _ = checks.tick() => {
                // A subscribed RESP2 connection answers PING with an
                // array, not a status: any answer will do.
                let ping = tokio::time::timeout(timeout, sink.ping::<redis::Value>()).await;
                if !matches!(ping, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}
