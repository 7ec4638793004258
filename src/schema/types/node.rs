//! The `Node` interface: anything with a global ID.

use async_graphql::{ID, Interface};

use super::{Category, Order, OrderItem, Product, Review, User};

/// An object that `node(id:)` can fetch again by its global ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global ID."))]
pub enum Node {
    /// A product.
    Product(Product),
    /// A category.
    Category(Category),
    /// A review.
    Review(Review),
    /// A user.
    User(User),
    /// An order (its customer and admins only).
    Order(Order),
    /// A line of an order (its customer and admins only).
    OrderItem(OrderItem),
}
