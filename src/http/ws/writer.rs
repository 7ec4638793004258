//! Writes one socket's outgoing messages from a bounded queue, so that a
//! client that stops reading fills the queue (and gets closed) instead of
//! growing memory. A close jumps the queue.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt as _, stream::SplitSink};
use tokio::sync::{mpsc, oneshot};

/// How long the close frame may take to leave; a peer that reads nothing
/// is then dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(3);

/// Sends queued messages until told to close (with the frame to send, or
/// `None` to answer a close the peer started) or until the peer is gone.
pub async fn run(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Message>,
    mut close: oneshot::Receiver<Option<CloseFrame>>,
) {
    loop {
        let message = tokio::select! {
            biased;
            frame = &mut close => return finish(sink, frame.ok().flatten()).await,
            message = queue.recv() => match message {
                Some(message) => message,
                None => return finish(sink, None).await,
            },
        };
        tokio::select! {
            biased;
            frame = &mut close => return finish(sink, frame.ok().flatten()).await,
            sent = sink.send(message) => {
                if sent.is_err() {
                    return;
                }
            }
        }
    }
}

async fn finish(mut sink: SplitSink<WebSocket, Message>, frame: Option<CloseFrame>) {
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        if let Some(frame) = frame {
            let _ = sink.send(Message::Close(Some(frame))).await;
        }
        let _ = sink.close().await;
    })
    .await;
}
