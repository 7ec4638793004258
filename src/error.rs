//! One error type for the whole service, rendered as a GraphQL error with a
//! stable `extensions.code` (and, at the HTTP edge, a status code).
//!
//! `AppError` deliberately does not implement `Display`: async-graphql turns
//! any `Display` type into an error without a code through a blanket `From`,
//! so a bare `?` on a displayable error would silently drop the code. Here
//! the only conversion is the one below.

use std::sync::Arc;

use async_graphql::{ErrorExtensionValues, Value};
use sea_orm::{DbErr, RuntimeErr, SqlErr};

use crate::domain::DomainError;

/// The `extensions.code` values of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// Missing, invalid, expired or forged credentials.
    Unauthenticated,
    /// Signed in, but lacking the role.
    Forbidden,
    /// An argument or input field is invalid.
    BadUserInput,
    /// The object does not exist or is not visible to the caller.
    NotFound,
    /// A duplicate, or a state that forbids the change.
    Conflict,
    /// The caller spent its budget; `extensions.retryAfter` says when to retry.
    RateLimited,
    /// The document exceeds a depth, cost, alias or directive limit.
    QueryTooComplex,
    /// The document is not valid GraphQL syntax.
    GraphqlParseFailed,
    /// The document does not validate against the schema.
    GraphqlValidationFailed,
    /// Anything unexpected; details stay in the server log.
    InternalServerError,
}

impl ErrorCode {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// What can go wrong while serving an operation.
#[derive(Clone, Debug)]
pub enum AppError {
    /// Invalid client input; `field` names the argument or input path.
    BadUserInput {
        /// Human-readable reason.
        message: String,
        /// The offending argument, e.g. `first` or `filter.minPrice`.
        field: Option<String>,
    },
    /// Missing, invalid, expired or forged credentials, or a wrong password.
    Unauthenticated(String),
    /// Signed in, but the role does not allow this.
    Forbidden(String),
    /// Absent, or not visible to the caller (never revealing which).
    NotFound(String),
    /// A duplicate or a state that forbids the change; `field` names the
    /// input that collided when there is one.
    Conflict {
        /// Human-readable reason.
        message: String,
        /// The input field at fault, e.g. `input.slug`.
        field: Option<String>,
    },
    /// Over a rate or cost budget.
    RateLimited {
        /// Whole seconds until the budget allows the request again.
        retry_after_secs: u64,
    },
    /// A failure the client cannot fix; the cause is logged, never sent.
    Internal(Arc<anyhow::Error>),
}

/// Kept inside `async_graphql::Error::source` so the response layer can log
/// the cause of an internal error next to its request id.
#[derive(Debug)]
pub struct InternalCause(pub Arc<anyhow::Error>);

impl AppError {
    /// An invalid argument or input field.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// Missing or invalid credentials.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::Unauthenticated(message.into())
    }

    /// Signed in without the needed role.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    /// Absent or invisible to the caller.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    /// A state or duplicate that forbids the change.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            field: None,
        }
    }

    /// A duplicate value of the input `field`.
    pub fn conflict_on(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// An unexpected failure with its cause.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Arc::new(cause.into()))
    }

    /// The same error with its field renamed by `rename`: services and
    /// domain types name their own fields, and only the caller knows where
    /// those sit among its arguments or flags.
    pub fn map_field(self, rename: impl FnOnce(&str) -> String) -> Self {
        match self {
            Self::BadUserInput {
                message,
                field: Some(field),
            } => Self::BadUserInput {
                message,
                field: Some(rename(&field)),
            },
            Self::Conflict {
                message,
                field: Some(field),
            } => Self::Conflict {
                message,
                field: Some(rename(&field)),
            },
            other => other,
        }
    }

    /// The same error with its field nested under the argument `prefix`
    /// (`email` within `input` is `input.email`).
    pub fn within(self, prefix: &str) -> Self {
        self.map_field(|field| format!("{prefix}.{field}"))
    }

    /// The field at fault, for input errors and conflicts that name one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadUserInput { field, .. } | Self::Conflict { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The contract code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }

    /// The message sent to the client.
    pub fn client_message(&self) -> String {
        match self {
            Self::BadUserInput { message, .. } | Self::Conflict { message, .. } => message.clone(),
            Self::Unauthenticated(message) | Self::Forbidden(message) | Self::NotFound(message) => {
                message.clone()
            }
            Self::RateLimited { retry_after_secs } => {
                format!("rate limit exceeded; retry in {retry_after_secs} s")
            }
            Self::Internal(_) => INTERNAL_MESSAGE.to_owned(),
        }
    }
}

/// What clients see instead of an internal error's cause.
pub const INTERNAL_MESSAGE: &str = "Internal server error";

impl From<DomainError> for AppError {
    fn from(err: DomainError) -> Self {
        Self::bad_input(err.field(), err.message())
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        Self::internal(err)
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", err.code().as_str());
        let source: Option<Arc<dyn std::any::Any + Send + Sync>> = match &err {
            AppError::BadUserInput { field, .. } | AppError::Conflict { field, .. } => {
                if let Some(field) = field {
                    extensions.set("field", Value::from(field.as_str()));
                }
                None
            }
            AppError::RateLimited { retry_after_secs } => {
                extensions.set("retryAfter", Value::from(*retry_after_secs));
                None
            }
            AppError::Unauthenticated(_) | AppError::Forbidden(_) | AppError::NotFound(_) => None,
            AppError::Internal(cause) => Some(Arc::new(InternalCause(cause.clone()))),
        };
        async_graphql::Error {
            message: err.client_message(),
            source,
            extensions: Some(extensions),
        }
    }
}

/// Resolver results: `?` on an `AppError` keeps its code.
pub type AppResult<T> = Result<T, AppError>;

/// A unique constraint, named as each database reports it, so that a
/// violation becomes a `CONFLICT` on the input field that collided.
#[derive(Clone, Copy, Debug)]
pub struct UniqueKey {
    /// Constraint or index name (PostgreSQL reports this).
    pub name: &'static str,
    /// `table.column[, table.column]` (SQLite reports this).
    pub columns: &'static str,
}

impl UniqueKey {
    /// Whether `err` is a violation of this key.
    pub fn violated_by(&self, err: &DbErr) -> bool {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(message)) => {
                message.contains(&format!("\"{}\"", self.name))
                    || message.trim_end().ends_with(self.columns)
            }
            _ => false,
        }
    }
}

/// Turns constraint violations into user errors where the statement runs.
pub trait DbResultExt<T> {
    /// A violation of `key` becomes `CONFLICT` on `field` with `message`;
    /// any other database error stays internal.
    fn conflict_on(self, key: UniqueKey, field: &str, message: &str) -> AppResult<T>;
}

impl<T> DbResultExt<T> for Result<T, DbErr> {
    fn conflict_on(self, key: UniqueKey, field: &str, message: &str) -> AppResult<T> {
        self.map_err(|err| {
            if key.violated_by(&err) {
                AppError::conflict_on(field, message)
            } else {
                AppError::from(err)
            }
        })
    }
}

/// Whether `err` is a foreign-key violation: a reference to a missing row,
/// or the removal of a row that others still reference. SQLite reports a
/// `RESTRICT` action as a trigger constraint (extended code 1811), which
/// SeaORM leaves unclassified, so that report counts too.
pub fn is_foreign_key_violation(err: &DbErr) -> bool {
    if matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    ) {
        return true;
    }
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause)) => {
            cause.as_database_error().is_some_and(|db| {
                db.code().as_deref() == Some("1811")
                    && db.message().starts_with("FOREIGN KEY constraint failed")
            })
        }
        _ => false,
    }
}
