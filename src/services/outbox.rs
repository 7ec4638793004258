//! The transactional outbox: domain events are written in the same
//! transaction as the change they describe, so a rolled-back change leaves
//! no event behind and a committed one always has its event. Readers (the
//! dispatcher, resuming subscribers) read it in position order.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};

use crate::{
    domain::event::{Change, Event, NewEvent, OrderChange},
    entities::events,
    error::{AppError, AppResult},
};

/// Key of the PostgreSQL advisory lock that event writers hold from their
/// first event insert until their commit.
const OUTBOX_LOCK_KEY: i64 = 0x5346_4556_454e_5453;

/// Appends `changes` to the outbox inside `db`, a write transaction; call
/// it as the transaction's last step, right before commit.
///
/// Positions come from the `events.id` identity, allocated at insert time.
/// On PostgreSQL, concurrent transactions could commit in another order
/// than they drew positions, and a reader that had already passed position
/// 12 would never see 11 when it became visible later. So writers first take
/// a transaction-level advisory lock (`pg_advisory_xact_lock`), released by
/// commit or rollback: positions are drawn and committed one writer at a
/// time, in position order. The lock is held only for this insert and the
/// commit, not the whole transaction. An advisory lock rather than `LOCK
/// TABLE events IN EXCLUSIVE MODE` because it conflicts with nothing else:
/// pruning and autovacuum never wait on writers. SQLite already runs one
/// writer at a time (`BEGIN IMMEDIATE`).
pub async fn record(db: &impl ConnectionTrait, changes: &[NewEvent]) -> Result<(), DbErr> {
    if changes.is_empty() {
        return Ok(());
    }
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [OUTBOX_LOCK_KEY.into()],
        ))
        .await?;
    }
    events::Entity::insert_many(changes.iter().map(row))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The stored form of a change.
fn row(event: &NewEvent) -> events::ActiveModel {
    let mut row = events::ActiveModel {
        id: NotSet,
        kind: Set(String::new()),
        order_id: Set(None),
        user_id: Set(None),
        product_id: Set(None),
        stock: Set(None),
        delta: Set(None),
        occurred_at: Set(event.occurred_at),
    };
    match event.change {
        Change::Order {
            order_id,
            customer_id,
            change,
        } => {
            row.kind = Set(order_kind(change).to_owned());
            row.order_id = Set(Some(order_id));
            row.user_id = Set(Some(customer_id));
        }
        Change::Stock {
            product_id,
            stock,
            delta,
        } => {
            row.kind = Set(STOCK_CHANGED.to_owned());
            row.product_id = Set(Some(product_id));
            row.stock = Set(Some(stock));
            row.delta = Set(Some(delta));
        }
    }
    row
}

const ORDER_PLACED: &str = "order_placed";
const ORDER_STATUS_CHANGED: &str = "order_status_changed";
const ORDER_CANCELLED: &str = "order_cancelled";
const STOCK_CHANGED: &str = "stock_changed";

fn order_kind(change: OrderChange) -> &'static str {
    match change {
        OrderChange::Placed => ORDER_PLACED,
        OrderChange::StatusChanged => ORDER_STATUS_CHANGED,
        OrderChange::Cancelled => ORDER_CANCELLED,
    }
}

/// The event a stored row records; a row this version cannot read is an
/// internal error.
fn event(row: events::Model) -> AppResult<Event> {
    let malformed = || {
        AppError::internal(anyhow::anyhow!(
            "outbox event {} ({}) is malformed",
            row.id,
            row.kind
        ))
    };
    let order_change = match row.kind.as_str() {
        ORDER_PLACED => Some(OrderChange::Placed),
        ORDER_STATUS_CHANGED => Some(OrderChange::StatusChanged),
        ORDER_CANCELLED => Some(OrderChange::Cancelled),
        _ => None,
    };
    let change = match (order_change, row.kind.as_str()) {
        (Some(change), _) => Change::Order {
            order_id: row.order_id.ok_or_else(malformed)?,
            customer_id: row.user_id.ok_or_else(malformed)?,
            change,
        },
        (None, STOCK_CHANGED) => Change::Stock {
            product_id: row.product_id.ok_or_else(malformed)?,
            stock: row.stock.ok_or_else(malformed)?,
            delta: row.delta.ok_or_else(malformed)?,
        },
        (None, _) => return Err(malformed()),
    };
    Ok(Event {
        position: row.id,
        occurred_at: row.occurred_at,
        change,
    })
}

/// Up to `limit` events after `position`, in position order. Because
/// writers commit in position order, nothing can later appear before the
/// last one returned.
pub async fn after(db: &impl ConnectionTrait, position: i64, limit: u64) -> AppResult<Vec<Event>> {
    events::Entity::find()
        .filter(events::Column::Id.gt(position))
        .order_by_asc(events::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(event)
        .collect()
}

/// Whether the event at `position` is still stored. Pruning removes a
/// prefix of the outbox, so while an event is stored, every later one is.
pub async fn contains(db: &impl ConnectionTrait, position: i64) -> Result<bool, DbErr> {
    Ok(events::Entity::find_by_id(position)
        .select_only()
        .column(events::Column::Id)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}

/// The newest position, or 0 when the outbox is empty.
pub async fn latest(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    Ok(events::Entity::find()
        .select_only()
        .column(events::Column::Id)
        .order_by_desc(events::Column::Id)
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}

/// Deletes the events that occurred before `cutoff`, as a prefix of
/// positions (up to the newest such event), so that a stored event always
/// has every later one stored too. Returns how many went.
pub async fn prune(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    let newest_expired = events::Entity::find()
        .select_only()
        .column(events::Column::Id)
        .filter(events::Column::OccurredAt.lt(cutoff))
        .order_by_desc(events::Column::Id)
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    let Some(through) = newest_expired else {
        return Ok(0);
    };
    let deleted = events::Entity::delete_many()
        .filter(events::Column::Id.lte(through))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
