//! Per-request log span (with the request id), log lines and HTTP metrics,
//! in one layer.
//!
//! tower-http's `TraceLayer` did the span and the log lines before. It
//! wraps every response body to watch its chunks, and axum then boxes that
//! body again to give it back its own body type: an allocation and an extra
//! layer of polling per response, for callbacks this service never used.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request},
    http::{Method, Response},
};
use pin_project_lite::pin_project;
use tower::{Layer, Service};
use tracing::{Instrument as _, Span, instrument::Instrumented};

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
{
    type Response = Response<B>;
    type Error = S::Error;
    type Future = Observed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let method = request.method().clone();
        let route = request.extensions().get::<MatchedPath>().cloned();
        let span = span(&request);
        let answer = span.in_scope(|| self.inner.call(request));
        Observed {
            answer: answer.instrument(span),
            started,
            method,
            route,
        }
    }
}

pin_project! {
    /// A request's answer in its span, logged and counted once it is
    /// ready: a named future rather than a boxed `async` block, which would
    /// cost every request an allocation.
    pub struct Observed<F> {
        #[pin]
        answer: Instrumented<F>,
        started: Instant,
        method: Method,
        route: Option<MatchedPath>,
    }
}

impl<F, B, E> Future for Observed<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let response = ready!(this.answer.as_mut().poll(cx))?;
        let _in_span = this.answer.span().enter();
        let status = response.status();
        let elapsed = this.started.elapsed();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), ?elapsed, "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), ?elapsed, "request answered");
        }
        crate::metrics::record_http(
            this.method,
            this.route.as_ref().map_or("unmatched", MatchedPath::as_str),
            status.as_u16(),
            elapsed,
        );
        Poll::Ready(Ok(response))
    }
}
