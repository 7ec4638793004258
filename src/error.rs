//! One error type for the whole service, rendered two ways: as a GraphQL
//! error with a stable `extensions.code`, and as a whole HTTP response (its
//! status, headers and a GraphQL error body) when the HTTP edge refuses a
//! request before or instead of running it.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql turns
//! any `Display` type into an error without a code through a blanket `From`,
//! so a bare `?` on a displayable error would silently drop the code. Here
//! the only conversion is the one below.

use std::{sync::Arc, time::Duration};

use async_graphql::{ErrorExtensionValues, ServerError, Value};
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
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
    /// The request ran past its time limit and was cancelled.
    Timeout,
    /// The document is not valid GraphQL syntax.
    GraphqlParseFailed,
    /// The document does not validate against the schema.
    GraphqlValidationFailed,
    /// A persisted-query hash the server does not know: send the document
    /// with it once.
    PersistedQueryNotFound,
    /// Only registered (trusted) documents run, and this one is not.
    PersistedQueryNotInList,
    /// Anything unexpected; details stay in the server log.
    InternalServerError,
}

impl ErrorCode {
    const ALL: [Self; 13] = [
        Self::Unauthenticated,
        Self::Forbidden,
        Self::BadUserInput,
        Self::NotFound,
        Self::Conflict,
        Self::RateLimited,
        Self::QueryTooComplex,
        Self::Timeout,
        Self::GraphqlParseFailed,
        Self::GraphqlValidationFailed,
        Self::PersistedQueryNotFound,
        Self::PersistedQueryNotInList,
        Self::InternalServerError,
    ];

    /// The code a GraphQL error carries in `extensions.code`, when it is
    /// one of the contract's.
    pub fn of(error: &ServerError) -> Option<Self> {
        match error.extensions.as_ref()?.get("code")? {
            Value::String(code) => Self::ALL.into_iter().find(|known| known.as_str() == code),
            _ => None,
        }
    }

    /// The HTTP status of a request refused with this code.
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadUserInput
            | Self::QueryTooComplex
            | Self::GraphqlParseFailed
            | Self::GraphqlValidationFailed
            | Self::PersistedQueryNotInList => StatusCode::BAD_REQUEST,
            Self::PersistedQueryNotFound => StatusCode::NOT_FOUND,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

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
            Self::Timeout => "TIMEOUT",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryNotInList => "PERSISTED_QUERY_NOT_IN_LIST",
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
    /// The HTTP request cannot be served as sent (`BAD_USER_INPUT` with a
    /// status of its own).
    Refused(Refusal),
    /// The request ran past its time limit and was cancelled.
    Timeout {
        /// The limit it ran past.
        limit: Duration,
        /// Its `x-request-id`, also in the server's log line.
        request_id: String,
    },
    /// An automatic persisted query whose hash the server does not hold.
    PersistedQueryNotFound,
    /// A document that is not registered, in trusted-documents mode.
    PersistedQueryNotInList,
    /// A failure the client cannot fix; the cause is logged, never sent.
    Internal(Arc<anyhow::Error>),
}

/// Why the HTTP edge refuses a request before reading it as GraphQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A mutation sent with `GET`, which must stay safe to repeat.
    MutationOverGet,
    /// `Accept` allows none of the JSON media types the server speaks.
    NotAcceptable,
    /// The body is not declared as `application/json`.
    UnsupportedMediaType,
    /// The body is larger than the configured limit; it is left unread, so
    /// the connection cannot carry another request.
    BodyTooLarge {
        /// The limit, in bytes.
        limit_bytes: usize,
    },
}

impl Refusal {
    fn status(self) -> StatusCode {
        match self {
            Self::MutationOverGet => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    fn message(self) -> String {
        match self {
            Self::MutationOverGet => "mutations must be sent with POST".to_owned(),
            Self::NotAcceptable => {
                "only application/graphql-response+json and application/json responses are available"
                    .to_owned()
            }
            Self::UnsupportedMediaType => {
                "send the request as `Content-Type: application/json`".to_owned()
            }
            Self::BodyTooLarge { limit_bytes } => {
                format!("the request body is larger than the limit of {limit_bytes} bytes")
            }
        }
    }
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

    /// A request the server cannot read (malformed JSON, wrong parameter
    /// types); no single argument is at fault.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::BadUserInput {
            message: message.into(),
            field: None,
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
            Self::Refused(_) => ErrorCode::BadUserInput,
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::PersistedQueryNotFound => ErrorCode::PersistedQueryNotFound,
            Self::PersistedQueryNotInList => ErrorCode::PersistedQueryNotInList,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }

    /// The HTTP status of a request refused with this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Refused(refusal) => refusal.status(),
            _ => self.code().status(),
        }
    }

    /// The headers a refusal with this error needs: how to authenticate,
    /// when to retry, which method to use, or that the connection closes.
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        match self {
            // The edge refuses a whole request only for credentials it was
            // sent and could not use.
            Self::Unauthenticated(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            Self::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            Self::Refused(Refusal::MutationOverGet) => {
                headers.insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            Self::Refused(Refusal::BodyTooLarge { .. }) => {
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        headers
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
            Self::Refused(refusal) => refusal.message(),
            Self::Timeout { limit, .. } => format!(
                "the request did not finish within {} s and was cancelled",
                limit.as_secs_f64()
            ),
            // Apollo clients look for this exact message as well as the code.
            Self::PersistedQueryNotFound => "PersistedQueryNotFound".to_owned(),
            Self::PersistedQueryNotInList => {
                "only registered operations run on this server; this document is not one of them"
                    .to_owned()
            }
            Self::Internal(_) => INTERNAL_MESSAGE.to_owned(),
        }
    }
}

impl AppError {
    /// The error as it appears in a response's `errors`, belonging to no
    /// field: a refusal of the whole request.
    pub fn into_server_error(self) -> ServerError {
        let error = async_graphql::Error::from(self);
        let mut rendered = ServerError::new(error.message, None);
        rendered.extensions = error.extensions;
        rendered
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
            AppError::Timeout { request_id, .. } => {
                extensions.set("requestId", request_id.as_str());
                None
            }
            AppError::Unauthenticated(_)
            | AppError::Forbidden(_)
            | AppError::NotFound(_)
            | AppError::Refused(_)
            | AppError::PersistedQueryNotFound
            | AppError::PersistedQueryNotInList => None,
            AppError::Internal(cause) => Some(Arc::new(InternalCause(cause.clone()))),
        };
        async_graphql::Error {
            message: err.client_message(),
            source,
            extensions: Some(extensions),
        }
    }
}

/// The whole HTTP answer to a refused request: the error's status and
/// headers, and a GraphQL response body holding only the error, as
/// `application/json` (the edge relabels it with the negotiated type).
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let headers = self.headers();
        if let Self::Internal(cause) = &self {
            tracing::error!(
                cause = format!("{cause:#}"),
                "internal error refused a request"
            );
        }
        let body = serde_json::json!({ "errors": [self.into_server_error()] });
        (
            status,
            headers,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body.to_string(),
        )
            .into_response()
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
