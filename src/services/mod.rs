//! Business operations: plain async functions over a connection or a write
//! transaction, with no GraphQL types, so that resolvers, the command line
//! and later the outbox share them.

pub mod accounts;
