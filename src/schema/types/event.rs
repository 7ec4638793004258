//! `OrderEvent` and `StockEvent`: what subscriptions deliver. Each wraps an
//! outbox event. Its subject (the order or product) is loaded once per
//! instance and event and shared by every subscriber (`EventSubjects`), so
//! it shows the row as it was when the event was first delivered here; the
//! subject's own relations load through each subscription's loaders.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object};

use super::{Order, Product, Row};
use crate::{
    domain::event::{Change, Event, OrderChange},
    error::{AppError, AppResult},
    schema::{
        context::{data, loaders, required},
        loaders::{OrderId, ProductId},
        scalars::Timestamp,
        subjects::EventSubjects,
        subscription::cursor,
    },
};

/// What happened to an order.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "OrderEventType", remote = "OrderChange")]
pub enum OrderEventType {
    /// It was placed.
    Placed,
    /// Its status changed (other than to CANCELLED).
    StatusChanged,
    /// It was cancelled and its stock went back.
    Cancelled,
}

/// An order was placed, changed status or was cancelled.
pub struct OrderEvent {
    event: Arc<Event>,
    order_id: i64,
    kind: OrderChange,
}

impl OrderEvent {
    /// The order event in `event`, if it is one.
    pub fn of(event: Arc<Event>) -> Option<(Self, i64)> {
        match event.change {
            Change::Order {
                order_id,
                customer_id,
                change,
            } => Some((
                Self {
                    event,
                    order_id,
                    kind: change,
                },
                customer_id,
            )),
            Change::Stock { .. } => None,
        }
    }
}

#[Object(serial)]
impl OrderEvent {
    /// Pass as `after` to resume right after this event.
    async fn cursor(&self) -> String {
        cursor::encode(self.event.position)
    }

    /// What happened.
    #[graphql(name = "type")]
    async fn kind(&self) -> OrderEventType {
        self.kind.into()
    }

    /// The order, as it is now.
    async fn order(&self, ctx: &Context<'_>) -> AppResult<Row<Order>> {
        let load = async { loaders(ctx)?.load_one(OrderId(self.order_id)).await };
        let row = data::<EventSubjects>(ctx)?
            .order(self.event.position, load)
            .await?;
        Ok(Row(Order::new(
            required(row, "event order")?.as_ref().clone(),
        )))
    }

    /// When it happened.
    async fn occurred_at(&self) -> Timestamp {
        self.event.occurred_at.into()
    }
}

/// A product's stock moved (an order, a cancellation, `adjustStock`).
pub struct StockEvent {
    event: Arc<Event>,
    product_id: i64,
    stock: i32,
    delta: i32,
}

impl StockEvent {
    /// The stock event in `event`, if it is one.
    pub fn of(event: Arc<Event>) -> Option<Self> {
        match event.change {
            Change::Stock {
                product_id,
                stock,
                delta,
            } => Some(Self {
                event,
                product_id,
                stock,
                delta,
            }),
            Change::Order { .. } => None,
        }
    }

    /// `products.id` of the product whose stock moved.
    pub fn product_id(&self) -> i64 {
        self.product_id
    }
}

#[Object(serial)]
impl StockEvent {
    /// Pass as `after` to resume right after this event.
    async fn cursor(&self) -> String {
        cursor::encode(self.event.position)
    }

    /// The product, as it is now.
    async fn product(&self, ctx: &Context<'_>) -> AppResult<Row<Product>> {
        let load = async { loaders(ctx)?.load_one(ProductId(self.product_id)).await };
        let row = data::<EventSubjects>(ctx)?
            .product(self.event.position, load)
            .await?;
        row.map(|row| Row(Product::new(row.as_ref().clone())))
            .ok_or_else(|| AppError::not_found("this product has been deleted"))
    }

    /// The stock right after this change.
    async fn stock(&self) -> i32 {
        self.stock
    }

    /// Units added (negative: taken).
    async fn delta(&self) -> i32 {
        self.delta
    }
}
