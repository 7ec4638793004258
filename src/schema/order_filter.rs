//! Order filters: the GraphQL input, and its validated, hashable form that
//! also carries who is asking, so that a customer's list can only ever hold
//! their own orders whatever the filter names.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};

use super::{
    connection::{Keyset, PageArgs},
    enums::GraphqlOrderStatus,
    ids::{self, NodeKind},
    orderings::OrderOrder,
};
use crate::{
    auth::Viewer,
    domain::OrderStatus,
    entities::orders,
    error::{AppError, AppResult},
};

/// Narrows an order list; every given field must match. The creation
/// window is half-open: `createdAfter` inclusive, `createdBefore` exclusive.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrderFilter {
    /// Only orders in this status.
    pub status: Option<GraphqlOrderStatus>,
    /// Only orders of this customer. Customers only ever see their own
    /// orders: naming anyone else gives an empty list.
    pub customer_id: Option<ID>,
    /// Only orders placed at or after this time.
    pub created_after: Option<DateTime<Utc>>,
    /// Only orders placed before this time.
    pub created_before: Option<DateTime<Utc>>,
}

/// A checked `OrderFilter`, restricted to what the caller may see.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrderFilterSpec {
    status: Option<OrderStatus>,
    customer_id: Option<i64>,
    created_after: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    visible_to: Option<i64>,
}

impl OrderFilter {
    /// Validates the filter for `viewer`: admins see every order, customers
    /// their own, anonymous callers nothing (`UNAUTHENTICATED`).
    pub fn validate(self, viewer: &Viewer) -> AppResult<OrderFilterSpec> {
        let user_id = viewer.require_user()?;
        let customer_id = self
            .customer_id
            .map(|id| ids::decode_as(&id, NodeKind::User, "filter.customerId"))
            .transpose()?;
        if let (Some(after), Some(before)) = (self.created_after, self.created_before)
            && before < after
        {
            return Err(AppError::bad_input(
                "filter.createdBefore",
                "createdBefore must not be before createdAfter",
            ));
        }
        Ok(OrderFilterSpec {
            status: self.status.map(OrderStatus::from),
            customer_id,
            created_after: self.created_after,
            created_before: self.created_before,
            visible_to: (!viewer.is_admin()).then_some(user_id),
        })
    }
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

/// The checked filter and paging of `Query.orders` for `viewer`.
pub fn order_listing(
    viewer: &Viewer,
    filter: Option<OrderFilter>,
    order_by: Option<OrderOrder>,
    page: PageArgs,
) -> AppResult<(OrderFilterSpec, Keyset<OrderOrder>)> {
    let filter = filter.unwrap_or_default().validate(viewer)?;
    let keyset = Keyset::new(order_by.unwrap_or_default(), page)?;
    Ok((filter, keyset))
}
