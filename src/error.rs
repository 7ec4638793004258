//! One error type for the whole service, rendered as a GraphQL error with a
//! stable `extensions.code` (and, at the HTTP edge, a status code).
//!
//! `AppError` deliberately does not implement `Display`: async-graphql turns
//! any `Display` type into an error without a code through a blanket `From`,
//! so a bare `?` on a displayable error would silently drop the code. Here
//! the only conversion is the one below.

use std::sync::Arc;

use async_graphql::{ErrorExtensionValues, Value};
use sea_orm::DbErr;

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

    /// An unexpected failure with its cause.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Arc::new(cause.into()))
    }

    /// The contract code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }

    /// The message sent to the client.
    pub fn client_message(&self) -> String {
        match self {
            Self::BadUserInput { message, .. } => message.clone(),
            Self::Internal(_) => INTERNAL_MESSAGE.to_owned(),
        }
    }
}

/// What clients see instead of an internal error's cause.
pub const INTERNAL_MESSAGE: &str = "Internal server error";

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
            AppError::BadUserInput { field, .. } => {
                if let Some(field) = field {
                    extensions.set("field", Value::from(field.as_str()));
                }
                None
            }
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
