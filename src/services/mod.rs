//! Business operations: plain async functions over a write transaction that
//! return the rows they changed, so that the caller decides when to commit
//! and what to announce afterwards. No GraphQL types here.

pub mod catalog;
pub mod reviews;

use chrono::{DateTime, SubsecRound, Utc};

/// The time a write records, cut to the microseconds PostgreSQL keeps, so
/// that both databases store and return the very same instant.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
