//! The order lifecycle: its states and the only moves between them.

use sea_orm::entity::prelude::*;

/// Where an order is in its life. Stored in `orders.status` with the
/// spellings of the column's CHECK constraint.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    /// Placed, stock reserved, not paid yet.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Paid, waiting to ship.
    #[sea_orm(string_value = "PAID")]
    Paid,
    /// Handed to the carrier.
    #[sea_orm(string_value = "SHIPPED")]
    Shipped,
    /// Arrived.
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// Called off; its stock went back on the shelf.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

impl OrderStatus {
    /// Whether the lifecycle allows moving from `self` to `next`:
    /// PENDING → PAID → SHIPPED → DELIVERED, and PENDING | PAID → CANCELLED.
    pub fn can_become(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Pending, Self::Paid)
                | (Self::Paid, Self::Shipped)
                | (Self::Shipped, Self::Delivered)
                | (Self::Pending | Self::Paid, Self::Cancelled)
        )
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::OrderStatus::{self, *};

    #[test]
    fn only_the_contract_transitions_are_allowed() {
        let allowed: Vec<(OrderStatus, OrderStatus)> = OrderStatus::iter()
            .flat_map(|from| OrderStatus::iter().map(move |to| (from, to)))
            .filter(|(from, to)| from.can_become(*to))
            .collect();
        assert_eq!(
            allowed,
            [
                (Pending, Paid),
                (Pending, Cancelled),
                (Paid, Shipped),
                (Paid, Cancelled),
                (Shipped, Delivered),
            ]
        );
    }

    #[test]
    fn statuses_are_stored_with_the_spellings_of_the_check_constraint() {
        let stored: Vec<String> = OrderStatus::iter().map(|s| s.to_value()).collect();
        assert_eq!(
            stored,
            ["PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"]
        );
        for status in OrderStatus::iter() {
            assert_eq!(
                OrderStatus::try_from_value(&status.to_value()).ok(),
                Some(status)
            );
        }
        assert!(OrderStatus::try_from_value(&"pending".to_owned()).is_err());
    }
}
