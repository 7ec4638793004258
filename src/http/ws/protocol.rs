//! The two wire protocols of GraphQL over WebSocket, read into one set of
//! client messages and written from one set of server messages:
//! `graphql-transport-ws` (graphql-ws's PROTOCOL.md) and the legacy
//! `graphql-ws` of subscriptions-transport-ws.

use axum::http::HeaderValue;
use serde::Serialize;
use serde_json::{Map, Value as Json, json, value::RawValue};

use crate::http::graphql::graphql_request;

/// A subprotocol the endpoint speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws`: close codes, `ping`/`pong`, `next`.
    TransportWs,
    /// `graphql-ws` (subscriptions-transport-ws): `start`/`stop`, `data`, `ka`.
    Legacy,
}

impl Protocol {
    /// Subprotocol names in order of preference.
    pub const NAMES: [&'static str; 2] = ["graphql-transport-ws", "graphql-ws"];

    /// The protocol the handshake agreed on.
    pub fn from_header(value: &HeaderValue) -> Option<Self> {
        match value.as_bytes() {
            b"graphql-transport-ws" => Some(Self::TransportWs),
            b"graphql-ws" => Some(Self::Legacy),
            _ => None,
        }
    }
}

/// What a client may send, in either protocol.
#[derive(Debug)]
pub enum ClientMessage {
    /// `connection_init`, with its optional payload.
    Init(Option<Json>),
    /// `subscribe` (legacy `start`): run an operation under `id`.
    Subscribe {
        /// The client's operation id.
        id: String,
        /// The operation.
        request: Box<async_graphql::Request>,
    },
    /// `complete` (legacy `stop`): the client no longer listens to `id`.
    Complete(String),
    /// `ping`, answered with a `pong` carrying the same payload.
    Ping(Option<Json>),
    /// `pong`: proof of life, nothing to do.
    Pong,
    /// Legacy `connection_terminate`.
    Terminate,
}

/// Why a text frame is not a valid client message: the reason of the 4400
/// close, or of the legacy `error` message.
pub type Invalid = String;

/// Reads one text frame.
pub fn parse(protocol: Protocol, text: &str) -> Result<ClientMessage, Invalid> {
    let Ok(Json::Object(mut message)) = serde_json::from_str::<Json>(text) else {
        return Err("Invalid message received: not a JSON object".to_owned());
    };
    let kind = match message.remove("type") {
        Some(Json::String(kind)) => kind,
        _ => return Err("Invalid message received: `type` must be a string".to_owned()),
    };
    match (protocol, kind.as_str()) {
        (_, "connection_init") => Ok(ClientMessage::Init(optional_object(&mut message)?)),
        (Protocol::TransportWs, "subscribe") | (Protocol::Legacy, "start") => {
            let id = id(&mut message)?;
            let Some(Json::Object(payload)) = message.remove("payload") else {
                return Err(format!(
                    "Invalid message received: `{kind}` needs a payload object"
                ));
            };
            let request = graphql_request(payload).map_err(|error| {
                let error = async_graphql::Error::from(error);
                format!("Invalid message received: {}", error.message)
            })?;
            Ok(ClientMessage::Subscribe {
                id,
                request: Box::new(request),
            })
        }
        (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
            Ok(ClientMessage::Complete(id(&mut message)?))
        }
        (Protocol::TransportWs, "ping") => Ok(ClientMessage::Ping(optional_object(&mut message)?)),
        (Protocol::TransportWs, "pong") => {
            optional_object(&mut message)?;
            Ok(ClientMessage::Pong)
        }
        (Protocol::Legacy, "connection_terminate") => Ok(ClientMessage::Terminate),
        _ => Err(format!(
            "Invalid message received: unexpected type `{kind}`"
        )),
    }
}

fn id(message: &mut Map<String, Json>) -> Result<String, Invalid> {
    match message.remove("id") {
        Some(Json::String(id)) if !id.is_empty() => Ok(id),
        _ => Err("Invalid message received: `id` must be a non-empty string".to_owned()),
    }
}

fn optional_object(message: &mut Map<String, Json>) -> Result<Option<Json>, Invalid> {
    match message.remove("payload") {
        None | Some(Json::Null) => Ok(None),
        Some(payload @ Json::Object(_)) => Ok(Some(payload)),
        Some(_) => Err("Invalid message received: `payload` must be an object".to_owned()),
    }
}

/// What the server sends, in either protocol.
#[derive(Debug)]
pub enum ServerMessage<'a> {
    /// `connection_ack`.
    Ack,
    /// Legacy `connection_error`: the init was refused.
    ConnectionError(&'a str),
    /// `ping` (legacy: `ka`, the keep-alive).
    Ping,
    /// `pong`, echoing the ping's payload.
    Pong(Option<Json>),
    /// `next` (legacy `data`): one result of operation `id`.
    Next {
        /// The operation id.
        id: &'a str,
        /// The execution result.
        payload: &'a RawValue,
    },
    /// `error`: operation `id` was refused before it ran.
    Error {
        /// The operation id.
        id: Option<&'a str>,
        /// The GraphQL errors.
        errors: &'a RawValue,
    },
    /// `complete`: operation `id` has no more results.
    Complete(&'a str),
}

/// Writes one server message as a text frame's content.
pub fn encode(protocol: Protocol, message: ServerMessage<'_>) -> String {
    let legacy = protocol == Protocol::Legacy;
    let json = match message {
        ServerMessage::Ack => json!({ "type": "connection_ack" }),
        ServerMessage::ConnectionError(reason) => {
            json!({ "type": "connection_error", "payload": { "message": reason } })
        }
        ServerMessage::Ping if legacy => json!({ "type": "ka" }),
        ServerMessage::Ping => json!({ "type": "ping" }),
        ServerMessage::Pong(Some(payload)) => json!({ "type": "pong", "payload": payload }),
        ServerMessage::Pong(None) => json!({ "type": "pong" }),
        ServerMessage::Next { id, payload } => {
            let kind = if legacy { "data" } else { "next" };
            return frame(Some(id), kind, payload);
        }
        ServerMessage::Error { id, errors } => return frame(id, "error", errors),
        ServerMessage::Complete(id) => json!({ "id": id, "type": "complete" }),
    };
    json.to_string()
}

/// A message around a payload that is already JSON text, which is copied
/// as is (a shared subscription serializes each result once).
fn frame(id: Option<&str>, kind: &str, payload: &RawValue) -> String {
    #[derive(Serialize)]
    struct Frame<'a> {
        id: Option<&'a str>,
        #[serde(rename = "type")]
        kind: &'a str,
        payload: &'a RawValue,
    }
    serde_json::to_string(&Frame { id, kind, payload }).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_ws_messages_are_read() {
        let init = parse(Protocol::TransportWs, r#"{"type":"connection_init"}"#);
        assert!(matches!(init, Ok(ClientMessage::Init(None))));
        let subscribe = parse(
            Protocol::TransportWs,
            r#"{"id":"1","type":"subscribe","payload":{"query":"{ a }","variables":null}}"#,
        );
        assert!(matches!(subscribe, Ok(ClientMessage::Subscribe { id, .. }) if id == "1"));
        let complete = parse(Protocol::TransportWs, r#"{"id":"1","type":"complete"}"#);
        assert!(matches!(complete, Ok(ClientMessage::Complete(id)) if id == "1"));
    }

    #[test]
    fn malformed_messages_are_invalid() {
        for text in [
            "not json",
            "[]",
            r#"{"type":7}"#,
            r#"{"type":"start","id":"1","payload":{"query":"{ a }"}}"#,
            r#"{"type":"subscribe","payload":{"query":"{ a }"}}"#,
            r#"{"type":"subscribe","id":"1","payload":{"query":1}}"#,
            r#"{"type":"subscribe","id":"1"}"#,
            r#"{"type":"connection_init","payload":"token"}"#,
            r#"{"type":"next","id":"1","payload":{}}"#,
        ] {
            assert!(parse(Protocol::TransportWs, text).is_err(), "{text}");
        }
    }

    #[test]
    fn legacy_messages_use_their_own_names() {
        let start = parse(
            Protocol::Legacy,
            r#"{"id":"1","type":"start","payload":{"query":"{ a }"}}"#,
        );
        assert!(matches!(start, Ok(ClientMessage::Subscribe { .. })));
        let stop = parse(Protocol::Legacy, r#"{"id":"1","type":"stop"}"#);
        assert!(matches!(stop, Ok(ClientMessage::Complete(_))));
        assert!(parse(Protocol::Legacy, r#"{"type":"ping"}"#).is_err());
        let data = encode(
            Protocol::Legacy,
            ServerMessage::Next {
                id: "1",
                payload: &RawValue::from_string("{}".to_owned()).unwrap(),
            },
        );
        assert_eq!(data, r#"{"id":"1","type":"data","payload":{}}"#);
        assert_eq!(
            encode(Protocol::Legacy, ServerMessage::Ping),
            r#"{"type":"ka"}"#
        );
    }
}
