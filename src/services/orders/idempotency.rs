//! Idempotency keys: a user's key maps to the one order it placed, together
//! with the fingerprint of the lines it was placed with.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TryInsertResult,
};

use crate::{
    domain::IdempotencyKey,
    entities::{idempotency_keys, orders},
    error::{AppError, AppResult},
};

/// The order `key` of `user_id` already placed, if any. The same key with
/// other lines is `CONFLICT` on `idempotencyKey`.
pub async fn stored_order(
    db: &impl ConnectionTrait,
    user_id: i64,
    key: &str,
    fingerprint: &str,
) -> AppResult<Option<orders::Model>> {
    let found = idempotency_keys::Entity::find()
        .filter(idempotency_keys::Column::UserId.eq(user_id))
        .filter(idempotency_keys::Column::Key.eq(key))
        .find_also_related(orders::Entity)
        .one(db)
        .await?;
    match found {
        None => Ok(None),
        Some((stored, _)) if stored.fingerprint != fingerprint => Err(AppError::conflict_on(
            IdempotencyKey::FIELD,
            "this idempotency key was already used for a different order",
        )),
        Some((_, Some(order))) => Ok(Some(order)),
        Some((stored, None)) => Err(AppError::internal(anyhow::anyhow!(
            "idempotency key {} points at no order",
            stored.id
        ))),
    }
}

/// Records that `key` placed `order_id`; false when the key is taken. On
/// PostgreSQL a concurrent request holding the same key makes this insert
/// wait on the unique index until that request ends: if it committed, the
/// key is taken (and, read committed, visible to the next statement); if it
/// rolled back, this insert goes through.
pub async fn claim(
    db: &impl ConnectionTrait,
    user_id: i64,
    key: &str,
    fingerprint: &str,
    order_id: i64,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let row = idempotency_keys::ActiveModel {
        user_id: Set(user_id),
        key: Set(key.to_owned()),
        fingerprint: Set(fingerprint.to_owned()),
        order_id: Set(order_id),
        created_at: Set(at),
        ..Default::default()
    };
    let inserted = idempotency_keys::Entity::insert(row)
        .on_conflict_do_nothing_on([
            idempotency_keys::Column::UserId,
            idempotency_keys::Column::Key,
        ])
        .exec_without_returning(db)
        .await?;
    Ok(matches!(inserted, TryInsertResult::Inserted(1)))
}
