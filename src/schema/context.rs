//! What each GraphQL request carries, and typed access to it.

use async_graphql::Context;

use super::loaders::Loaders;
use crate::{
    db::CountedConnection,
    error::{AppError, AppResult},
};

/// Per-request facts: the counted connection and the request id that ties
/// responses to log lines.
pub struct RequestContext {
    /// The pool, counting this operation's statements.
    pub db: CountedConnection,
    /// The `x-request-id` of the HTTP request.
    pub request_id: String,
}

/// Schema-wide facts set once at build time.
pub struct StoreSettings {
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// Whether responses carry `extensions.stats`.
    pub report_stats: bool,
}

/// Limits every document must stay within; checked before any statement runs.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest cost (see `connection::page_cost`).
    pub max_complexity: usize,
    /// Most aliased fields.
    pub max_aliases: usize,
    /// Most directives.
    pub max_directives: usize,
}

/// Request or schema data of type `T`; its absence is a wiring bug.
pub fn data<'a, T: Send + Sync + 'static>(ctx: &Context<'a>) -> AppResult<&'a T> {
    ctx.data_opt::<T>().ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "{} missing from the GraphQL context",
            std::any::type_name::<T>()
        ))
    })
}

/// The request's loaders.
pub fn loaders<'a>(ctx: &Context<'a>) -> AppResult<&'a Loaders> {
    data::<Loaders>(ctx)
}

/// The request's counted connection.
pub fn db<'a>(ctx: &Context<'a>) -> AppResult<&'a CountedConnection> {
    Ok(&data::<RequestContext>(ctx)?.db)
}

/// The store's currency code.
pub fn currency<'a>(ctx: &Context<'a>) -> AppResult<&'a str> {
    Ok(&data::<StoreSettings>(ctx)?.currency)
}

/// A relation whose target row must exist (a foreign key guarantees it).
pub fn required<T>(row: Option<T>, what: &str) -> AppResult<T> {
    row.ok_or_else(|| AppError::internal(anyhow::anyhow!("dangling reference to {what}")))
}
