//! `placeOrder`: one transaction that prices the lines from the database,
//! takes the stock, and records the order, its lines and its idempotency key.

use std::collections::HashMap;

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryFilter, TryInsertResult};

use super::{StockChange, idempotency, number, stock};
use crate::{
    db::CountedTransaction,
    domain::{
        OrderRequest, OrderStatus,
        clock::now,
        event::{Change, NewEvent, OrderChange},
        order::line_field,
    },
    entities::{order_items, orders, products},
    error::{AppError, AppResult, is_foreign_key_violation},
    services::{outbox, read::one_of},
};

/// Attempts at a free order number before giving up (each collision has a
/// chance of one in 2^40).
const NUMBER_ATTEMPTS: usize = 5;

/// A newly placed order and everything the placement changed.
#[derive(Clone, Debug)]
pub struct PlacedOrder {
    /// The order row.
    pub order: orders::Model,
    /// Its lines, one per product.
    pub items: Vec<order_items::Model>,
    /// Stock taken, per product.
    pub stock: Vec<StockChange>,
}

/// What `place_order` did.
#[derive(Clone, Debug)]
pub enum Placement {
    /// A new order: commit the transaction.
    Placed(PlacedOrder),
    /// The idempotency key had already placed this order: roll the
    /// transaction back, nothing of it is kept.
    Replayed(orders::Model),
}

/// Places `request` for `user_id` inside `db`, a write transaction, and
/// records the order's and the stock's events in the outbox.
///
/// The unit prices are the products' prices in the database. Stock is taken
/// with one conditional update per product, in ascending product id order;
/// a product without enough stock is `CONFLICT` on its line's `quantity`
/// and the caller's rollback undoes everything. A replayed key returns the
/// order it placed; a key racing its own original waits for it (see
/// [`idempotency::claim`]) and then returns the original's order.
#[tracing::instrument(skip(db, request), fields(lines = request.lines().len()))]
pub async fn place_order(
    db: &CountedTransaction,
    user_id: i64,
    request: &OrderRequest,
) -> AppResult<Placement> {
    if let Some(key) = request.key()
        && let Some(order) =
            idempotency::stored_order(db, user_id, key, request.fingerprint()).await?
    {
        return Ok(Placement::Replayed(order));
    }

    let lines = priced_lines(db, request).await?;
    let total_cents = order_total(&lines)?;
    let item_count = lines.iter().map(|line| line.quantity).sum();
    let at = now();
    let order = insert_order(db, user_id, total_cents, item_count, at).await?;

    if let Some(key) = request.key()
        && !idempotency::claim(db, user_id, key, request.fingerprint(), order.id, at).await?
    {
        tracing::debug!("a concurrent request with this idempotency key won the race");
        let original = idempotency::stored_order(db, user_id, key, request.fingerprint())
            .await?
            .ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("a taken idempotency key vanished"))
            })?;
        return Ok(Placement::Replayed(original));
    }

    let mut taken = Vec::with_capacity(lines.len());
    for line in &lines {
        let Some(left) = stock::take(db, line.product_id, line.quantity, at).await? else {
            return Err(AppError::conflict_on(
                line_field(line.index, "quantity"),
                format!(
                    "not enough stock of \"{}\" for {} units",
                    line.name, line.quantity
                ),
            ));
        };
        taken.push(StockChange {
            product_id: line.product_id,
            delta: -line.quantity,
            stock: left,
        });
    }

    let rows = lines.iter().map(|line| order_items::ActiveModel {
        order_id: Set(order.id),
        product_id: Set(line.product_id),
        quantity: Set(line.quantity),
        unit_price_cents: Set(line.unit_price_cents),
        ..Default::default()
    });
    let items = order_items::Entity::insert_many(rows)
        .exec_with_returning(db)
        .await?;
    let placed = NewEvent {
        occurred_at: at,
        change: Change::Order {
            order_id: order.id,
            customer_id: user_id,
            change: OrderChange::Placed,
        },
    };
    let events: Vec<NewEvent> = std::iter::once(placed)
        .chain(taken.iter().map(|change| change.event(at)))
        .collect();
    outbox::record(db, &events).await?;
    Ok(Placement::Placed(PlacedOrder {
        order,
        items,
        stock: taken,
    }))
}

/// A line with its product's current name and price.
struct PricedLine {
    product_id: i64,
    quantity: i32,
    index: usize,
    name: String,
    unit_price_cents: i64,
}

/// The request's lines priced from the database; a product that does not
/// exist is `BAD_USER_INPUT` on its line's `productId`.
async fn priced_lines(
    db: &impl ConnectionTrait,
    request: &OrderRequest,
) -> AppResult<Vec<PricedLine>> {
    let ids = request.lines().iter().map(|line| line.product_id);
    let mut found: HashMap<i64, products::Model> = products::Entity::find()
        .filter(one_of(db.get_database_backend(), products::Column::Id, ids))
        .all(db)
        .await?
        .into_iter()
        .map(|product| (product.id, product))
        .collect();
    request
        .lines()
        .iter()
        .map(|line| {
            let product = found.remove(&line.product_id).ok_or_else(|| {
                AppError::bad_input(
                    line_field(line.index, "productId"),
                    "no product has this ID",
                )
            })?;
            Ok(PricedLine {
                product_id: line.product_id,
                quantity: line.quantity,
                index: line.index,
                name: product.name,
                unit_price_cents: product.price_cents,
            })
        })
        .collect()
}

/// The exact total in cents; absurd prices that overflow are refused.
fn order_total(lines: &[PricedLine]) -> AppResult<i64> {
    lines
        .iter()
        .try_fold(0_i64, |total, line| {
            line.unit_price_cents
                .checked_mul(i64::from(line.quantity))
                .and_then(|subtotal| total.checked_add(subtotal))
        })
        .ok_or_else(|| AppError::bad_input("items", "the order total is out of range"))
}

/// Inserts the order row under a fresh number, retrying on the rare repeat.
async fn insert_order(
    db: &impl ConnectionTrait,
    user_id: i64,
    total_cents: i64,
    item_count: i32,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<orders::Model> {
    for _ in 0..NUMBER_ATTEMPTS {
        let row = orders::ActiveModel {
            number: Set(number::generate(at)),
            user_id: Set(user_id),
            status: Set(OrderStatus::Pending),
            total_cents: Set(total_cents),
            item_count: Set(item_count),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        };
        let inserted = orders::Entity::insert(row)
            .on_conflict_do_nothing_on([orders::Column::Number])
            .exec_with_returning(db)
            .await
            .map_err(|err| {
                // `user_id` is the only foreign key of `orders`: the token
                // is still valid but its account has been deleted.
                if is_foreign_key_violation(&err) {
                    AppError::unauthenticated("this account no longer exists")
                } else {
                    AppError::from(err)
                }
            })?;
        if let TryInsertResult::Inserted(order) = inserted {
            return Ok(order);
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "no free order number after {NUMBER_ATTEMPTS} attempts"
    )))
}
