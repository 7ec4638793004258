//! The `Mutation` root, merged from one object per domain. Every mutation
//! checks its input before any statement, then makes its change in one write
//! transaction through a service.

mod accounts;
mod catalog;
mod catalog_input;
mod orders;
mod reviews;

use async_graphql::MergedObject;

/// Every write entry point.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    accounts::AccountsMutation,
    catalog::CatalogMutation,
    reviews::ReviewMutation,
    orders::OrderMutation,
);
