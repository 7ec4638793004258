//! The per-request time limit: a request still running at its deadline
//! (reading a slow body or executing a slow operation) is cancelled by
//! dropping it, which rolls back any transaction it holds, and the client
//! gets a 503 with a `TIMEOUT` error that carries the request id.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{
    REQUEST_ID_HEADER,
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
    // Kept for the timeout answer, and only read if it comes: the request
    // moves into the handler.
    let accept = accept_headers(request.headers());
    let id = request.headers().get(REQUEST_ID_HEADER).cloned();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let media = negotiate::response_media(&accept).unwrap_or(ResponseMedia::Json);
            let request_id = id
                .and_then(|id| id.to_str().map(str::to_owned).ok())
                .unwrap_or_default();
            tracing::warn!(
                request_id,
                limit_secs = limit.as_secs_f64(),
                "request timed out and was cancelled"
            );
            media.label(AppError::Timeout { limit, request_id }.into_response())
        }
    }
}

/// The request's `Accept` headers alone (each value shares its bytes).
fn accept_headers(headers: &HeaderMap) -> HeaderMap {
    let mut accept = HeaderMap::new();
    for value in headers.get_all(header::ACCEPT) {
        accept.append(header::ACCEPT, value.clone());
    }
    accept
}
