//! GraphQL over WebSocket on `GET /graphql`, with async-graphql-axum's
//! stock transport (`graphql-transport-ws` and the legacy `graphql-ws`).
//!
//! The access token travels in `connection_init`'s payload, as
//! `{"authorization": "Bearer <token>"}` (the contract's form; the key
//! `Authorization` is accepted too) or `{"token": "<token>"}`. No token
//! means anonymous; a bad one refuses the connection. Operations then run
//! through [`SubscriptionExecutor`], which gives each its own loaders.

use std::net::SocketAddr;

use async_graphql::{Data, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{ConnectInfo, FromRequestParts, RawQuery, Request, State, WebSocketUpgrade},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use serde_json::Value as Json;

use super::{client_address, graphql};
use crate::{
    auth::Viewer, error::AppResult, schema::subscription::SubscriptionExecutor, state::AppState,
};

/// `GET /graphql`: a WebSocket upgrade, or else a query over GET.
pub async fn get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    if !is_websocket(request.headers()) {
        let (parts, _) = request.into_parts();
        let query = RawQuery(parts.uri.query().map(str::to_owned));
        return graphql::get(State(state), ConnectInfo(peer), parts.headers, query).await;
    }
    let (mut parts, _) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
        Ok(protocol) => protocol,
        Err(status) => return status.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let client =
        client_address::resolve(peer, &parts.headers, &state.settings.http.trusted_proxies);
    let executor = SubscriptionExecutor::new(
        state.schema.clone(),
        state.db.clone(),
        state.keys.clone(),
        graphql::request_id(&parts.headers),
        Some(client),
    );
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, executor, protocol)
                .on_connection_init(move |payload| async move {
                    let viewer = connection_viewer(&state, &payload)?;
                    let mut data = Data::default();
                    data.insert(viewer);
                    Ok(data)
                })
                .serve()
        })
}

fn is_websocket(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// The caller named by `connection_init`'s payload.
fn connection_viewer(state: &AppState, payload: &Json) -> AppResult<Viewer> {
    let header = ["authorization", "Authorization"]
        .iter()
        .find_map(|key| payload.get(key).and_then(Json::as_str))
        .map(str::to_owned);
    let authorization = header.or_else(|| {
        payload
            .get("token")
            .and_then(Json::as_str)
            .map(|token| format!("Bearer {token}"))
    });
    state.keys.viewer_from_header(authorization.as_deref())
}
