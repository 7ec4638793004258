//! The `dashboard` subscription: admins only, a snapshot at once, then one
//! per change, throttled, computed once per instance and shared.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use serde_json::{Value, json};
use storefront::{auth::Role, schema::ids::NodeKind};

use crate::{
    event_fixtures::ADJUST_STOCK,
    helpers::{TestApp, gid, spawn_app, spawn_app_with, ws::WsClient},
    order_fixtures::{line, place, stock_product},
};

const DASHBOARD: &str = "subscription {
  dashboard {
    generatedAt ordersToday ordersLastHour
    revenueToday { amount currency }
    ordersPerMinute { minute orders }
    topProducts { unitsSold revenue { amount } product { id name } }
    lowStock { id stock }
    recentOrders { id number total { amount } customer { id } }
  }
}";

/// The next snapshot on `socket`'s subscription `id`.
async fn snapshot(socket: &mut WsClient, id: &str) -> Value {
    socket.next_data(id).await["dashboard"].clone()
}

/// The first snapshot on `socket` that satisfies `wanted`. Others may come
/// first: the turn of a minute also refreshes the dashboard.
async fn snapshot_where(socket: &mut WsClient, wanted: impl Fn(&Value) -> bool) -> Value {
    loop {
        let next = snapshot(socket, "dash").await;
        if wanted(&next) {
            return next;
        }
    }
}

/// An admin's socket following the dashboard, with its first snapshot.
async fn follow(app: &TestApp, admin: &str) -> (WsClient, Value) {
    let mut socket = WsClient::connect_as(app.address, admin).await;
    socket.subscribe("dash", DASHBOARD, json!({})).await;
    let first = snapshot(&mut socket, "dash").await;
    (socket, first)
}

fn generated_at(snapshot: &Value) -> DateTime<Utc> {
    snapshot["generatedAt"]
        .as_str()
        .and_then(|at| at.parse().ok())
        .unwrap_or_else(|| panic!("generatedAt in {snapshot}"))
}

fn count(snapshot: &Value, field: &str) -> i64 {
    snapshot[field]
        .as_i64()
        .unwrap_or_else(|| panic!("{field} in {snapshot}"))
}

#[tokio::test]
async fn an_admin_gets_a_snapshot_at_once_and_another_when_an_order_is_placed() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (customer, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 50, 1_250).await;
    let (mut socket, before) = follow(&app, &admin).await;
    assert_eq!(
        before["ordersPerMinute"].as_array().map(Vec::len),
        Some(60),
        "{before}"
    );

    let placed = place(&app, &token, vec![line(3, 2)]).await;

    let after = snapshot_where(&mut socket, |next| {
        count(next, "ordersToday") > count(&before, "ordersToday")
    })
    .await;
    assert_eq!(
        count(&after, "ordersToday"),
        count(&before, "ordersToday") + 1
    );
    assert_eq!(
        count(&after, "ordersLastHour"),
        count(&before, "ordersLastHour") + 1
    );
    let minutes = after["ordersPerMinute"].as_array().expect("a series");
    let sum: i64 = minutes.iter().map(|minute| count(minute, "orders")).sum();
    assert_eq!(sum, count(&after, "ordersLastHour"));
    assert!(count(&minutes[59], "orders") >= 1, "{after}");
    let revenue = |snapshot: &Value| -> f64 {
        snapshot["revenueToday"]["amount"]
            .as_str()
            .and_then(|amount| amount.parse().ok())
            .unwrap_or_else(|| panic!("revenueToday in {snapshot}"))
    };
    assert!(
        (revenue(&after) - revenue(&before) - 25.0).abs() < 1e-9,
        "{after}"
    );
    let newest = &after["recentOrders"][0];
    assert_eq!(newest["number"], placed["number"], "{after}");
    assert_eq!(newest["customer"]["id"], gid(NodeKind::User, customer));
    let top = after["topProducts"].as_array().expect("best sellers");
    assert!(
        top.iter()
            .any(|entry| entry["product"]["id"] == gid(NodeKind::Product, 3)),
        "{after}"
    );
    assert!(generated_at(&after) > generated_at(&before));
}

#[tokio::test]
async fn a_product_running_low_appears_in_low_stock() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    stock_product(&app, 4, 40, 500).await;
    let (mut socket, before) = follow(&app, &admin).await;
    let product = gid(NodeKind::Product, 4);
    let listed = |snapshot: &Value| {
        snapshot["lowStock"]
            .as_array()
            .is_some_and(|products| products.iter().any(|entry| entry["id"] == product))
    };
    assert!(!listed(&before), "{before}");

    let reply = app
        .gql_as(&admin, ADJUST_STOCK, json!({ "id": product, "delta": -38 }))
        .await;
    assert_eq!(
        reply.body["data"]["adjustStock"]["stock"], 2,
        "{}",
        reply.body
    );

    let after = snapshot_where(&mut socket, |next| listed(next)).await;
    assert!(listed(&after), "{after}");
}

#[tokio::test]
async fn every_subscriber_shares_one_snapshot_per_change() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 50, 1_000).await;
    let (mut first, before) = follow(&app, &admin).await;
    let (mut second, _) = follow(&app, &admin).await;
    let target = count(&before, "ordersToday") + 1;

    place(&app, &token, vec![line(3, 1)]).await;

    let seen_first = snapshot_where(&mut first, |next| count(next, "ordersToday") == target).await;
    let seen_second =
        snapshot_where(&mut second, |next| count(next, "ordersToday") == target).await;
    // Each snapshot is stamped when it is read: two subscribers reading
    // their own would differ.
    assert_eq!(seen_first["generatedAt"], seen_second["generatedAt"]);
    assert_eq!(seen_first, seen_second);
}

#[tokio::test]
async fn a_burst_of_orders_is_coalesced_into_throttled_snapshots() {
    let interval = Duration::from_millis(700);
    let app = spawn_app_with(|settings| settings.dashboard.interval = interval).await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 100, 1_000).await;
    let (mut socket, before) = follow(&app, &admin).await;
    let burst = 20;

    join_all((0..burst).map(|_| place(&app, &token, vec![line(3, 1)]))).await;

    let target = count(&before, "ordersToday") + burst;
    let mut snapshots = vec![before];
    while count(snapshots.last().expect("a snapshot"), "ordersToday") < target {
        snapshots.push(snapshot(&mut socket, "dash").await);
    }
    assert!(
        snapshots.len() - 1 < usize::try_from(burst).expect("small"),
        "{} snapshots for {burst} orders",
        snapshots.len() - 1
    );
    for pair in snapshots.windows(2) {
        let gap = generated_at(&pair[1]) - generated_at(&pair[0]);
        assert!(
            gap.to_std().is_ok_and(|gap| gap >= interval),
            "snapshots {gap} apart, closer than {interval:?}"
        );
    }
}

#[tokio::test]
async fn customers_and_anonymous_callers_get_no_dashboard() {
    let app = spawn_app().await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    for (socket, code) in [
        (
            WsClient::connect_as(app.address, &customer).await,
            "FORBIDDEN",
        ),
        (
            WsClient::connect(app.address, json!({})).await,
            "UNAUTHENTICATED",
        ),
    ] {
        let mut socket = socket;
        socket.subscribe("dash", DASHBOARD, json!({})).await;
        let payload = socket.next("dash").await;
        assert_eq!(
            payload["errors"][0]["extensions"]["code"], code,
            "{payload}"
        );
        assert_eq!(socket.recv().await["type"], "complete");
    }
}
