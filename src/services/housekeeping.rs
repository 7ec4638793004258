//! Removes rows that no longer mean anything, so that tables written on
//! every sign-in and checkout do not grow without bound.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Func, Query},
};

use crate::entities::{idempotency_keys, refresh_tokens};

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Refresh tokens of families whose every token has expired.
    pub refresh_tokens: u64,
    /// Idempotency keys older than their retention.
    pub idempotency_keys: u64,
}

/// Deletes refresh-token families in which every token expired before
/// `now` (whole families only: a family's rows reference each other, and a
/// live family still needs its history to detect reuse), and idempotency
/// keys created before `keys_created_before` (a replay after that places a
/// new order, as with any payment API's key retention).
pub async fn prune(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    keys_created_before: DateTime<Utc>,
) -> Result<Pruned, DbErr> {
    let dead_families = Query::select()
        .column(refresh_tokens::Column::FamilyId)
        .from(refresh_tokens::Entity)
        .group_by_col(refresh_tokens::Column::FamilyId)
        .and_having(Expr::expr(Func::max(Expr::col(refresh_tokens::Column::ExpiresAt))).lt(now))
        .to_owned();
    let tokens = refresh_tokens::Entity::delete_many()
        .filter(refresh_tokens::Column::FamilyId.in_subquery(dead_families))
        .exec(db)
        .await?;
    let keys = idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::CreatedAt.lt(keys_created_before))
        .exec(db)
        .await?;
    Ok(Pruned {
        refresh_tokens: tokens.rows_affected,
        idempotency_keys: keys.rows_affected,
    })
}
