//! What an account may do.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a signed-in user may do. Stored in `users.role` as `CUSTOMER` or
/// `ADMIN` (the column's CHECK constraint) and carried in access tokens
/// with the same spelling.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Buys, reviews, sees their own orders.
    #[sea_orm(string_value = "CUSTOMER")]
    Customer,
    /// Runs the store: catalog, every order, users, sales.
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::Role;

    #[test]
    fn roles_are_stored_and_signed_with_the_spellings_of_the_check_constraint() {
        let stored: Vec<String> = Role::iter().map(|role| role.to_value()).collect();
        assert_eq!(stored, ["CUSTOMER", "ADMIN"]);
        for role in Role::iter() {
            assert_eq!(
                serde_json::to_value(role).ok(),
                Some(serde_json::Value::String(role.to_value()))
            );
        }
        assert!(Role::try_from_value(&"admin".to_owned()).is_err());
    }
}
