//! A small GraphQL-over-WebSocket client: connect with a `connection_init`
//! payload, subscribe, read `next` / `error` / `complete` messages, or go
//! frame by frame (raw text, pings, the close frame) for the protocol
//! tests. Every WebSocket test goes through it.

use std::{net::SocketAddr, time::Duration};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

/// The modern subprotocol.
pub const TRANSPORT_WS: &str = "graphql-transport-ws";
/// The legacy (subscriptions-transport-ws) subprotocol.
pub const LEGACY_WS: &str = "graphql-ws";

/// How the server closed a socket.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
}

/// How long a test waits for a message before it fails instead of hanging;
/// a safety net, far above any expected delay, not a measured assertion.
const PATIENCE: Duration = Duration::from_secs(20);

/// One WebSocket connection to `/graphql`.
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    /// Opens a socket to the server at `address` speaking `protocol`,
    /// without sending anything.
    pub async fn open(address: SocketAddr, protocol: &str) -> Self {
        Self::offering(address, Some(protocol)).await
    }

    /// Opens a socket offering `protocol` (no subprotocol header when
    /// `None`), without sending anything.
    pub async fn offering(address: SocketAddr, protocol: Option<&str>) -> Self {
        let stream = TcpStream::connect(address).await.expect("TCP connect");
        Self::handshake(address, protocol, stream).await
    }

    /// Opens a socket whose receive buffer is only `bytes` large, so that a
    /// client that stops reading backs the server up quickly.
    pub async fn with_small_buffer(address: SocketAddr, protocol: &str, bytes: u32) -> Self {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(bytes).expect("SO_RCVBUF");
        let stream = socket.connect(address).await.expect("TCP connect");
        Self::handshake(address, Some(protocol), stream).await
    }

    async fn handshake(address: SocketAddr, protocol: Option<&str>, stream: TcpStream) -> Self {
        let mut request = format!("ws://{address}/graphql")
            .into_client_request()
            .expect("WebSocket request");
        if let Some(protocol) = protocol {
            request.headers_mut().insert(
                "sec-websocket-protocol",
                HeaderValue::from_str(protocol).expect("protocol header"),
            );
        }
        let (socket, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream))
            .await
            .expect("WebSocket handshake");
        Self { socket }
    }

    /// Connects with graphql-transport-ws and `payload` as
    /// `connection_init`'s; waits for `connection_ack`.
    pub async fn connect(address: SocketAddr, payload: Value) -> Self {
        let mut client = Self::open(address, "graphql-transport-ws").await;
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = client.recv().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        client
    }

    /// Connects as the holder of `token` (`{"authorization": "Bearer …"}`).
    pub async fn connect_as(address: SocketAddr, token: &str) -> Self {
        Self::connect(
            address,
            json!({ "authorization": format!("Bearer {token}") }),
        )
        .await
    }

    /// Sends `connection_init` with `token` as its authorization.
    pub async fn init(&mut self, token: Option<&str>) {
        let payload = match token {
            Some(token) => json!({ "authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
    }

    /// Sends one text frame as it is.
    pub async fn send_text(&mut self, text: String) {
        self.socket
            .send(Message::text(text))
            .await
            .expect("send WebSocket message");
    }

    /// The next JSON message, pings and pongs of the protocol included;
    /// fails on a close.
    pub async fn message(&mut self) -> Value {
        loop {
            match self.frame().await {
                Message::Text(text) => return serde_json::from_str(&text).expect("JSON message"),
                Message::Close(frame) => panic!("the server closed the socket: {frame:?}"),
                _ => {}
            }
        }
    }

    /// Reads until the server's close frame, skipping other messages.
    pub async fn closed(&mut self) -> Closed {
        loop {
            if let Message::Close(frame) = self.frame().await {
                let frame = frame.expect("a close frame with a code");
                return Closed {
                    code: u16::from(frame.code),
                    reason: frame.reason.to_string(),
                };
            }
        }
    }

    async fn frame(&mut self) -> Message {
        tokio::time::timeout(PATIENCE, self.socket.next())
            .await
            .expect("no WebSocket message in time")
            .expect("the server closed the socket")
            .expect("WebSocket error")
    }

    /// Sends one JSON message.
    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("send WebSocket message");
    }

    /// The next JSON message, skipping pings and pongs of either layer.
    pub async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("no WebSocket message in time")
                .expect("the server closed the socket")
                .expect("WebSocket error");
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON message");
                    if !matches!(value["type"].as_str(), Some("ping" | "pong" | "ka")) {
                        return value;
                    }
                }
                Message::Close(frame) => panic!("the server closed the socket: {frame:?}"),
                _ => {}
            }
        }
    }

    /// Starts operation `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// The payload of the next `next` message, which must be for `id`.
    pub async fn next(&mut self, id: &str) -> Value {
        let message = self.recv().await;
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["id"], id, "{message}");
        message["payload"].clone()
    }

    /// As [`Self::next`], or `None` when nothing arrives within `wait`.
    pub async fn next_within(&mut self, id: &str, wait: Duration) -> Option<Value> {
        let message = tokio::time::timeout(wait, self.recv()).await.ok()?;
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["id"], id, "{message}");
        Some(message["payload"].clone())
    }

    /// The `data` of the next `next` message for `id`, which must have no errors.
    pub async fn next_data(&mut self, id: &str) -> Value {
        let payload = self.next(id).await;
        assert!(
            payload.get("errors").is_none(),
            "unexpected errors: {payload}"
        );
        payload["data"].clone()
    }

    /// Ends operation `id`.
    pub async fn complete(&mut self, id: &str) {
        self.send(json!({ "id": id, "type": "complete" })).await;
    }
}
