//! The per-request time limit: a request still running at its deadline
//! (reading a slow body or executing a slow operation) is cancelled by
//! dropping it, which rolls back any transaction it holds, and the client
//! gets a 503 with a `TIMEOUT` error that carries the request id.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Duration,
};

use axum::{
    extract::Request,
    http::HeaderValue,
    response::{IntoResponse, Response},
};
use pin_project_lite::pin_project;
use tokio::time::Sleep;
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
{
    type Response = Response;
    type Error = S::Error;
    type Future = WithinDeadline<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let Some(limit) = self.limit else {
            return WithinDeadline::Unlimited {
                answer: self.inner.call(request),
            };
        };
        // Taken now for the timeout answer: the request moves into the
        // handler. The media type, not the `Accept` headers: copying them
        // into a map would cost every request an allocation.
        let media = negotiate::response_media(request.headers()).unwrap_or(ResponseMedia::Json);
        let id = request.headers().get(REQUEST_ID).cloned();
        WithinDeadline::Limited {
            answer: self.inner.call(request),
            limit,
            deadline: None,
            media,
            id,
        }
    }
}

pin_project! {
    /// A request's answer, or the 503 once its limit has passed: a named
    /// future rather than a boxed `async` block, which would cost every
    /// request an allocation.
    ///
    /// The timer starts at the answer's first wait, polled as the request
    /// starts: an answer ready at once (most small queries) never sets one,
    /// and the future every layer above moves stays small.
    #[project = Projected]
    pub enum WithinDeadline<F> {
        /// No limit is configured.
        Unlimited {
            #[pin]
            answer: F,
        },
        /// The answer races the limit.
        Limited {
            #[pin]
            answer: F,
            limit: Duration,
            deadline: Option<Pin<Box<Sleep>>>,
            media: ResponseMedia,
            id: Option<HeaderValue>,
        },
    }
}

impl<F, E> Future for WithinDeadline<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            Projected::Unlimited { answer } => answer.poll(cx),
            Projected::Limited {
                answer,
                limit,
                deadline,
                media,
                id,
            } => {
                if let Poll::Ready(answered) = answer.poll(cx) {
                    return Poll::Ready(answered);
                }
                let deadline = deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(*limit)));
                ready!(deadline.as_mut().poll(cx));
                Poll::Ready(Ok(timed_out(*limit, *media, id.take())))
            }
        }
    }
}

/// The 503 of a request cancelled at its deadline.
fn timed_out(limit: Duration, media: ResponseMedia, id: Option<HeaderValue>) -> Response {
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
