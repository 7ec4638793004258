//! The per-request time limit: a request still running at its deadline
//! (reading a slow body or executing a slow operation) is cancelled by
//! dropping it, which rolls back any transaction it holds, and the client
//! gets a 503 with a `TIMEOUT` error that carries the request id.

use std::{
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use super::{
    REQUEST_ID,
    negotiate::{self, ResponseMedia},
};
use crate::error::AppError;

/// Gives every request `limit` (none when `None`): a layer of its own,
/// since `from_fn` would clone and box the rest of the stack per request.
#[derive(Clone, Copy, Debug)]
pub struct DeadlineLayer {
    limit: Option<Duration>,
}

impl DeadlineLayer {
    /// Requests get `limit` each; `None` lets them run as long as they take.
    pub fn new(limit: Option<Duration>) -> Self {
        Self { limit }
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Deadline<S> {
        Deadline {
            inner,
            limit: self.limit,
        }
    }
}

/// The service of [`DeadlineLayer`]: runs the request, or answers 503 once
/// the limit has passed.
#[derive(Clone, Debug)]
pub struct Deadline<S> {
    inner: S,
    limit: Option<Duration>,
}

impl<S> Service<Request> for Deadline<S>
where
    S: Service<Request, Response = Response>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let Some(limit) = self.limit else {
            return Box::pin(self.inner.call(request));
        };
        // Kept for the timeout answer, and only read if it comes: the request
        // moves into the handler.
        let accept = accept_headers(request.headers());
        let id = request.headers().get(REQUEST_ID).cloned();
        let response = self.inner.call(request);
        Box::pin(async move {
            match tokio::time::timeout(limit, response).await {
                Ok(response) => response,
                Err(_) => Ok(timed_out(limit, &accept, id)),
            }
        })
    }
}

/// The 503 of a request cancelled at its deadline.
fn timed_out(limit: Duration, accept: &HeaderMap, id: Option<HeaderValue>) -> Response {
    let media = negotiate::response_media(accept).unwrap_or(ResponseMedia::Json);
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

/// The request's `Accept` headers alone (each value shares its bytes).
fn accept_headers(headers: &HeaderMap) -> HeaderMap {
    let mut accept = HeaderMap::new();
    for value in headers.get_all(header::ACCEPT) {
        accept.append(header::ACCEPT, value.clone());
    }
    accept
}
