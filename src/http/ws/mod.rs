//! GraphQL over WebSocket on `/graphql`, following graphql-transport-ws's
//! PROTOCOL.md to the letter (close codes 4400, 4401, 4403, 4406, 4408,
//! 4409, 4429) and keeping the legacy `graphql-ws` subprotocol working.
//!
//! async-graphql's own `WebSocket` departs from the protocol (no init
//! timeout, 1002/1011 where 4403/4401/4400 are due, a duplicate id replaces
//! the stream, no server pings, HTTP 400 for an unknown subprotocol), so the
//! protocol state lives here and each operation runs through
//! `Schema::execute_stream` like an HTTP request; sockets that subscribe to
//! the same event stream as the same viewer share one execution (`shared`).

mod operation;
mod protocol;
mod session;
mod shared;
mod sockets;
mod writer;

use std::net::SocketAddr;

use axum::{
    extract::ws::WebSocketUpgrade,
    http::{HeaderMap, HeaderValue},
    response::Response,
};

pub use sockets::Sockets;

use super::{client_address, server::ConnectionSlot};
use crate::state::AppState;
use protocol::Protocol;

/// The read buffer each socket allocates up front. Clients send small
/// messages (`pong`, `subscribe`; larger ones are read in several passes);
/// tungstenite's default of 128 KiB made an idle subscriber cost about
/// 150 KB of memory, and 4 KiB still cost 3 KB more per socket than this.
const READ_BUFFER_BYTES: usize = 1024;

/// Upgrades `GET /graphql`. A handshake naming neither subprotocol is
/// still accepted, then closed with 4406, which clients understand (an
/// HTTP 400 reads as a network failure to them).
pub fn upgrade(
    state: AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    upgrade: WebSocketUpgrade,
    slot: Option<ConnectionSlot>,
) -> Response {
    let mut upgrade = upgrade
        .protocols(Protocol::NAMES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(state.settings.http.max_body_bytes);
    let protocol = upgrade.selected_protocol().and_then(Protocol::from_header);
    if protocol.is_none() {
        // Echo the client's first choice: a handshake without it fails in
        // the client before our 4406 can arrive.
        let first = upgrade
            .requested_protocols()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .find(|name| !name.is_empty())
            .and_then(|name| HeaderValue::from_str(name).ok());
        if let Some(first) = first {
            upgrade.set_selected_protocol(first);
        }
    }
    let client_ip = client_address::resolve(peer, headers, &state.settings.http.trusted_proxies);
    let ticket = state.sockets.open(slot);
    upgrade.on_upgrade(move |socket| session::run(socket, protocol, state, client_ip, ticket))
}
