//! The GraphQL schema: one root per operation type, merged from domains.

pub mod connection;
pub mod context;
pub mod filters;
pub mod ids;
pub mod loaders;
mod observer;
pub mod orderings;
pub mod query;
mod response_order;
pub mod scalars;
pub mod types;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};

pub use context::{RequestContext, StoreSettings};
pub use observer::OperationObserver;

use crate::config::Settings;

/// The service's schema type.
pub type AppSchema = Schema<query::QueryRoot, EmptyMutation, EmptySubscription>;

/// Builds the schema; production hides introspection and "did you mean".
pub fn build_schema(settings: &Settings) -> AppSchema {
    let builder = Schema::build(
        query::QueryRoot::default(),
        EmptyMutation,
        EmptySubscription,
    )
    .data(StoreSettings {
        currency: settings.currency.clone(),
        report_stats: settings.is_development(),
    })
    .extension(OperationObserver);
    if settings.is_development() {
        builder.finish()
    } else {
        builder
            .disable_introspection()
            .disable_suggestions()
            .finish()
    }
}
