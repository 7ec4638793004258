//! The GraphQL schema: one root per operation type, merged from domains.

mod argument_errors;
pub mod connection;
pub mod context;
pub mod enums;
mod executor;
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
pub mod prefetch;
mod public_nodes;
pub mod query;
mod recent_documents;
mod response_order;
pub mod scalars;
pub mod subjects;
pub mod subscription;
pub mod types;

use std::time::Duration;

use async_graphql::{Schema, SchemaBuilder, ValidationMode};

pub use context::{Admitted, QueryLimits, RequestContext, StoreSettings};
pub use executor::{AppSchema, Executed};
pub use limits::{
    LIMIT_HEADER, QueryProtection, REMAINING_HEADER, RESET_HEADER, within_token_limit,
};
pub use observer::OperationObserver;

use self::{mutation::MutationRoot, query::QueryRoot, subscription::SubscriptionRoot};
use crate::{
    cache::Cache,
    config::Settings,
    events::{DashboardHub, EventHub},
    ratelimit::RateLimits,
};

fn schema_builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
}

/// The SDL of the schema, which no setting changes.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

/// Builds the schema with its limits, the event hub that mutations notify
/// and subscriptions listen to, the dashboard's shared snapshot, the
/// response cache and the rate limits (in process or shared);
/// production hides introspection and "did you mean".
pub fn build_schema(
    settings: &Settings,
    events: EventHub,
    dashboard: DashboardHub,
    cache: Cache,
    rate_limits: RateLimits,
) -> AppSchema {
    let limits = &settings.limits;
    let subjects = subjects::EventSubjects::default();
    let observer = OperationObserver::default();
    let build = |extended: bool| {
        let mut builder = schema_builder()
            .data(events.clone())
            .data(dashboard.clone())
            .data(subjects.clone())
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
            .data(rate_limits.clone())
            // Parser recursion stays above the depth limit, so that over-deep
            // documents get the depth error rather than a parse failure.
            .limit_recursive_depth(limits.max_depth.saturating_mul(4).max(32));
        builder = if extended {
            builder
                .extension(QueryProtection)
                .extension(observer.clone())
        } else {
            // The checked pass validated the same document and variables
            // in full; this keeps only what execution needs.
            builder.validation_mode(ValidationMode::Fast)
        };
        if !settings.is_development() {
            builder = builder.disable_introspection().disable_suggestions();
        }
        builder.finish()
    };
    let store_delay = if settings.is_development() {
        settings.cache.store_delay
    } else {
        Duration::ZERO
    };
    let checked = build(true);
    let bare = build(false);
    AppSchema::new(checked, observer, bare, rate_limits, cache, store_delay)
}
