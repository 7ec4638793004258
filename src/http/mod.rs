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
mod head_timer;
mod health;
mod metrics;
mod negotiate;
mod observe;
mod persisted;
mod request_id;
mod security;
mod server;
mod ws;

use axum::{Router, routing::get};
use tower::ServiceBuilder;

use self::security::SecurityHeaders;
use crate::state::AppState;

pub use request_id::REQUEST_ID;
pub use server::{ConnectionLimits, serve};
pub use ws::Sockets;

/// The whole HTTP surface.
///
/// Every middleware sits in one stack applied once: each `Router::layer`
/// call boxes the routes again, and each box costs every request a clone
/// and a boxed future. Outermost first: the security headers, the request
/// id, the log span and HTTP metrics (so that CORS preflight answers
/// carry, log and count them too), CORS, and the deadline around the
/// handler.
pub fn router(state: AppState) -> Router {
    let settings = state.settings.clone();
    let security_headers = SecurityHeaders::new(&settings);
    let middleware = ServiceBuilder::new()
        .map_response(move |response| security_headers.apply(response))
        .layer(request_id::RequestIdLayer)
        .layer(observe::ObserveLayer)
        .option_layer(security::cors(&settings))
        .layer(deadline::DeadlineLayer::new(
            settings.http.request_timeout(),
        ));
    Router::new()
        .route("/", get(graphiql::page))
        .route("/graphiql/{*path}", get(graphiql::asset))
        .route("/dashboard", get(dashboard::page))
        .route("/dashboard/{*path}", get(dashboard::asset))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::render))
        .layer(middleware)
        .with_state(state)
}
