//! Event fan-out between instances on one database: through Redis when it
//! is up, through the outbox when it is not.

use std::time::Duration;

use serde_json::json;
use storefront::{auth::Role, config::Settings};

use crate::{
    event_fixtures::{ORDER_EVENTS, burst_during_resubscription, cursor_now, place_on},
    helpers::{
        TestApp,
        redis_server::{OwnedRedis, TestRedis, unique_prefix, wait_for_subscribers},
        spawn_app_with,
        ws::WsClient,
    },
    order_fixtures::{line, place, stock_product},
};

/// Settings of an instance fanning out through the Redis at `url`.
fn with_redis(url: &str, prefix: &str, poll_interval: Duration) -> impl Fn(&mut Settings) + use<> {
    let (url, prefix) = (url.to_owned(), prefix.to_owned());
    move |settings: &mut Settings| {
        settings.redis.url = Some(url.clone().into());
        settings.redis.prefix = prefix.clone();
        settings.events.poll_interval = poll_interval;
    }
}

/// An admin subscription on `app` that has already received one local
/// order, so that it is live.
async fn live_subscription(app: &TestApp, customer: &str) -> WsClient {
    let (_, admin) = app.signed_in(Role::Admin).await;
    let mut socket = WsClient::connect_as(app.address, &admin).await;
    socket
        .subscribe(
            "orders",
            ORDER_EVENTS,
            json!({ "after": cursor_now(&app.db).await }),
        )
        .await;
    let local = place(app, customer, vec![line(3, 1)]).await;
    let first = socket.next_data("orders").await;
    assert_eq!(first["orderEvents"]["order"]["number"], local["number"]);
    socket
}

#[tokio::test]
async fn an_order_on_one_instance_reaches_another_through_redis() {
    let prefix = unique_prefix();
    // Polling so rarely that only a Redis notice can deliver in time.
    let redis = TestRedis::get().await;
    let settings = with_redis(redis.url(), &prefix, Duration::from_secs(3600));
    let app = spawn_app_with(&settings).await;
    let other = app.another_instance(&settings).await;
    wait_for_subscribers(redis.url(), &format!("{prefix}events"), 2).await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 100, 500).await;
    let mut socket = live_subscription(&app, &customer).await;

    let placed = place_on(&app, other.address, &customer).await;

    let event = socket.next_data("orders").await;
    assert_eq!(event["orderEvents"]["order"]["number"], placed["number"]);
}

#[tokio::test]
async fn with_redis_gone_orders_still_reach_other_instances_through_the_outbox() {
    let mut redis = OwnedRedis::start().await;
    let prefix = unique_prefix();
    let settings = with_redis(&redis.url, &prefix, Duration::from_millis(200));
    let app = spawn_app_with(&settings).await;
    let other = app.another_instance(&settings).await;
    wait_for_subscribers(&redis.url, &format!("{prefix}events"), 2).await;
    app.wait_for_readiness("redis", "ok").await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 100, 500).await;
    let mut socket = live_subscription(&app, &customer).await;
    let through_redis = place_on(&app, other.address, &customer).await;
    let event = socket.next_data("orders").await;
    assert_eq!(
        event["orderEvents"]["order"]["number"],
        through_redis["number"]
    );

    redis.kill();
    // Once this instance knows Redis is gone, only its outbox polling can
    // bring the next order.
    app.wait_for_readiness("redis", "failing").await;
    let through_outbox = place_on(&app, other.address, &customer).await;

    let event = socket.next_data("orders").await;
    assert_eq!(
        event["orderEvents"]["order"]["number"],
        through_outbox["number"]
    );
}

#[tokio::test]
async fn instances_start_and_fan_out_while_redis_is_unreachable() {
    let unreachable = OwnedRedis::start().await;
    let url = unreachable.url.clone();
    drop(unreachable);
    let settings = with_redis(&url, &unique_prefix(), Duration::from_millis(200));
    let app = spawn_app_with(&settings).await;
    let other = app.another_instance(&settings).await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 100, 500).await;
    let mut socket = live_subscription(&app, &customer).await;

    let placed = place_on(&app, other.address, &customer).await;

    let event = socket.next_data("orders").await;
    assert_eq!(event["orderEvents"]["order"]["number"], placed["number"]);
}

#[tokio::test]
async fn a_burst_of_orders_on_two_instances_during_a_resubscription_is_neither_lost_nor_duplicated()
{
    let prefix = unique_prefix();
    let redis = TestRedis::get().await;
    let settings = with_redis(redis.url(), &prefix, Duration::from_secs(1));
    let app = spawn_app_with(&settings).await;
    let other = app.another_instance(&settings).await;
    wait_for_subscribers(redis.url(), &format!("{prefix}events"), 2).await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 10_000, 100).await;

    burst_during_resubscription(&app, &[app.address, other.address], &admin, &customer, 50).await;
}
