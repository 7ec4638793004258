//! Per-request log span (with the request id), log lines and HTTP metrics,
//! in one layer.
//!
//! tower-http's `TraceLayer` did the span and the log lines before. It
//! wraps every response body to watch its chunks, and axum then boxes that
//! body again to give it back its own body type: an allocation and an extra
//! layer of polling per response, for callbacks this service never used.

use std::{
    task::{Context, Poll},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request},
    http::Response,
};
use futures_util::future::BoxFuture;
use tower::{Layer, Service};
use tracing::{Instrument as _, Span};

use super::REQUEST_ID;

/// The span every log line of a request is written in. Its fields are
/// read only when the span is enabled.
fn span(request: &Request) -> Span {
    tracing::info_span!(
        "http",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = request
            .headers()
            .get(REQUEST_ID)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default(),
    )
}

/// Runs each request in its span, logs its answer (at `debug`, or `error`
/// for a 5xx), and counts it by method, matched route and status: a layer
/// of its own, since `from_fn` would clone and box the rest of the stack
/// per request.
#[derive(Clone, Copy, Debug, Default)]
pub struct ObserveLayer;

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe { inner }
    }
}

/// The service of [`ObserveLayer`].
#[derive(Clone, Debug)]
pub struct Observe<S> {
    inner: S,
}

impl<S, B> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response<B>>,
    S::Future: Send + 'static,
{
    type Response = Response<B>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<B>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let method = request.method().clone();
        let route = request.extensions().get::<MatchedPath>().cloned();
        let span = span(&request);
        let response = span.in_scope(|| self.inner.call(request));
        let answered = async move {
            let response = response.await?;
            let status = response.status();
            let elapsed = started.elapsed();
            if status.is_server_error() {
                tracing::error!(status = status.as_u16(), ?elapsed, "request failed");
            } else {
                tracing::debug!(status = status.as_u16(), ?elapsed, "request answered");
            }
            crate::metrics::record_http(
                &method,
                route.as_ref().map_or("unmatched", MatchedPath::as_str),
                status.as_u16(),
                elapsed,
            );
            Ok(response)
        };
        Box::pin(answered.instrument(span))
    }
}
