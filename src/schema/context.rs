//! What each GraphQL request carries, and typed access to it.

use async_graphql::Context;

use std::{net::IpAddr, sync::Arc};

use super::loaders::{Loaders, Tagged};
use crate::{
    auth::{KeyRing, Viewer},
    cache::{Tag, TagSet},
    db::CountedConnection,
    error::{AppError, AppResult},
    events::EventHub,
};

/// Per-request facts: the counted connection, the request id that ties
/// responses to log lines, and who is calling from where.
#[derive(Clone)]
pub struct RequestContext {
    /// The pool, counting this operation's statements.
    pub db: CountedConnection,
    /// The `x-request-id` of the HTTP request.
    pub request_id: String,
    /// The caller, from the access token.
    pub viewer: Viewer,
    /// The peer address, for per-IP limits of anonymous callers.
    pub client_ip: Option<IpAddr>,
    /// Signs access tokens for the account mutations.
    pub keys: Arc<KeyRing>,
    /// The rows and lists the operation read, for the response cache.
    pub read: TagSet,
}

/// Request data: the operation was admitted, and its cost charged to its
/// caller, by an earlier run of the same request for the same caller. A
/// subscription shared by several sockets (see `http::ws`) runs once per
/// socket to admit it, then once per event for all of them, which must not
/// charge anybody again.
#[derive(Clone, Copy, Debug)]
pub struct Admitted;

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
    /// Most lexical tokens, counted before parsing.
    pub max_tokens: usize,
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

/// The request's caller.
pub fn viewer<'a>(ctx: &Context<'a>) -> AppResult<&'a Viewer> {
    Ok(&data::<RequestContext>(ctx)?.viewer)
}

/// Records what the operation read, for the response cache.
pub fn read_tags(ctx: &Context<'_>, tags: impl IntoIterator<Item = Tag>) -> AppResult<()> {
    data::<RequestContext>(ctx)?.read.add(tags);
    Ok(())
}

/// Records rows read as members of a list of their table.
pub fn read_list<'a, M: Tagged + 'a>(
    ctx: &Context<'_>,
    rows: impl IntoIterator<Item = &'a M>,
) -> AppResult<()> {
    let read = &data::<RequestContext>(ctx)?.read;
    read.add([Tag::List(M::TABLE)]);
    read.add(rows.into_iter().map(Tagged::tag));
    Ok(())
}

/// The event hub: mutations tell it about commits, subscriptions listen.
pub fn events<'a>(ctx: &Context<'a>) -> AppResult<&'a EventHub> {
    data::<EventHub>(ctx)
}

/// The store's currency code.
pub fn currency<'a>(ctx: &Context<'a>) -> AppResult<&'a str> {
    Ok(&data::<StoreSettings>(ctx)?.currency)
}

/// A relation whose target row must exist (a foreign key guarantees it).
pub fn required<T>(row: Option<T>, what: &str) -> AppResult<T> {
    row.ok_or_else(|| AppError::internal(anyhow::anyhow!("dangling reference to {what}")))
}
