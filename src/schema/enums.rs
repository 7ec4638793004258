//! The GraphQL faces of the domain's enums. They mirror the domain types
//! variant for variant (async-graphql's `remote` derives the conversions
//! both ways), so that the domain stays free of GraphQL.

use async_graphql::Enum;

use crate::domain;

/// What a signed-in user may do.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "Role", remote = "domain::Role")]
pub enum GraphqlRole {
    /// Buys, reviews, sees their own orders.
    Customer,
    /// Runs the store: catalog, every order, users, sales.
    Admin,
}

/// Where an order is in its life.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "OrderStatus", remote = "domain::OrderStatus")]
pub enum GraphqlOrderStatus {
    /// Placed, stock reserved, not paid yet.
    Pending,
    /// Paid, waiting to ship.
    Paid,
    /// Handed to the carrier.
    Shipped,
    /// Arrived.
    Delivered,
    /// Called off; its stock went back on the shelf.
    Cancelled,
}
