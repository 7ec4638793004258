//! Business operations: plain async functions over a connection or a write
//! transaction, with no GraphQL types in their signatures, so that resolvers,
//! the command line and later the outbox share them. Each write returns
//! what it changed, so that callers can publish or invalidate after commit.

pub mod accounts;
pub mod catalog;
pub mod housekeeping;
pub mod orders;
pub mod outbox;
pub mod persisted;
pub mod read;
pub mod reviews;
