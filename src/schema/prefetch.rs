//! Look-ahead for to-one relations under lists. When a list's selection
//! reaches a relation of its items (`nodes { category { name } }`), the
//! list's resolver loads that relation for all its items in one loader call
//! and hands each item its row, instead of every item asking the loaders on
//! its own (a future, a registration and a wake-up per item). The statements
//! stay the same: one batch per relation and level.

use std::{collections::HashMap, hash::Hash};

use async_graphql::{Context, dataloader::Loader};

use super::{context::loaders, loaders::DbLoader};
use crate::error::{AppError, AppResult};

/// Rows of a relation loaded for a whole list, by key; `None` when the
/// list's selection does not reach the relation.
pub type Prefetched<K> = Option<HashMap<K, <DbLoader as Loader<K>>::Value>>;

/// Whether `field` is selected on the items of the connection being
/// resolved, through `nodes` or `edges { node }`.
pub fn on_nodes(ctx: &Context<'_>, field: &str) -> bool {
    let connection = ctx.look_ahead();
    connection.field("nodes").field(field).exists()
        || connection
            .field("edges")
            .field("node")
            .field(field)
            .exists()
}

/// The rows of `keys` for the items of the connection being resolved, in
/// one loader call, when its selection reaches their `field`.
pub async fn under_nodes<K>(
    ctx: &Context<'_>,
    field: &str,
    keys: impl IntoIterator<Item = K>,
) -> AppResult<Prefetched<K>>
where
    K: Clone + Eq + Hash + Send + Sync + 'static,
    DbLoader: Loader<K, Error = AppError>,
{
    if !on_nodes(ctx, field) {
        return Ok(None);
    }
    Ok(Some(loaders(ctx)?.load_many(keys).await?))
}

/// `key`'s row from `prefetched`, if it was loaded there.
pub fn row<K>(prefetched: &Prefetched<K>, key: &K) -> Option<<DbLoader as Loader<K>>::Value>
where
    K: Clone + Eq + Hash + Send + Sync + 'static,
    DbLoader: Loader<K>,
{
    prefetched.as_ref()?.get(key).cloned()
}
