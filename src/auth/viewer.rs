//! The caller of one request, decided once from its access token.

pub use crate::domain::Role;
use crate::error::{AppError, AppResult};

/// The caller: anonymous, or a user with the role their token states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
