//! The `Query` root, merged from one object per domain.

mod accounts;
mod catalog;
mod node;
mod orders;

use async_graphql::MergedObject;

/// Every read entry point.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    node::NodeQuery,
    catalog::CatalogQuery,
    accounts::AccountsQuery,
    orders::OrderQuery,
);
