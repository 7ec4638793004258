//! The ceiling of `{ __typename }` for bench/compare.sh: async-graphql
//! 7.2.1 behind axum with nothing else (no limits, no extensions, no
//! database), on the runtime and allocator Storefront's `main` uses, so that
//! the gap between the two is what Storefront's own layers cost.
//!
//!     cargo run --release --example bare_graphql -- 127.0.0.1:8001

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use async_graphql_axum::GraphQL;
use axum::{Router, routing::post_service};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A root with one field: `{ __typename }` never reaches it.
struct Query;

#[Object]
impl Query {
    /// Present because a query root needs a field.
    async fn ok(&self) -> bool {
        true
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8001".to_owned());
    let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
    let app = Router::new().route("/graphql", post_service(GraphQL::new(schema)));
    let listener = tokio::net::TcpListener::bind(&address).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
