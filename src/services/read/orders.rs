//! Reading orders and their lines: by key, filtered pages and counts.
//!
//! Visibility is part of the filter, so a customer's list can only ever
//! hold their own orders, whatever else the filter names.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::{
    keyset::{Keyset, Page},
    one_of,
    orderings::OrderOrdering,
    positional, rows_where_in, total,
};
use crate::{
    domain::OrderStatus,
    entities::{order_items, orders},
    error::AppResult,
};

/// A checked order filter, restricted to what the caller may see.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrderFilterSpec {
    /// Only orders in this status.
    pub status: Option<OrderStatus>,
    /// Only orders of this customer.
    pub customer_id: Option<i64>,
    /// Only orders placed at or after this time.
    pub created_after: Option<DateTime<Utc>>,
    /// Only orders placed before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// The caller's own id when they may see only their own orders; `None`
    /// for admins.
    pub visible_to: Option<i64>,
}

impl OrderFilterSpec {
    /// The SQL condition, visibility included.
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(owner) = self.visible_to {
            condition = condition.add(orders::Column::UserId.eq(owner));
        }
        if let Some(customer) = self.customer_id {
            condition = condition.add(orders::Column::UserId.eq(customer));
        }
        if let Some(status) = self.status {
            condition = condition.add(orders::Column::Status.eq(status));
        }
        if let Some(after) = self.created_after {
            condition = condition.add(orders::Column::CreatedAt.gte(after));
        }
        if let Some(before) = self.created_before {
            condition = condition.add(orders::Column::CreatedAt.lt(before));
        }
        condition
    }
}

/// The orders with these ids (those that exist; visibility is the caller's
/// to check).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<orders::Model>> {
    rows_where_in::<orders::Entity, _>(db, orders::Column::Id, ids).await
}

/// One page of the orders that pass `filter`.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &OrderFilterSpec,
    keyset: &Keyset<OrderOrdering>,
) -> AppResult<Page<orders::Model>> {
    let select = orders::Entity::find().filter(filter.condition());
    keyset.fetch(db, select).await
}

/// How many orders pass `filter`.
pub async fn count(db: &impl ConnectionTrait, filter: &OrderFilterSpec) -> AppResult<i64> {
    let count = orders::Entity::find()
        .filter(filter.condition())
        .count(db)
        .await?;
    Ok(total(count))
}

/// The lines of these orders, in the order they were recorded.
pub async fn items_of(
    db: &impl ConnectionTrait,
    order_ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<order_items::Model>> {
    let select = order_items::Entity::find()
        .filter(one_of(
            db.get_database_backend(),
            order_items::Column::OrderId,
            order_ids,
        ))
        .order_by_asc(order_items::Column::Id);
    Ok(positional::all(db, select).await?)
}

/// The order lines with these ids (those that exist).
pub async fn items_by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<order_items::Model>> {
    rows_where_in::<order_items::Entity, _>(db, order_items::Column::Id, ids).await
}
