//! One socket from upgrade to close: the protocol state (init, ack, the
//! operations by id), the timers (init timeout, token expiry, pings) and
//! the close codes of graphql-transport-ws's PROTOCOL.md.

use std::{collections::HashMap, net::IpAddr, sync::Arc, time::Duration};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{
    StreamExt as _,
    stream::{AbortHandle, SelectAll, SplitStream},
};
use serde_json::{Value as Json, json, value::RawValue};
use tokio::{
    sync::{mpsc, oneshot},
    time::{Instant, MissedTickBehavior},
};

use super::{
    operation::{self, Outcome},
    protocol::{self, ClientMessage, Protocol, ServerMessage},
    sockets::{Ticket, UserSlot},
    writer,
};
use crate::{
    auth::{Viewer, connection_params},
    config::WebSocketSettings,
    metrics,
    state::AppState,
};

/// How long the peer gets to answer our close frame before the socket is
/// dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(3);

/// Longest close reason a frame can carry (125 bytes less the code).
const MAX_REASON_BYTES: usize = 123;

/// Serves one upgraded socket until it closes.
pub async fn run(
    socket: WebSocket,
    protocol: Option<Protocol>,
    state: AppState,
    client_ip: IpAddr,
    ticket: Ticket,
) {
    let settings = state.settings.websocket.clone();
    let (sink, mut incoming) = socket.split();
    let (queue, queued) = mpsc::channel(settings.send_queue as usize);
    let (close, closed) = oneshot::channel();
    let writing = writer::run(sink, queued, closed);
    let session = async move {
        let mut session = Session {
            protocol: protocol.unwrap_or(Protocol::TransportWs),
            state,
            settings,
            client_ip,
            queue,
            init_received: false,
            acked: false,
            viewer: Viewer::Anonymous,
            expires_at: None,
            _user_slot: None,
            operations: SelectAll::new(),
            running: HashMap::new(),
            heard: false,
            awaiting_pong: false,
        };
        let ending = match protocol {
            Some(_) => session.serve(&mut incoming, &ticket).await,
            None => Ending::close(4406, "Subprotocol not acceptable"),
        };
        session.end(ending, &mut incoming, close).await;
        drop(ticket);
    };
    tokio::join!(writing, session);
}

/// Why a socket ends.
enum Ending {
    /// The server closes with this code and reason.
    Close(u16, String),
    /// The peer sent a close frame (with this code), or vanished.
    Peer(Option<u16>),
}

impl Ending {
    fn close(code: u16, reason: impl Into<String>) -> Self {
        Self::Close(code, reason.into())
    }
}

struct Session {
    protocol: Protocol,
    state: AppState,
    settings: WebSocketSettings,
    client_ip: IpAddr,
    queue: mpsc::Sender<Message>,
    init_received: bool,
    acked: bool,
    viewer: Viewer,
    expires_at: Option<Instant>,
    _user_slot: Option<UserSlot>,
    /// Results of every running operation, tagged with its id.
    operations: SelectAll<futures_util::stream::BoxStream<'static, (String, Outcome)>>,
    /// Running operations by id.
    running: HashMap<String, AbortHandle>,
    /// Whether the peer sent anything since the last ping tick.
    heard: bool,
    /// Whether a ping went out at the last tick.
    awaiting_pong: bool,
}

impl Session {
    async fn serve(&mut self, incoming: &mut SplitStream<WebSocket>, ticket: &Ticket) -> Ending {
        let init_deadline = tokio::time::sleep(self.settings.init_timeout);
        tokio::pin!(init_deadline);
        let interval = self.settings.ping_interval;
        let mut ticks = tokio::time::interval_at(Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let expiry = self.expires_at;
            let step = tokio::select! {
                biased;
                () = ticket.closing() => Err(Ending::close(1001, "The server is shutting down")),
                () = sleep_until(expiry), if expiry.is_some() => {
                    Err(Ending::close(4403, "Forbidden: the access token expired"))
                }
                () = &mut init_deadline, if !self.init_received => {
                    Err(Ending::close(4408, "Connection initialisation timeout"))
                }
                _ = ticks.tick(), if self.acked => self.tick(),
                frame = incoming.next() => match frame {
                    Some(Ok(message)) => {
                        self.heard = true;
                        self.receive(message)
                    }
                    None | Some(Err(_)) => Err(Ending::Peer(None)),
                },
                Some((id, outcome)) = self.operations.next(), if !self.operations.is_empty() => {
                    self.deliver(&id, outcome)
                }
            };
            if let Err(ending) = step {
                return ending;
            }
        }
    }

    /// Stops every operation, sends or answers the close, and waits a
    /// moment for the peer's answer so that the socket closes cleanly.
    async fn end(
        &mut self,
        ending: Ending,
        incoming: &mut SplitStream<WebSocket>,
        close: oneshot::Sender<Option<CloseFrame>>,
    ) {
        for (_, stop) in self.running.drain() {
            stop.abort();
        }
        self.operations.clear();
        match ending {
            Ending::Close(code, reason) => {
                metrics::record_ws_close(code, true);
                tracing::debug!(code, reason, "closing a WebSocket");
                let _ = close.send(Some(CloseFrame {
                    code,
                    reason: truncate(reason).into(),
                }));
                let _ = tokio::time::timeout(CLOSE_GRACE, async {
                    while let Some(Ok(message)) = incoming.next().await {
                        if matches!(message, Message::Close(_)) {
                            break;
                        }
                    }
                })
                .await;
            }
            Ending::Peer(code) => {
                metrics::record_ws_close(code.unwrap_or(1006), false);
                let _ = close.send(None);
            }
        }
    }

    /// The ping interval elapsed: an active peer is left alone, a silent
    /// one pinged, and one silent since the last ping is dead.
    fn tick(&mut self) -> Result<(), Ending> {
        if std::mem::take(&mut self.heard) {
            self.awaiting_pong = false;
            return Ok(());
        }
        if self.awaiting_pong {
            return Err(Ending::close(1001, "No pong within the ping interval"));
        }
        self.awaiting_pong = true;
        if self.protocol == Protocol::Legacy {
            // Legacy clients do not answer `ka`; every WebSocket answers a
            // ping frame.
            self.push(Message::Ping(Default::default()))?;
        }
        self.send(ServerMessage::Ping)
    }

    fn receive(&mut self, message: Message) -> Result<(), Ending> {
        let text = match message {
            Message::Text(text) => text.to_string(),
            Message::Binary(bytes) => match String::from_utf8(bytes.to_vec()) {
                Ok(text) => text,
                Err(_) => {
                    return self.invalid("Invalid message received: not UTF-8 text".to_owned());
                }
            },
            Message::Ping(_) | Message::Pong(_) => return Ok(()),
            Message::Close(frame) => return Err(Ending::Peer(frame.map(|frame| frame.code))),
        };
        match protocol::parse(self.protocol, &text) {
            Ok(message) => self.handle(message),
            Err(reason) => self.invalid(reason),
        }
    }

    /// 4400 in graphql-transport-ws; the legacy protocol answers `error`
    /// and carries on.
    fn invalid(&mut self, reason: String) -> Result<(), Ending> {
        match self.protocol {
            Protocol::TransportWs => Err(Ending::Close(4400, reason)),
            Protocol::Legacy => self.send(ServerMessage::Error {
                id: None,
                errors: &error_list(&reason),
            }),
        }
    }

    fn handle(&mut self, message: ClientMessage) -> Result<(), Ending> {
        match message {
            ClientMessage::Init(payload) => self.init(payload.as_ref()),
            ClientMessage::Subscribe { id, request } => self.subscribe(id, *request),
            ClientMessage::Complete(id) => {
                if let Some(stop) = self.running.remove(&id) {
                    stop.abort();
                }
                Ok(())
            }
            ClientMessage::Ping(payload) => self.send(ServerMessage::Pong(payload)),
            ClientMessage::Pong => Ok(()),
            ClientMessage::Terminate => Err(Ending::close(1000, "Normal Closure")),
        }
    }

    fn init(&mut self, payload: Option<&Json>) -> Result<(), Ending> {
        if std::mem::replace(&mut self.init_received, true) {
            return Err(Ending::close(4429, "Too many initialisation requests"));
        }
        let session = connection_params::authorization(payload).and_then(|authorization| {
            self.state
                .keys
                .session_from_header(authorization.as_deref())
        });
        let Ok(session) = session else {
            if self.protocol == Protocol::Legacy {
                self.send(ServerMessage::ConnectionError("Forbidden"))?;
            }
            return Err(Ending::close(4403, "Forbidden"));
        };
        if let Some(user) = session.viewer.user_id() {
            let max = self.settings.max_connections_per_user;
            let Some(slot) = self.state.sockets.admit(user, max) else {
                return Err(Ending::close(
                    4429,
                    format!("Too many connections for this user (at most {max})"),
                ));
            };
            self._user_slot = Some(slot);
        }
        self.viewer = session.viewer;
        self.expires_at = session.expires_at.map(|expires_at| {
            let left = (expires_at - chrono::Utc::now())
                .to_std()
                .unwrap_or_default();
            Instant::now() + left
        });
        self.acked = true;
        self.send(ServerMessage::Ack)?;
        if self.protocol == Protocol::Legacy {
            self.send(ServerMessage::Ping)?;
        }
        Ok(())
    }

    fn subscribe(&mut self, id: String, request: async_graphql::Request) -> Result<(), Ending> {
        if !self.acked {
            return match self.protocol {
                Protocol::TransportWs => Err(Ending::close(4401, "Unauthorized")),
                Protocol::Legacy => self.send(ServerMessage::Error {
                    id: Some(&id),
                    errors: &error_list("send connection_init first"),
                }),
            };
        }
        if let Some(running) = self.running.get(&id) {
            match self.protocol {
                Protocol::TransportWs => {
                    return Err(Ending::Close(
                        4409,
                        format!("Subscriber for {id} already exists"),
                    ));
                }
                // subscriptions-transport-ws replaces the operation.
                Protocol::Legacy => running.abort(),
            }
        }
        let max = self.settings.max_subscriptions;
        if self.running.len() >= max as usize && !self.running.contains_key(&id) {
            return Err(Ending::close(
                4429,
                format!("Too many subscriptions on this socket (at most {max})"),
            ));
        }
        let started = operation::start(&self.state, self.viewer, self.client_ip, request);
        let tag = id.clone();
        self.operations.push(
            started
                .results
                .map(move |outcome| (tag.clone(), outcome))
                .boxed(),
        );
        self.running.insert(id, started.stop);
        Ok(())
    }

    fn deliver(&mut self, id: &str, outcome: Outcome) -> Result<(), Ending> {
        if !self.running.contains_key(id) {
            return Ok(());
        }
        match outcome {
            Outcome::Next(payload) => self.send(ServerMessage::Next {
                id,
                payload: &payload,
            }),
            Outcome::Refused(errors) => {
                if let Some(stop) = self.running.remove(id) {
                    stop.abort();
                }
                self.send(ServerMessage::Error {
                    id: Some(id),
                    errors: &errors,
                })
            }
            Outcome::Lagged(missed) => Err(Ending::close(
                1013,
                format!("Subscriber too slow: {missed} results of {id} were missed"),
            )),
            Outcome::Done => {
                self.running.remove(id);
                self.send(ServerMessage::Complete(id))
            }
        }
    }

    fn send(&self, message: ServerMessage<'_>) -> Result<(), Ending> {
        self.push(Message::Text(
            protocol::encode(self.protocol, message).into(),
        ))
    }

    /// Queues a frame; a full queue means the client reads slower than its
    /// subscriptions produce, and it is closed rather than buffered.
    fn push(&self, message: Message) -> Result<(), Ending> {
        self.queue.try_send(message).map_err(|err| match err {
            mpsc::error::TrySendError::Full(_) => Ending::close(
                1013,
                format!(
                    "Subscriber too slow: {} messages waiting to be sent",
                    self.settings.send_queue
                ),
            ),
            mpsc::error::TrySendError::Closed(_) => Ending::Peer(None),
        })
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// An `error` payload of one message.
fn error_list(message: &str) -> Arc<RawValue> {
    operation::serialized(&json!([{ "message": message }]))
}

/// A close reason cut to what a frame can carry, on a character boundary.
fn truncate(mut reason: String) -> String {
    if reason.len() > MAX_REASON_BYTES {
        let mut end = MAX_REASON_BYTES;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
    reason
}
