//! HTTP routes on one port: GraphQL (over HTTP and WebSocket), GraphiQL,
//! the live dashboard, health and metrics, behind
//! the request id, tracing, the per-request deadline, CORS and security
//! headers.

mod batch;
mod body;
mod caching;
mod client_address;
mod dashboard;
mod deadline;
mod embedded;
mod graphiql;
mod graphql;
mod health;
mod metrics;
mod negotiate;
mod observe;
mod persisted;
mod security;
mod server;
mod ws;

use axum::{Router, middleware, routing::get};
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::state::AppState;

pub use server::{ConnectionLimits, serve};
pub use ws::Sockets;

/// Header that carries each request's id, in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let request_id = axum::http::HeaderName::from_static(REQUEST_ID_HEADER);
    let settings = state.settings.clone();
    let app = Router::new()
        .route("/", get(graphiql::page))
        .route("/graphiql/{*path}", get(graphiql::asset))
        .route("/dashboard", get(dashboard::page))
        .route("/dashboard/{*path}", get(dashboard::asset))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::render))
        .layer(middleware::from_fn_with_state(
            settings.http.request_timeout(),
            deadline::enforce,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(observe::span))
                .layer(middleware::from_fn(observe::count))
                .layer(PropagateRequestIdLayer::new(request_id)),
        )
        .with_state(state);
    security::apply(app, &settings)
}
