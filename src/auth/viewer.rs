//! The caller of one request, decided once from its access token.

use async_graphql::Enum;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// What a signed-in user may do.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Buys, reviews, sees their own orders.
    Customer,
    /// Runs the store: catalog, every order, users, sales.
    Admin,
}

impl Role {
    /// The `users.role` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "CUSTOMER",
            Self::Admin => "ADMIN",
        }
    }

    /// Reads the `users.role` spelling; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "CUSTOMER" => Some(Self::Customer),
            "ADMIN" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// The caller: anonymous, or a user with the role their token states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// No `Authorization` header.
    Anonymous,
    /// A valid access token for this user.
    User {
        /// `users.id`.
        id: i64,
        /// The role in the token.
        role: Role,
    },
}

impl Viewer {
    /// The signed-in user's id, or `UNAUTHENTICATED`.
    pub fn require_user(&self) -> AppResult<i64> {
        match self {
            Self::User { id, .. } => Ok(*id),
            Self::Anonymous => Err(AppError::unauthenticated("sign in to do this")),
        }
    }

    /// The admin's id; `UNAUTHENTICATED` when anonymous, `FORBIDDEN` for
    /// customers.
    pub fn require_admin(&self) -> AppResult<i64> {
        match self {
            Self::User {
                id,
                role: Role::Admin,
            } => Ok(*id),
            Self::User { .. } => Err(AppError::forbidden("only administrators can do this")),
            Self::Anonymous => Err(AppError::unauthenticated("sign in to do this")),
        }
    }

    /// Whether the caller is an admin.
    pub fn is_admin(&self) -> bool {
        matches!(
            self,
            Self::User {
                role: Role::Admin,
                ..
            }
        )
    }

    /// Whether the caller may see what belongs to `owner`: the owner
    /// themselves or an admin.
    pub fn can_see_owned_by(&self, owner: i64) -> bool {
        match self {
            Self::User { id, role } => *id == owner || *role == Role::Admin,
            Self::Anonymous => false,
        }
    }

    /// The user id, if signed in.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Self::User { id, .. } => Some(*id),
            Self::Anonymous => None,
        }
    }
}
