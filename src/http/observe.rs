//! Per-request log span (with the request id) and HTTP metrics.

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
use tracing::Span;

use super::REQUEST_ID;

/// The span every log line of a request is written in. Its fields are
/// read only when the span is enabled.
pub fn span(request: &Request) -> Span {
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

/// Counts requests by method, matched route and status: a layer of its
/// own, since `from_fn` would clone and box the rest of the stack per
/// request.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountLayer;

impl<S> Layer<S> for CountLayer {
    type Service = Count<S>;

    fn layer(&self, inner: S) -> Count<S> {
        Count { inner }
    }
}

/// The service of [`CountLayer`]: records each answered request.
#[derive(Clone, Debug)]
pub struct Count<S> {
    inner: S,
}

impl<S, B> Service<Request> for Count<S>
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
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            crate::metrics::record_http(
                &method,
                route.as_ref().map_or("unmatched", MatchedPath::as_str),
                response.status().as_u16(),
                started.elapsed(),
            );
            Ok(response)
        })
    }
}
