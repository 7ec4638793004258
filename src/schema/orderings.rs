//! The orderings clients can ask for, as GraphQL inputs that convert into
//! the read path's orderings.

use async_graphql::{Enum, InputObject};

use crate::services::read::orderings::{
    OrderOrdering, OrderSortKey, ProductOrdering, ProductSortKey, SortDirection,
};

/// Sort direction.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[graphql(remote = "SortDirection")]
pub enum OrderDirection {
    /// Lowest first.
    #[default]
    Asc,
    /// Highest first.
    Desc,
}

/// What products can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "ProductSortKey")]
pub enum ProductOrderField {
    /// Alphabetically by name.
    Name,
    /// By price.
    Price,
    /// By creation time.
    CreatedAt,
    /// By average review rating (unrated products count as lowest).
    Rating,
}

/// How to order a product list.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct ProductOrder {
    /// The sort key.
    pub field: ProductOrderField,
    /// The direction; ascending when omitted.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<ProductOrder> for ProductOrdering {
    fn from(order: ProductOrder) -> Self {
        Self {
            key: order.field.into(),
            direction: order.direction.into(),
        }
    }
}

/// What orders can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "OrderSortKey")]
pub enum OrderOrderField {
    /// By placement time.
    CreatedAt,
    /// By order total.
    Total,
    /// By order number.
    Number,
}

/// How to order an order list.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct OrderOrder {
    /// The sort key.
    pub field: OrderOrderField,
    /// The direction; ascending when omitted.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<OrderOrder> for OrderOrdering {
    fn from(order: OrderOrder) -> Self {
        Self {
            key: order.field.into(),
            direction: order.direction.into(),
        }
    }
}

/// The ordering a list uses: the client's, or the list's default.
pub fn ordering_or_default<I: Into<O>, O: Default>(given: Option<I>) -> O {
    given.map(Into::into).unwrap_or_default()
}
