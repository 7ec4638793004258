//! The order lifecycle: its states and the only moves between them.

use async_graphql::Enum;

use crate::error::{AppError, AppResult};

/// Where an order is in its life.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
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

impl OrderStatus {
    /// The `orders.status` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Paid => "PAID",
            Self::Shipped => "SHIPPED",
            Self::Delivered => "DELIVERED",
            Self::Cancelled => "CANCELLED",
        }
    }

    /// Reads the `orders.status` spelling; the column's CHECK constraint
    /// makes anything else a corrupt row.
    pub fn parse(text: &str) -> AppResult<Self> {
        Ok(match text {
            "PENDING" => Self::Pending,
            "PAID" => Self::Paid,
            "SHIPPED" => Self::Shipped,
            "DELIVERED" => Self::Delivered,
            "CANCELLED" => Self::Cancelled,
            other => {
                return Err(AppError::internal(anyhow::anyhow!(
                    "unknown order status {other:?}"
                )));
            }
        })
    }

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
    use super::OrderStatus::{self, *};

    #[test]
    fn only_the_contract_transitions_are_allowed() {
        let all = [Pending, Paid, Shipped, Delivered, Cancelled];
        let allowed: Vec<(OrderStatus, OrderStatus)> = all
            .iter()
            .flat_map(|from| all.iter().map(move |to| (*from, *to)))
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
        for status in all {
            assert_eq!(OrderStatus::parse(status.as_str()).ok(), Some(status));
        }
    }
}
