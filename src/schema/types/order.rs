//! `Order` and `OrderItem`, and the `totalCount` of order lists.
//!
//! Every path to an order (`order`, `orders`, `node`, `nodes`,
//! `User.orders`, the mutations) checks that the caller is its customer or
//! an admin before an `Order` is built, so its fields need no check of
//! their own; order items are reached only through their order or `node`.

use async_graphql::{Context, ID, Object, connection::Connection};

use super::{Product, User};
use crate::{
    entities::{order_items, orders},
    error::AppResult,
    schema::{
        connection::Cursor,
        context::{currency, db, loaders, required},
        enums::GraphqlOrderStatus,
        ids::{self, NodeKind},
        loaders::{ChildCount, ItemsOf, ProductId, UserId},
        scalars::{Money, Timestamp},
    },
    services::read::{self, children::UserOrders, orders::OrderFilterSpec},
};

/// A customer's order.
pub struct Order(pub orders::Model);

#[Object(cache_control(private))]
impl Order {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Order, self.0.id)
    }

    /// Human-readable unique number, e.g. `SF-20261201-K7QD2XMA`.
    async fn number(&self) -> &str {
        &self.0.number
    }

    /// Where the order is in its lifecycle.
    async fn status(&self) -> GraphqlOrderStatus {
        self.0.status.into()
    }

    /// Who placed it.
    async fn customer(&self, ctx: &Context<'_>) -> AppResult<User> {
        let row = loaders(ctx)?.load_one(UserId(self.0.user_id)).await?;
        Ok(User(required(row, "order customer")?))
    }

    /// Its lines, one per product, in the order they were recorded.
    #[graphql(complexity = "crate::domain::order::MAX_LINES * child_complexity + 1")]
    async fn items(&self, ctx: &Context<'_>) -> AppResult<Vec<OrderItem>> {
        let rows = loaders(ctx)?.load_one(ItemsOf(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(OrderItem)
            .collect())
    }

    /// Units over all lines.
    async fn item_count(&self) -> i32 {
        self.0.item_count
    }

    /// Sum of the lines' subtotals.
    async fn total(&self, ctx: &Context<'_>) -> AppResult<Money> {
        Ok(Money::from_cents(self.0.total_cents, currency(ctx)?))
    }

    /// When it was placed.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }

    /// When its status last changed.
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
}

/// One line of an order, priced when the order was placed.
pub struct OrderItem(pub order_items::Model);

#[Object(cache_control(private))]
impl OrderItem {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::OrderItem, self.0.id)
    }

    /// What was ordered.
    async fn product(&self, ctx: &Context<'_>) -> AppResult<Product> {
        let row = loaders(ctx)?.load_one(ProductId(self.0.product_id)).await?;
        Ok(Product(required(row, "ordered product")?))
    }

    /// Units ordered.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }

    /// The product's price when the order was placed.
    async fn unit_price(&self, ctx: &Context<'_>) -> AppResult<Money> {
        Ok(Money::from_cents(self.0.unit_price_cents, currency(ctx)?))
    }

    /// Quantity × unit price.
    async fn subtotal(&self, ctx: &Context<'_>) -> AppResult<Money> {
        let cents = self.0.unit_price_cents * i64::from(self.0.quantity);
        Ok(Money::from_cents(cents, currency(ctx)?))
    }
}

/// A page of orders.
pub type OrderConnection = Connection<Cursor, Order, OrderTotal>;

/// Which orders an `OrderConnection` counts.
pub enum OrderTotal {
    /// Every order the caller may see that passes the filter.
    All(OrderFilterSpec),
    /// One user's orders.
    OfUser(i64),
}

#[Object]
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
