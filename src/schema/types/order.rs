//! `Order` and `OrderItem`, and the `totalCount` of order lists.
//!
//! Every path to an order (`order`, `orders`, `node`, `nodes`,
//! `User.orders`, the mutations) checks that the caller is its customer or
//! an admin before an `Order` is built, so its fields need no check of
//! their own; order items are reached only through their order or `node`.

use std::{borrow::Cow, sync::Mutex};

use async_graphql::{Context, ID, Object};

use super::{Product, Row, User};
use crate::{
    entities::{order_items, orders},
    error::AppResult,
    schema::{
        connection::RowConnection,
        context::{currency, db, loaders, required},
        enums::GraphqlOrderStatus,
        ids::{self, NodeKind},
        loaders::{ChildCount, ItemsOf, OrderLines, ProductId, UserId, lines_of, lines_of_each},
        prefetch::{self, Prefetched},
        scalars::{Money, Timestamp},
    },
    services::read::{self, IdMap, children::UserOrders, orders::OrderFilterSpec},
    sync::lock,
};

/// A customer's order.
pub struct Order {
    row: orders::Model,
    /// Its customer, when the list it came in loaded them all at once.
    customer: Option<Row<User>>,
    /// Its lines, when the list it came in loaded them all at once; the
    /// first `items` resolved takes them, and an alias that asks again
    /// loads its own.
    lines: Mutex<Option<OrderLines>>,
}

impl Order {
    /// An order whose relations load when selected.
    pub fn new(row: orders::Model) -> Self {
        Self {
            row,
            customer: None,
            lines: Mutex::new(None),
        }
    }

    /// An order of a list that loaded its items' customers.
    pub fn with_customer(row: orders::Model, customers: &Prefetched<UserId>) -> Self {
        let customer =
            prefetch::row(customers, &UserId(row.user_id)).map(|customer| Row(User(customer)));
        Self {
            row,
            customer,
            lines: Mutex::new(None),
        }
    }

    /// This order with the lines its list loaded for it.
    pub fn with_lines(self, lines: Option<OrderLines>) -> Self {
        Self {
            lines: Mutex::new(lines),
            ..self
        }
    }
}

/// The lines of each of `orders` that a list hands its items, read for the
/// union of what every `items { product }` beneath the list's nodes shows
/// (an order's own `items` shows a part of it, so these answer any of
/// them); empty when none reaches a product.
pub async fn listed_lines(
    ctx: &Context<'_>,
    orders: impl Iterator<Item = i64>,
) -> AppResult<IdMap<OrderLines>> {
    let items = prefetch::item_selections(ctx);
    let lines: Vec<_> = prefetch::beneath(&items, "items").collect();
    let products: Vec<_> = prefetch::beneath(&lines, "product").collect();
    if products.is_empty() {
        return Ok(IdMap::default());
    }
    let columns = Product::listed_columns(&products);
    lines_of_each(ctx, orders, columns).await
}

#[Object(serial, cache_control(private))]
impl Order {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Order, self.row.id)
    }

    /// Human-readable unique number, e.g. `SF-20261201-K7QD2XMA`.
    async fn number(&self) -> &str {
        &self.row.number
    }

    /// Where the order is in its lifecycle.
    async fn status(&self) -> GraphqlOrderStatus {
        self.row.status.into()
    }

    /// Who placed it.
    async fn customer(&self, ctx: &Context<'_>) -> AppResult<Cow<'_, Row<User>>> {
        if let Some(customer) = &self.customer {
            return Ok(Cow::Borrowed(customer));
        }
        let row = loaders(ctx)?.load_one(UserId(self.row.user_id)).await?;
        Ok(Cow::Owned(Row(User(required(row, "order customer")?))))
    }

    /// Its lines, one per product, in the order they were recorded.
    #[graphql(complexity = "crate::domain::order::MAX_LINES * child_complexity + 1")]
    async fn items(&self, ctx: &Context<'_>) -> AppResult<Vec<Row<OrderItem>>> {
        let listed = lock(&self.lines).take();
        let OrderLines {
            items,
            mut products,
            categories,
        } = match listed {
            Some(lines) => lines,
            None => {
                let product = ctx.look_ahead().field("product");
                if !product.exists() {
                    let rows = loaders(ctx)?
                        .load_one(ItemsOf(self.row.id))
                        .await?
                        .unwrap_or_default();
                    return Ok(rows
                        .into_iter()
                        .map(|row| Row(OrderItem::new(row)))
                        .collect());
                }
                let columns = Product::listed_columns(&product.selection_fields());
                lines_of(ctx, self.row.id, columns).await?
            }
        };
        Ok(items
            .into_iter()
            .map(|row| {
                // One line per product: each takes its product's row.
                let product = products
                    .iter()
                    .position(|product| product.id == row.product_id)
                    .map(|index| products.swap_remove(index))
                    .map(|product| Row(Product::with_category(product, &categories)));
                Row(OrderItem { row, product })
            })
            .collect())
    }

    /// Units over all lines.
    async fn item_count(&self) -> i32 {
        self.row.item_count
    }

    /// Sum of the lines' subtotals.
    async fn total(&self, ctx: &Context<'_>) -> AppResult<Money> {
        Ok(Money::from_cents(self.row.total_cents, currency(ctx)?))
    }

    /// When it was placed.
    async fn created_at(&self) -> Timestamp {
        self.row.created_at.into()
    }

    /// When its status last changed.
    async fn updated_at(&self) -> Timestamp {
        self.row.updated_at.into()
    }
}

/// One line of an order, priced when the order was placed.
pub struct OrderItem {
    row: order_items::Model,
    /// Its product, when its order loaded its lines' products at once.
    product: Option<Row<Product>>,
}

impl OrderItem {
    /// A line whose product loads when selected.
    pub fn new(row: order_items::Model) -> Self {
        Self { row, product: None }
    }
}

#[Object(serial, cache_control(private))]
impl OrderItem {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::OrderItem, self.row.id)
    }

    /// What was ordered.
    async fn product(&self, ctx: &Context<'_>) -> AppResult<Cow<'_, Row<Product>>> {
        if let Some(product) = &self.product {
            return Ok(Cow::Borrowed(product));
        }
        let row = loaders(ctx)?
            .load_one(ProductId(self.row.product_id))
            .await?;
        Ok(Cow::Owned(Row(Product::new(required(
            row,
            "ordered product",
        )?))))
    }

    /// Units ordered.
    async fn quantity(&self) -> i32 {
        self.row.quantity
    }

    /// The product's price when the order was placed.
    async fn unit_price(&self, ctx: &Context<'_>) -> AppResult<Money> {
        Ok(Money::from_cents(self.row.unit_price_cents, currency(ctx)?))
    }

    /// Quantity × unit price.
    async fn subtotal(&self, ctx: &Context<'_>) -> AppResult<Money> {
        let cents = self.row.unit_price_cents * i64::from(self.row.quantity);
        Ok(Money::from_cents(cents, currency(ctx)?))
    }
}

/// A page of orders.
pub type OrderConnection = RowConnection<Order, OrderTotal>;

/// Which orders an `OrderConnection` counts.
pub enum OrderTotal {
    /// Every order the caller may see that passes the filter.
    All(OrderFilterSpec),
    /// One user's orders.
    OfUser(i64),
}

#[Object(serial)]
impl OrderTotal {
    /// Number of orders in the whole list, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> AppResult<i64> {
        match self {
            Self::All(filter) => read::orders::count(db(ctx)?, filter).await,
            Self::OfUser(user) => {
                let key = ChildCount::<UserOrders> {
                    parent: *user,
                    filter: (),
                };
                Ok(loaders(ctx)?.load_one(key).await?.unwrap_or(0))
            }
        }
    }
}
