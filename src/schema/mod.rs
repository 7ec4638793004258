//! The GraphQL schema: one root per operation type, merged from domains.

mod argument_errors;
pub mod connection;
pub mod context;
pub mod enums;
mod field_errors;
pub mod filters;
pub mod guards;
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
pub mod subjects;
pub mod subscription;
pub mod types;

use async_graphql::{Schema, SchemaBuilder};

pub use context::{Admitted, QueryLimits, RequestContext, StoreSettings};
pub use limits::{
    LIMIT_HEADER, QueryProtection, REMAINING_HEADER, RESET_HEADER, within_token_limit,
};
pub use observer::OperationObserver;

use crate::{
    config::Settings,
    events::{DashboardHub, EventHub},
    ratelimit::RateLimits,
};

/// The service's schema type.
pub type AppSchema =
    Schema<query::QueryRoot, mutation::MutationRoot, subscription::SubscriptionRoot>;

fn schema_builder()
-> SchemaBuilder<query::QueryRoot, mutation::MutationRoot, subscription::SubscriptionRoot> {
    Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::SubscriptionRoot::default(),
    )
}

/// The SDL of the schema, which no setting changes.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

/// Builds the schema with its limits, the event hub that mutations notify
/// and subscriptions listen to, and the dashboard's shared snapshot;
/// production hides introspection and "did you mean".
pub fn build_schema(settings: &Settings, events: EventHub, dashboard: DashboardHub) -> AppSchema {
    let limits = &settings.limits;
    let builder = schema_builder()
        .data(events)
        .data(dashboard)
        .data(subjects::EventSubjects::default())
        .data(StoreSettings {
            currency: settings.currency.clone(),
            report_stats: settings.is_development(),
        })
        .data(QueryLimits {
            max_depth: limits.max_depth,
            max_complexity: limits.max_complexity,
            max_aliases: limits.max_aliases,
            max_directives: limits.max_directives,
            max_tokens: limits.max_tokens,
        })
        .data(RateLimits::in_process(limits))
        // Parser recursion stays above the depth limit, so that over-deep
        // documents get the depth error rather than a parse failure.
        .limit_recursive_depth(limits.max_depth.saturating_mul(4).max(32))
        .extension(QueryProtection)
        .extension(OperationObserver::default());
    if settings.is_development() {
        builder.finish()
    } else {
        builder
            .disable_introspection()
            .disable_suggestions()
            .finish()
    }
}
