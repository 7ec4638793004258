//! The id that every response carries in `x-request-id`: the client's own
//! when it sent one, otherwise a new UUID. It goes on the request before
//! anything else sees it, so that handlers, log lines and the timeout
//! answer name the same id, and onto the response unless a handler set it.
//!
//! One layer instead of tower-http's `SetRequestId` and
//! `PropagateRequestId`, which together formatted each new UUID into a
//! `String` before copying it into a header value, and kept a copy in the
//! request's and the response's extensions that nothing here reads.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};

use axum::http::{HeaderName, HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service};
use uuid::Uuid;

/// The header that carries each request's id, in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives every request an id and every response the id of its request.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestIdLayer;

impl<S> Layer<S> for RequestIdLayer {
    type Service = RequestIdService<S>;

    fn layer(&self, inner: S) -> RequestIdService<S> {
        RequestIdService { inner }
    }
}

/// The service of [`RequestIdLayer`].
#[derive(Clone, Debug)]
pub struct RequestIdService<S> {
    inner: S,
}

impl<S, B, ResponseBody> Service<Request<B>> for RequestIdService<S>
where
    S: Service<Request<B>, Response = Response<ResponseBody>>,
{
    type Response = Response<ResponseBody>;
    type Error = S::Error;
    type Future = WithRequestId<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let id = match request.headers().get(REQUEST_ID) {
            Some(id) => id.clone(),
            None => {
                let id = new_id();
                request.headers_mut().insert(REQUEST_ID, id.clone());
                id
            }
        };
        WithRequestId {
            inner: self.inner.call(request),
            id: Some(id),
        }
    }
}

/// A fresh UUID (v4) as a header value.
fn new_id() -> HeaderValue {
    let mut text = Uuid::encode_buffer();
    let id = Uuid::new_v4().hyphenated().encode_lower(&mut text);
    HeaderValue::from_str(id).unwrap_or(HeaderValue::from_static("unknown"))
}

pin_project! {
    /// The inner service's response, with the request id put on it.
    pub struct WithRequestId<F> {
        #[pin]
        inner: F,
        id: Option<HeaderValue>,
    }
}

impl<F, B, E> Future for WithRequestId<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        if let Some(id) = this.id.take() {
            response.headers_mut().entry(REQUEST_ID).or_insert(id);
        }
        Poll::Ready(Ok(response))
    }
}
