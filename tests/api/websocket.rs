//! GraphQL over WebSocket: graphql-transport-ws frame by frame, with the
//! close codes of its PROTOCOL.md, and the legacy `graphql-ws` protocol.

use std::time::Duration;

use serde_json::{Value, json};
use storefront::{auth::Role, schema::ids::NodeKind};

use crate::{
    event_fixtures::{ADJUST_STOCK, STOCK_CHANGES, cursor_now},
    helpers::{
        TestApp, gid, spawn_app, spawn_app_with,
        ws::{Closed, LEGACY_WS, TRANSPORT_WS, WsClient},
    },
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
    let mut client = WsClient::connect(app.address, json!({})).await;
    client.subscribe("q1", PRODUCTS, json!({})).await;
    let next = client.message().await;
    assert_eq!(next["type"], "next");
    assert_eq!(next["id"], "q1");
    assert_eq!(next["payload"]["data"], products(&app).await);
    assert_eq!(
        client.message().await,
        json!({ "id": "q1", "type": "complete" })
    );
}

#[tokio::test]
async fn a_refused_operation_answers_error_without_complete() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(app.address, json!({})).await;
    client.subscribe("bad", "{ nope }", json!({})).await;
    let error = client.message().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["id"], "bad");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.message().await, json!({ "type": "pong" }));
}

#[tokio::test]
async fn an_invalid_message_closes_with_4400() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(app.address, json!({})).await;
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
    let mut client = WsClient::open(app.address, TRANSPORT_WS).await;
    client.send_text("connection_init".to_owned()).await;
    assert_eq!(client.closed().await.code, 4400);
}

#[tokio::test]
async fn subscribe_before_the_ack_closes_with_4401() {
    let app = spawn_app().await;
    let mut client = WsClient::open(app.address, TRANSPORT_WS).await;
    client.subscribe("1", PRODUCTS, json!({})).await;
    assert_eq!(client.closed().await, closed(4401, "Unauthorized"));
}

#[tokio::test]
async fn a_bad_token_in_connection_init_closes_with_4403() {
    let app = spawn_app().await;
    let mut client = WsClient::open(app.address, TRANSPORT_WS).await;
    client.init(Some("not-a-token")).await;
    assert_eq!(client.closed().await, closed(4403, "Forbidden"));
}

#[tokio::test]
async fn the_token_is_read_from_an_authorization_entry_in_any_case() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in(Role::Customer).await;
    let mut client = WsClient::open(app.address, TRANSPORT_WS).await;
    client
        .send(json!({
            "type": "connection_init",
            "payload": { "Authorization": format!("Bearer {token}") },
        }))
        .await;
    assert_eq!(client.message().await["type"], "connection_ack");
    client
        .subscribe("me", "{ viewer { role } }", json!({}))
        .await;
    let next = client.message().await;
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
    let mut client = WsClient::connect_as(app.address, &token).await;
    let closed = client.closed().await;
    assert_eq!(closed.code, 4403, "{closed:?}");
    assert!(closed.reason.contains("expired"), "{closed:?}");
}

#[tokio::test]
async fn an_unknown_subprotocol_is_accepted_then_closed_with_4406() {
    let app = spawn_app().await;
    for protocol in [Some("graphql-sse"), None] {
        let mut client = WsClient::offering(app.address, protocol).await;
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
    let mut client = WsClient::open(app.address, TRANSPORT_WS).await;
    assert_eq!(
        client.closed().await,
        closed(4408, "Connection initialisation timeout")
    );
}

#[tokio::test]
async fn a_second_connection_init_closes_with_4429() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(app.address, json!({})).await;
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
    let _first = WsClient::connect_as(app.address, &token).await;
    let mut second = WsClient::open(app.address, TRANSPORT_WS).await;
    second.init(Some(&token)).await;
    let closed = second.closed().await;
    assert_eq!(closed.code, 4429, "{closed:?}");
    drop(_first);
    let other = app.create_user(Role::Customer).await;
    WsClient::connect_as(app.address, &app.token(other, Role::Customer)).await;
}

#[tokio::test]
async fn a_client_ping_gets_a_pong_with_its_payload() {
    let app = spawn_app().await;
    let mut client = WsClient::open(app.address, TRANSPORT_WS).await;
    client
        .send(json!({ "type": "ping", "payload": { "sent": 1 } }))
        .await;
    assert_eq!(
        client.message().await,
        json!({ "type": "pong", "payload": { "sent": 1 } })
    );
}

#[tokio::test]
async fn the_server_pings_an_idle_socket_and_closes_it_when_no_pong_comes() {
    let app = spawn_app_with(|settings| {
        settings.websocket.ping_interval = Duration::from_millis(100);
    })
    .await;
    let mut client = WsClient::connect(app.address, json!({})).await;
    assert_eq!(client.message().await, json!({ "type": "ping" }));
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
    let mut client = WsClient::connect(app.address, json!({})).await;
    for _ in 0..5 {
        assert_eq!(client.message().await, json!({ "type": "ping" }));
        client.send(json!({ "type": "pong" })).await;
    }
    client.subscribe("q", PRODUCTS, json!({})).await;
    assert_eq!(client.recv().await["type"], "next");
}

#[tokio::test]
async fn the_legacy_protocol_acks_keeps_alive_and_answers_data_then_complete() {
    let app = spawn_app().await;
    let mut client = WsClient::open(app.address, LEGACY_WS).await;
    client
        .send(json!({ "type": "connection_init", "payload": {} }))
        .await;
    assert_eq!(client.message().await, json!({ "type": "connection_ack" }));
    assert_eq!(client.message().await, json!({ "type": "ka" }));
    client
        .send(json!({ "id": "1", "type": "start", "payload": { "query": PRODUCTS } }))
        .await;
    let data = client.recv().await;
    assert_eq!(data["type"], "data");
    assert_eq!(data["payload"]["data"], products(&app).await);
    assert_eq!(
        client.recv().await,
        json!({ "id": "1", "type": "complete" })
    );
    client.send(json!({ "type": "connection_terminate" })).await;
    assert_eq!(client.closed().await.code, 1000);
}

#[tokio::test]
async fn shutdown_closes_every_socket_with_1001() {
    let mut app = spawn_app().await;
    let mut acknowledged = WsClient::connect(app.address, json!({})).await;
    let mut fresh = WsClient::open(app.address, LEGACY_WS).await;
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
    let mut client = WsClient::with_small_buffer(app.address, TRANSPORT_WS, 4096).await;
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

/// Subscribes to every stock change from the newest event on.
async fn subscribe_to_stock(app: &TestApp, client: &mut WsClient, id: &str) {
    let after = cursor_now(&app.db).await;
    client
        .subscribe(id, STOCK_CHANGES, json!({ "after": after }))
        .await;
}

/// Sends a ping and waits for its pong: everything sent before has been
/// handled by then.
async fn round_trip(client: &mut WsClient) {
    client.send(json!({ "type": "ping" })).await;
    loop {
        let message = client.message().await;
        if message["type"] != "ping" {
            assert_eq!(message, json!({ "type": "pong" }));
            return;
        }
    }
}

#[tokio::test]
async fn a_duplicate_subscription_id_closes_with_4409() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(app.address, json!({})).await;
    subscribe_to_stock(&app, &mut client, "stock").await;
    subscribe_to_stock(&app, &mut client, "stock").await;
    assert_eq!(
        client.closed().await,
        closed(4409, "Subscriber for stock already exists")
    );
}

#[tokio::test]
async fn a_completed_id_may_be_used_again() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(app.address, json!({})).await;
    subscribe_to_stock(&app, &mut client, "stock").await;
    client
        .send(json!({ "id": "stock", "type": "complete" }))
        .await;
    subscribe_to_stock(&app, &mut client, "stock").await;
    round_trip(&mut client).await;
}

#[tokio::test]
async fn one_subscription_over_the_per_socket_limit_closes_with_4429() {
    let app = spawn_app_with(|settings| settings.websocket.max_subscriptions = 2).await;
    let mut client = WsClient::connect(app.address, json!({})).await;
    for id in ["a", "b", "c"] {
        subscribe_to_stock(&app, &mut client, id).await;
    }
    let closed = client.closed().await;
    assert_eq!(closed.code, 4429, "{closed:?}");
    assert!(closed.reason.contains("subscriptions"), "{closed:?}");
}

#[tokio::test]
async fn an_active_subscription_is_counted_by_field_in_the_metrics() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(app.address, json!({})).await;
    subscribe_to_stock(&app, &mut client, "stock").await;
    round_trip(&mut client).await;
    let labels = ["field=\"stockChanges\""];
    assert!(app.metric("graphql_ws_subscriptions_active", &labels).await >= 1.0);
    assert!(app.metric("graphql_ws_sockets_open", &[]).await >= 1.0);
}

#[tokio::test]
async fn a_legacy_subscription_receives_data() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let after = cursor_now(&app.db).await;
    let mut client = WsClient::open(app.address, LEGACY_WS).await;
    client
        .send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {admin}") } }))
        .await;
    assert_eq!(client.message().await["type"], "connection_ack");
    client
        .send(json!({
            "id": "1",
            "type": "start",
            "payload": { "query": STOCK_CHANGES, "variables": { "after": after } },
        }))
        .await;
    app.data_as(
        &admin,
        ADJUST_STOCK,
        json!({ "id": gid(NodeKind::Product, 4), "delta": 7 }),
    )
    .await;
    let data = client.recv().await;
    assert_eq!(data["type"], "data", "{data}");
    assert_eq!(data["id"], "1");
    assert_eq!(data["payload"]["data"]["stockChanges"]["delta"], 7);
    client.send(json!({ "id": "1", "type": "stop" })).await;
}

#[tokio::test]
async fn an_open_socket_holds_its_place_under_the_connection_cap() {
    let app = spawn_app_with(|settings| settings.http.max_client_connections = 1).await;
    let mut client = WsClient::connect(app.address, json!({})).await;
    let health = app.url("/healthz");
    let waiting = tokio::spawn(async move { reqwest::get(health).await.map(|r| r.status()) });
    for _ in 0..3 {
        round_trip(&mut client).await;
    }
    assert!(
        !waiting.is_finished(),
        "a request was served while the socket held the only place"
    );
    drop(client);
    let status = waiting.await.expect("join").expect("GET /healthz");
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_subscription_spends_its_cost_from_the_callers_budget() {
    let app = spawn_app_with(|settings| settings.limits.rate_limit_budget = 12).await;
    let mut client = WsClient::connect(app.address, json!({})).await;
    subscribe_to_stock(&app, &mut client, "first").await;
    subscribe_to_stock(&app, &mut client, "second").await;
    let refused = client.recv().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "second");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");
}
