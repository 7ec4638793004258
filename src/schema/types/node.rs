//! The `Node` interface: anything with a global ID.

use std::borrow::Cow;

use async_graphql::{
    ContextSelectionSet, ID, Interface, OutputType, Positioned, ServerResult, Value,
    parser::types::Field, registry::Registry,
};

use super::{Category, Order, OrderItem, Product, Review, Row, User, row::resolve_in_order};

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

/// A node answers as the row type it holds, fields in selection order.
/// async-graphql resolves an interface's fields concurrently and puts each
/// in the answer as it finishes, so a product's `category`, which waits for
/// its loader, came after the `slug` selected below it.
impl OutputType for Row<Node> {
    fn type_name() -> Cow<'static, str> {
        Node::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Node::create_type_info(registry)
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match &self.0 {
            Node::Product(product) => resolve_in_order(ctx, product).await,
            Node::Category(category) => resolve_in_order(ctx, category).await,
            Node::Review(review) => resolve_in_order(ctx, review).await,
            Node::User(user) => resolve_in_order(ctx, user).await,
            Node::Order(order) => resolve_in_order(ctx, order).await,
            Node::OrderItem(item) => resolve_in_order(ctx, item).await,
        }
    }
}
