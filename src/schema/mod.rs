//! The GraphQL schema: one root per operation type, merged from domains.

pub mod connection;
pub mod context;
pub mod enums;
pub mod filters;
pub mod ids;
mod limits;
pub mod loaders;
pub mod mutation;
mod observer;
pub mod order_filter;
pub mod orderings;
pub mod query;
mod response_order;
pub mod scalars;
pub mod types;

use async_graphql::{EmptySubscription, Schema};

pub use context::{QueryLimits, RequestContext, StoreSettings};
pub use limits::{
    LIMIT_HEADER, QueryProtection, REMAINING_HEADER, RESET_HEADER, within_token_limit,
};
pub use observer::OperationObserver;

use crate::{config::Settings, ratelimit::RateLimits};

/// The service's schema type.
pub type AppSchema = Schema<query::QueryRoot, mutation::MutationRoot, EmptySubscription>;

/// Builds the schema with its limits; production hides introspection and
/// "did you mean".
pub fn build_schema(settings: &Settings) -> AppSchema {
    let builder = Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        EmptySubscription,
    )
    .data(StoreSettings {
        currency: settings.currency.clone(),
        report_stats: settings.is_development(),
    })
    .data(QueryLimits {
        max_depth: settings.max_depth,
        max_complexity: settings.max_complexity,
        max_aliases: settings.max_aliases,
        max_directives: settings.max_directives,
        max_tokens: settings.max_tokens,
    })
    .data(RateLimits::in_process(settings))
    // Parser recursion stays above the depth limit, so that over-deep
    // documents get the depth error rather than a parse failure.
    .limit_recursive_depth(settings.max_depth.saturating_mul(4).max(32))
    .extension(QueryProtection)
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
