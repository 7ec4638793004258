//! A small GraphQL-over-WebSocket client speaking the wire protocol, for
//! the tests that check it frame by frame.

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{
        Message,
        client::IntoClientRequest,
        http::{HeaderValue, header::SEC_WEBSOCKET_PROTOCOL},
    },
};

use crate::helpers::TestApp;

/// The modern subprotocol.
pub const TRANSPORT_WS: &str = "graphql-transport-ws";
/// The legacy (subscriptions-transport-ws) subprotocol.
pub const LEGACY_WS: &str = "graphql-ws";

/// One socket to `/graphql`.
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a socket ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
}

impl WsClient {
    /// Opens a socket offering `protocol` (none when `None`).
    pub async fn connect(app: &TestApp, protocol: Option<&str>) -> Self {
        let stream = TcpStream::connect(app.address).await.expect("tcp connect");
        Self::handshake(app, protocol, stream).await
    }

    /// Opens a socket whose receive buffer is `bytes` small, so that a
    /// client that stops reading backs the server up quickly.
    pub async fn connect_with_small_buffer(app: &TestApp, protocol: &str, bytes: u32) -> Self {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(bytes).expect("SO_RCVBUF");
        let stream = socket.connect(app.address).await.expect("tcp connect");
        Self::handshake(app, Some(protocol), stream).await
    }

    async fn handshake(app: &TestApp, protocol: Option<&str>, stream: TcpStream) -> Self {
        let mut request = format!("ws://{}/graphql", app.address)
            .into_client_request()
            .expect("request");
        if let Some(protocol) = protocol {
            request.headers_mut().insert(
                SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_str(protocol).expect("header"),
            );
        }
        let (socket, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream))
            .await
            .expect("WebSocket handshake");
        Self { socket }
    }

    /// Opens a graphql-transport-ws socket and acknowledges it, with
    /// `token` in the init payload when given.
    pub async fn acknowledged(app: &TestApp, token: Option<&str>) -> Self {
        let mut client = Self::connect(app, Some(TRANSPORT_WS)).await;
        client.init(token).await;
        assert_eq!(client.next().await["type"], "connection_ack");
        client
    }

    /// Sends `connection_init`, with `token` as the authorization.
    pub async fn init(&mut self, token: Option<&str>) {
        let payload = match token {
            Some(token) => json!({ "authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
    }

    /// Sends `subscribe` (graphql-transport-ws).
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// Sends one JSON text frame.
    pub async fn send(&mut self, message: Value) {
        self.send_text(message.to_string()).await;
    }

    /// Sends one text frame as it is.
    pub async fn send_text(&mut self, text: String) {
        self.socket
            .send(Message::text(text))
            .await
            .expect("send a frame");
    }

    /// The next JSON message; fails on a close.
    pub async fn next(&mut self) -> Value {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str()).expect("JSON message");
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// The next message that is not a server `ping` or legacy `ka`.
    pub async fn next_skipping_pings(&mut self) -> Value {
        loop {
            let message = self.next().await;
            if !matches!(message["type"].as_str(), Some("ping" | "ka")) {
                return message;
            }
        }
    }

    /// Reads until the server's close frame; other messages are skipped.
    pub async fn closed(&mut self) -> Closed {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Closed {
                        code: u16::from(frame.code),
                        reason: frame.reason.to_string(),
                    };
                }
                Some(Ok(_)) => {}
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }
}
