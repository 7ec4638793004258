//! Order filters: the GraphQL input, checked into the read path's filter
//! spec, which also carries who is asking, so that a customer's list can
//! only ever hold their own orders whatever the filter names.

use async_graphql::{ID, InputObject};

use super::{
    connection::PageArgs,
    enums::GraphqlOrderStatus,
    ids::{self, NodeKind},
    orderings::{OrderOrder, ordering_or_default},
    scalars::Timestamp,
};
use crate::{
    auth::Viewer,
    domain::OrderStatus,
    error::{AppError, AppResult},
    services::read::{keyset::Keyset, orderings::OrderOrdering, orders::OrderFilterSpec},
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
    pub created_after: Option<Timestamp>,
    /// Only orders placed before this time.
    pub created_before: Option<Timestamp>,
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
            created_after: self.created_after.map(Into::into),
            created_before: self.created_before.map(Into::into),
            visible_to: (!viewer.is_admin()).then_some(user_id),
        })
    }
}

/// The checked filter and paging of `Query.orders` for `viewer`.
pub fn order_listing(
    viewer: &Viewer,
    filter: Option<OrderFilter>,
    order_by: Option<OrderOrder>,
    page: PageArgs,
) -> AppResult<(OrderFilterSpec, Keyset<OrderOrdering>)> {
    let filter = filter.unwrap_or_default().validate(viewer)?;
    let keyset = Keyset::new(ordering_or_default(order_by), page)?;
    Ok((filter, keyset))
}
