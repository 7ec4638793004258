//! The transactional outbox: events exist exactly when their transaction
//! committed, and reach subscribers on any instance, also across a crash
//! between commit and dispatch.

use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, TransactionTrait};
use serde_json::json;
use storefront::{
    auth::Role,
    domain::event::{Change, NewEvent},
    entities::orders,
    services::outbox,
};

use crate::{
    event_fixtures::{ORDER_EVENTS, STOCK_CHANGES, cursor_now, place_on},
    helpers::{assert_error, process::ServerProcess, spawn_app, ws::WsClient},
    order_fixtures::{line, place, place_reply, stock_product},
};

#[tokio::test]
async fn a_rolled_back_order_publishes_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 10, 500).await;
    stock_product(&app, 4, 1, 500).await;
    let after = cursor_now(&app.db).await;
    let before = outbox::latest(&app.db).await.expect("read the outbox");
    let mut socket = WsClient::connect_as(app.address, &admin).await;
    socket
        .subscribe("orders", ORDER_EVENTS, json!({ "after": after }))
        .await;
    socket
        .subscribe("stock", STOCK_CHANGES, json!({ "after": after }))
        .await;

    // The first line takes stock and the order row is written before the
    // second line runs out: the whole transaction rolls back.
    let refused = place_reply(&app, &token, vec![line(3, 2), line(4, 5)], None).await;
    assert_error(&refused, "CONFLICT", Some("input.items.1.quantity"));
    assert_eq!(
        outbox::latest(&app.db).await.expect("read the outbox"),
        before
    );
    let placed = place(&app, &token, vec![line(3, 1)]).await;

    let mut first_order = None;
    let mut first_stock = None;
    while first_order.is_none() || first_stock.is_none() {
        let message = socket.recv().await;
        assert_eq!(message["type"], "next", "{message}");
        let data = message["payload"]["data"].clone();
        match message["id"].as_str() {
            Some("orders") => first_order = first_order.or(Some(data["orderEvents"].clone())),
            Some("stock") => first_stock = first_stock.or(Some(data["stockChanges"].clone())),
            _ => panic!("unexpected message {message}"),
        }
    }
    let (order, stock) = (
        first_order.unwrap_or_default(),
        first_stock.unwrap_or_default(),
    );
    assert_eq!(order["order"]["number"], placed["number"], "{order}");
    assert_eq!(
        (stock["delta"].clone(), stock["stock"].clone()),
        (json!(-1), json!(9))
    );
}

#[tokio::test]
async fn an_order_placed_on_another_instance_reaches_subscribers_here() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 10, 500).await;
    let other = app.another_instance(|_| {}).await;
    let mut socket = WsClient::connect_as(app.address, &admin).await;
    socket
        .subscribe(
            "orders",
            ORDER_EVENTS,
            json!({ "after": cursor_now(&app.db).await }),
        )
        .await;
    // Once a local order has arrived, the subscription is live: the next
    // event comes through this instance's dispatcher reading the outbox,
    // woken by the other instance's Redis notice when REDIS_URL is set and
    // by its poll timer otherwise.
    let local = place(&app, &token, vec![line(3, 1)]).await;
    let first = socket.next_data("orders").await;
    assert_eq!(first["orderEvents"]["order"]["number"], local["number"]);

    let placed = place_on(&app, other.address, &token).await;

    let event = socket.next_data("orders").await;
    assert_eq!(
        event["orderEvents"]["order"]["number"], placed["number"],
        "{event} {placed}"
    );
}

#[tokio::test]
async fn an_event_committed_just_before_a_crash_is_delivered_after_the_restart() {
    let app = spawn_app().await;
    let (customer, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 3, 10, 500).await;
    let after = cursor_now(&app.db).await;
    let doomed = ServerProcess::start(
        &app.database_url,
        &[("STOREFRONT_FAULT_EXIT_AFTER_COMMIT", "1")],
    )
    .await;

    let reply = app
        .client
        .post(format!("http://{}/graphql", doomed.address))
        .bearer_auth(&token)
        .json(&json!({
            "query": crate::order_fixtures::PLACE,
            "variables": { "input": { "items": [line(3, 2)] } },
        }))
        .send()
        .await;
    assert!(reply.is_err(), "the server answered instead of crashing");
    assert!(!doomed.exited().await.success());
    let committed = orders::Entity::find()
        .all(&app.db)
        .await
        .expect("read orders")
        .into_iter()
        .find(|order| order.user_id == customer)
        .expect("the order committed before the crash");

    let restarted = ServerProcess::start(&app.database_url, &[]).await;
    let mut socket = WsClient::connect_as(restarted.address, &token).await;
    socket
        .subscribe("orders", ORDER_EVENTS, json!({ "after": after }))
        .await;

    let event = socket.next_data("orders").await["orderEvents"].clone();
    assert_eq!(event["type"], "PLACED", "{event}");
    assert_eq!(event["order"]["number"], committed.number.as_str());
}

/// A stock event of product 1, as any writer would record.
fn an_event() -> NewEvent {
    NewEvent {
        occurred_at: chrono::Utc::now(),
        change: Change::Stock {
            product_id: 1,
            stock: 1,
            delta: 1,
        },
    }
}

/// On PostgreSQL, a writer that drew a later position cannot commit while
/// an earlier one is still open: it waits for the outbox lock, so a reader
/// can never pass a position that becomes visible afterwards. (SQLite runs
/// one write transaction at a time, so there is nothing to check there.)
#[tokio::test]
async fn a_later_event_writer_waits_for_an_earlier_one_to_commit() {
    let app = spawn_app().await;
    if app.db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    let earlier = app.db.begin().await.expect("begin");
    outbox::record(&earlier, &[an_event()])
        .await
        .expect("record");

    let db = app.db.clone();
    let later = tokio::spawn(async move {
        let later = db.begin().await.expect("begin");
        outbox::record(&later, &[an_event()]).await.expect("record");
        later.commit().await.expect("commit");
    });
    loop {
        assert!(
            !later.is_finished(),
            "a later writer committed while an earlier one was still open"
        );
        let waiting = app
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT count(*) AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
            ))
            .await
            .expect("read pg_locks")
            .and_then(|row| row.try_get::<i64>("", "waiting").ok())
            .unwrap_or(0);
        if waiting > 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    earlier.commit().await.expect("commit");
    later.await.expect("the later writer");

    let events = outbox::after(&app.db, 0, 10)
        .await
        .expect("read the outbox");
    let positions: Vec<i64> = events.iter().map(|event| event.position).collect();
    assert_eq!(positions.len(), 2, "{positions:?}");
    assert!(positions[0] < positions[1]);
}

#[tokio::test]
async fn events_older_than_the_retention_are_pruned_when_an_instance_starts() {
    let app = spawn_app().await;
    let mut old = an_event();
    old.occurred_at = chrono::Utc::now() - chrono::Duration::hours(2);
    outbox::record(&app.db, &[old]).await.expect("record");
    let old_position = outbox::latest(&app.db).await.expect("read the outbox");
    outbox::record(&app.db, &[an_event()])
        .await
        .expect("record");
    let recent_position = outbox::latest(&app.db).await.expect("read the outbox");

    let _pruning = app
        .another_instance(|settings| {
            settings.events.retention = std::time::Duration::from_secs(3600);
        })
        .await;

    let mut pruned = false;
    for _ in 0..2_000 {
        if !outbox::contains(&app.db, old_position)
            .await
            .expect("read the outbox")
        {
            pruned = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(pruned, "the old event was never pruned");
    assert!(
        outbox::contains(&app.db, recent_position)
            .await
            .expect("read the outbox")
    );
}
