//! The per-request time limit: a request still running at its deadline
//! (reading a slow body or executing a slow operation) is cancelled by
//! dropping it, which rolls back any transaction it holds, and the client
//! gets a 503 with a `TIMEOUT` error that carries the request id.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{
    graphql::request_id,
    negotiate::{self, ResponseMedia},
};
use crate::error::AppError;

/// Runs the request, or answers 503 once `limit` has passed.
pub async fn enforce(
    State(limit): State<Option<Duration>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limit) = limit else {
        return next.run(request).await;
    };
    let media = negotiate::response_media(request.headers()).unwrap_or(ResponseMedia::Json);
    let request_id = request_id(request.headers());
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                request_id,
                limit_secs = limit.as_secs_f64(),
                "request timed out and was cancelled"
            );
            media.label(AppError::Timeout { limit, request_id }.into_response())
        }
    }
}
