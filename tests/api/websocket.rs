//! GraphQL over WebSocket: graphql-transport-ws frame by frame, with the
//! close codes of its PROTOCOL.md, and the legacy `graphql-ws` protocol.

use std::time::Duration;

use serde_json::{Value, json};
use storefront::auth::Role;

use crate::{
    helpers::{TestApp, spawn_app, spawn_app_with},
    ws_client::{Closed, LEGACY_WS, TRANSPORT_WS, WsClient},
};

const PRODUCTS: &str = "{ products(first: 2) { nodes { name category { name } } } }";

fn closed(code: u16, reason: &str) -> Closed {
    Closed {
        code,
        reason: reason.to_owned(),
    }
}

async fn products(app: &TestApp) -> Value {
    app.data(PRODUCTS, json!({})).await
}

#[tokio::test]
async fn a_query_over_the_socket_answers_next_then_complete() {
    let app = spawn_app().await;
    let mut client = WsClient::acknowledged(&app, None).await;
    client.subscribe("q1", PRODUCTS, json!({})).await;
    let next = client.next().await;
    assert_eq!(next["type"], "next");
    assert_eq!(next["id"], "q1");
    assert_eq!(next["payload"]["data"], products(&app).await);
    assert_eq!(
        client.next().await,
        json!({ "id": "q1", "type": "complete" })
    );
}

#[tokio::test]
async fn a_refused_operation_answers_error_without_complete() {
    let app = spawn_app().await;
    let mut client = WsClient::acknowledged(&app, None).await;
    client.subscribe("bad", "{ nope }", json!({})).await;
    let error = client.next().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["id"], "bad");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.next().await, json!({ "type": "pong" }));
}

#[tokio::test]
async fn an_invalid_message_closes_with_4400() {
    let app = spawn_app().await;
    let mut client = WsClient::acknowledged(&app, None).await;
    client.send(json!({ "type": "subscribe", "id": "1" })).await;
    let closed = client.closed().await;
    assert_eq!(closed.code, 4400, "{closed:?}");
    assert!(
        closed.reason.starts_with("Invalid message received"),
        "{closed:?}"
    );
}

#[tokio::test]
async fn text_that_is_not_json_closes_with_4400() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(&app, Some(TRANSPORT_WS)).await;
    client.send_text("connection_init".to_owned()).await;
    assert_eq!(client.closed().await.code, 4400);
}

#[tokio::test]
async fn subscribe_before_the_ack_closes_with_4401() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(&app, Some(TRANSPORT_WS)).await;
    client.subscribe("1", PRODUCTS, json!({})).await;
    assert_eq!(client.closed().await, closed(4401, "Unauthorized"));
}

#[tokio::test]
async fn a_bad_token_in_connection_init_closes_with_4403() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(&app, Some(TRANSPORT_WS)).await;
    client.init(Some("not-a-token")).await;
    assert_eq!(client.closed().await, closed(4403, "Forbidden"));
}

#[tokio::test]
async fn the_token_is_read_from_an_authorization_entry_in_any_case() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in(Role::Customer).await;
    let mut client = WsClient::connect(&app, Some(TRANSPORT_WS)).await;
    client
        .send(json!({
            "type": "connection_init",
            "payload": { "Authorization": format!("Bearer {token}") },
        }))
        .await;
    assert_eq!(client.next().await["type"], "connection_ack");
    client
        .subscribe("me", "{ viewer { role } }", json!({}))
        .await;
    let next = client.next().await;
    assert_eq!(next["payload"]["data"]["viewer"]["role"], "CUSTOMER");
}

#[tokio::test]
async fn the_socket_closes_with_4403_when_its_token_expires() {
    let app = spawn_app_with(|settings| {
        settings.auth.access_token_ttl = Duration::from_secs(1);
    })
    .await;
    let user = app.create_user(Role::Customer).await;
    let token = app.token(user, Role::Customer);
    let mut client = WsClient::acknowledged(&app, Some(&token)).await;
    let closed = client.closed().await;
    assert_eq!(closed.code, 4403, "{closed:?}");
    assert!(closed.reason.contains("expired"), "{closed:?}");
}

#[tokio::test]
async fn an_unknown_subprotocol_is_accepted_then_closed_with_4406() {
    let app = spawn_app().await;
    for protocol in [Some("graphql-sse"), None] {
        let mut client = WsClient::connect(&app, protocol).await;
        assert_eq!(
            client.closed().await,
            closed(4406, "Subprotocol not acceptable"),
            "{protocol:?}"
        );
    }
}

#[tokio::test]
async fn no_connection_init_closes_with_4408() {
    let app = spawn_app_with(|settings| {
        settings.websocket.init_timeout = Duration::from_millis(200);
    })
    .await;
    let mut client = WsClient::connect(&app, Some(TRANSPORT_WS)).await;
    assert_eq!(
        client.closed().await,
        closed(4408, "Connection initialisation timeout")
    );
}

#[tokio::test]
async fn a_second_connection_init_closes_with_4429() {
    let app = spawn_app().await;
    let mut client = WsClient::acknowledged(&app, None).await;
    client.init(None).await;
    assert_eq!(
        client.closed().await,
        closed(4429, "Too many initialisation requests")
    );
}

#[tokio::test]
async fn a_user_over_the_connection_limit_is_closed_with_4429() {
    let app = spawn_app_with(|settings| settings.websocket.max_connections_per_user = 1).await;
    let user = app.create_user(Role::Customer).await;
    let token = app.token(user, Role::Customer);
    let _first = WsClient::acknowledged(&app, Some(&token)).await;
    let mut second = WsClient::connect(&app, Some(TRANSPORT_WS)).await;
    second.init(Some(&token)).await;
    let closed = second.closed().await;
    assert_eq!(closed.code, 4429, "{closed:?}");
    drop(_first);
    let other = app.create_user(Role::Customer).await;
    WsClient::acknowledged(&app, Some(&app.token(other, Role::Customer))).await;
}

#[tokio::test]
async fn a_client_ping_gets_a_pong_with_its_payload() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(&app, Some(TRANSPORT_WS)).await;
    client
        .send(json!({ "type": "ping", "payload": { "sent": 1 } }))
        .await;
    assert_eq!(
        client.next().await,
        json!({ "type": "pong", "payload": { "sent": 1 } })
    );
}

#[tokio::test]
async fn the_server_pings_an_idle_socket_and_closes_it_when_no_pong_comes() {
    let app = spawn_app_with(|settings| {
        settings.websocket.ping_interval = Duration::from_millis(100);
    })
    .await;
    let mut client = WsClient::acknowledged(&app, None).await;
    assert_eq!(client.next().await, json!({ "type": "ping" }));
    let closed = client.closed().await;
    assert_eq!(closed.code, 1001, "{closed:?}");
    assert!(closed.reason.contains("pong"), "{closed:?}");
}

#[tokio::test]
async fn a_socket_that_answers_pings_stays_open() {
    let app = spawn_app_with(|settings| {
        settings.websocket.ping_interval = Duration::from_millis(50);
    })
    .await;
    let mut client = WsClient::acknowledged(&app, None).await;
    for _ in 0..5 {
        assert_eq!(client.next().await, json!({ "type": "ping" }));
        client.send(json!({ "type": "pong" })).await;
    }
    client.subscribe("q", PRODUCTS, json!({})).await;
    assert_eq!(client.next_skipping_pings().await["type"], "next");
}

#[tokio::test]
async fn the_legacy_protocol_acks_keeps_alive_and_answers_data_then_complete() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(&app, Some(LEGACY_WS)).await;
    client
        .send(json!({ "type": "connection_init", "payload": {} }))
        .await;
    assert_eq!(client.next().await, json!({ "type": "connection_ack" }));
    assert_eq!(client.next().await, json!({ "type": "ka" }));
    client
        .send(json!({ "id": "1", "type": "start", "payload": { "query": PRODUCTS } }))
        .await;
    let data = client.next_skipping_pings().await;
    assert_eq!(data["type"], "data");
    assert_eq!(data["payload"]["data"], products(&app).await);
    assert_eq!(
        client.next_skipping_pings().await,
        json!({ "id": "1", "type": "complete" })
    );
    client.send(json!({ "type": "connection_terminate" })).await;
    assert_eq!(client.closed().await.code, 1000);
}

#[tokio::test]
async fn shutdown_closes_every_socket_with_1001() {
    let mut app = spawn_app().await;
    let mut acknowledged = WsClient::acknowledged(&app, None).await;
    let mut fresh = WsClient::connect(&app, Some(LEGACY_WS)).await;
    app.shut_down();
    for client in [&mut acknowledged, &mut fresh] {
        let closed = client.closed().await;
        assert_eq!(closed.code, 1001, "{closed:?}");
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_with_1013() {
    let app = spawn_app_with(|settings| settings.websocket.send_queue = 1).await;
    let before = app
        .metric(
            "graphql_ws_closes_total",
            &["code=\"1013\"", "by=\"server\""],
        )
        .await;
    let mut client = WsClient::connect_with_small_buffer(&app, TRANSPORT_WS, 4096).await;
    client.init(None).await;
    let big = "{ products(first: 100) { nodes { name slug sku description \
               reviews(first: 20) { nodes { body } } } } }";
    for id in 0..60 {
        client.subscribe(&id.to_string(), big, json!({})).await;
    }
    // Reading would relieve the server: wait, unread, until it gives up.
    let mut polls = 0;
    while app
        .metric(
            "graphql_ws_closes_total",
            &["code=\"1013\"", "by=\"server\""],
        )
        .await
        <= before
    {
        polls += 1;
        assert!(polls < 1500, "the server never closed the slow subscriber");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let closed = client.closed().await;
    assert_eq!(closed.code, 1013, "{closed:?}");
    assert!(closed.reason.contains("too slow"), "{closed:?}");
}
