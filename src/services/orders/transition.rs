//! Moving an order through its lifecycle: `cancelOrder` and
//! `updateOrderStatus`. Cancelling puts the stock back in the same
//! transaction.

use std::collections::BTreeMap;

use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::{StockChange, stock};
use crate::{
    auth::Viewer,
    db::CountedTransaction,
    domain::{
        OrderStatus,
        clock::now,
        event::{Change, NewEvent, OrderChange},
    },
    entities::{order_items, orders},
    error::{AppError, AppResult},
    services::outbox,
};

/// An order after a status change, and everything the change touched.
#[derive(Clone, Debug)]
pub struct StatusChange {
    /// The order as it is now.
    pub order: orders::Model,
    /// The status it had before.
    pub from: OrderStatus,
    /// Stock put back (cancellations only), per product.
    pub stock: Vec<StockChange>,
}

/// What every caller who may not see an order gets, exactly like a missing one.
fn no_such_order() -> AppError {
    AppError::not_found("no order has this ID")
}

/// Cancels order `order_id` for `viewer`: its customer while it is PENDING,
/// an admin while it is PENDING or PAID. Someone else's order is
/// `NOT_FOUND`; any other state is `CONFLICT`.
#[tracing::instrument(skip(db))]
pub async fn cancel_order(
    db: &CountedTransaction,
    viewer: &Viewer,
    order_id: i64,
) -> AppResult<StatusChange> {
    let order = orders::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .filter(|order| viewer.can_see_owned_by(order.user_id))
        .ok_or_else(no_such_order)?;
    let from = order.status;
    let allowed = if viewer.is_admin() {
        from.can_become(OrderStatus::Cancelled)
    } else {
        from == OrderStatus::Pending
    };
    if !allowed {
        return Err(AppError::conflict(format!(
            "an order that is {} can no longer be cancelled{}",
            from.to_value(),
            if from == OrderStatus::Paid {
                " by its customer"
            } else {
                ""
            }
        )));
    }
    change_status(db, order, from, OrderStatus::Cancelled).await
}

/// Moves order `order_id` to `to` for an admin; only the lifecycle's moves
/// are allowed (`CONFLICT` on `status` otherwise).
#[tracing::instrument(skip(db))]
pub async fn update_order_status(
    db: &CountedTransaction,
    order_id: i64,
    to: OrderStatus,
) -> AppResult<StatusChange> {
    let order = orders::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .ok_or_else(no_such_order)?;
    let from = order.status;
    if !from.can_become(to) {
        return Err(AppError::conflict_on(
            "status",
            format!(
                "an order that is {} cannot become {}",
                from.to_value(),
                to.to_value()
            ),
        ));
    }
    change_status(db, order, from, to).await
}

/// Sets the status only if it is still `from` (a compare-and-set, so that
/// of two concurrent changes one loses with `CONFLICT` instead of both
/// restoring stock), restores stock when cancelling, and records the
/// events of both in the outbox.
async fn change_status(
    db: &CountedTransaction,
    order: orders::Model,
    from: OrderStatus,
    to: OrderStatus,
) -> AppResult<StatusChange> {
    let at = now();
    let updated = orders::Entity::update_many()
        .col_expr(orders::Column::Status, Expr::value(to))
        .col_expr(orders::Column::UpdatedAt, Expr::value(at))
        .filter(orders::Column::Id.eq(order.id))
        .filter(orders::Column::Status.eq(from))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::conflict(
            "the order changed while this request ran; reload it and try again",
        ));
    }
    let restored = if to == OrderStatus::Cancelled {
        restore_stock(db, order.id, at).await?
    } else {
        Vec::new()
    };
    let change = if to == OrderStatus::Cancelled {
        OrderChange::Cancelled
    } else {
        OrderChange::StatusChanged
    };
    let changed = NewEvent {
        occurred_at: at,
        change: Change::Order {
            order_id: order.id,
            customer_id: order.user_id,
            change,
        },
    };
    let events: Vec<NewEvent> = std::iter::once(changed)
        .chain(restored.iter().map(|change| change.event(at)))
        .collect();
    outbox::record(db, &events).await?;
    Ok(StatusChange {
        order: orders::Model {
            status: to,
            updated_at: at,
            ..order
        },
        from,
        stock: restored,
    })
}

/// Puts every unit of the order back, product by product in id order.
async fn restore_stock(
    db: &CountedTransaction,
    order_id: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<StockChange>> {
    let items = order_items::Entity::find()
        .filter(order_items::Column::OrderId.eq(order_id))
        .all(db)
        .await?;
    let mut per_product: BTreeMap<i64, i32> = BTreeMap::new();
    for item in items {
        *per_product.entry(item.product_id).or_default() += item.quantity;
    }
    let mut restored = Vec::with_capacity(per_product.len());
    for (product_id, quantity) in per_product {
        // A deleted product has no stock to restore and no event to tell.
        if let Some(stock) = stock::restore(db, product_id, quantity, at).await? {
            restored.push(StockChange {
                product_id,
                delta: quantity,
                stock,
            });
        }
    }
    Ok(restored)
}
