//! The `Mutation` root, merged from one object per domain.

mod accounts;

use async_graphql::MergedObject;

/// Every write entry point.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(accounts::AccountsMutation);
