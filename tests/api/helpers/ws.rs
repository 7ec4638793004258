//! A small graphql-transport-ws client: connect with a `connection_init`
//! payload, subscribe, read `next` / `error` / `complete` messages. Every
//! WebSocket test goes through it.

use std::{net::SocketAddr, time::Duration};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

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
        let mut request = format!("ws://{address}/graphql")
            .into_client_request()
            .expect("WebSocket request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(protocol).expect("protocol header"),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request)
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
                    if value["type"] != "ping" && value["type"] != "pong" {
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
