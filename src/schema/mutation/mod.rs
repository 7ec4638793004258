//! The `Mutation` root, merged from one object per domain. Every mutation
//! runs in one write transaction.

mod orders;

use async_graphql::MergedObject;

/// Every write entry point.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(orders::OrderMutation);
