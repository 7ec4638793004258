//! The per-request time limit: a request still running at its deadline
//! (reading a slow body or executing a slow operation) is cancelled by
//! dropping it, which rolls back any transaction it holds, and the client
//! gets a 503 with an `INTERNAL_SERVER_ERROR` that carries the request id.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::Response,
};
use serde_json::json;

use super::{
    graphql::{json_response, request_id},
    negotiate::{self, ResponseMedia},
};
use crate::error::ErrorCode;

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
            let body = json!({
                "errors": [{
                    "message": format!(
                        "the request did not finish within {} s and was cancelled",
                        limit.as_secs_f64()
                    ),
                    "extensions": {
                        "code": ErrorCode::InternalServerError.as_str(),
                        "requestId": request_id,
                    },
                }]
            });
            json_response(StatusCode::SERVICE_UNAVAILABLE, media, &body)
        }
    }
}
