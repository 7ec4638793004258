//! Look-ahead for to-one relations under lists. When a list's selection
//! reaches a relation of its items (`nodes { category { name } }`), the
//! list's resolver loads that relation for all its items in one loader call
//! and hands each item its row, instead of every item asking the loaders on
//! its own (a future, a registration and a wake-up per item): one batch per
//! relation and level. The lists that read such relations in their own
//! statement (the product listing its categories, the orders page its
//! customers) hand their items those rows the same way. A connection under the
//! items (`nodes { reviews(first: 3) { … } }`) is loaded the same way, with
//! the arguments of its selection ([`connection_on_nodes`]); each item's
//! resolver still checks that its own arguments ask for that page. A list
//! of orders loads its items' lines with their products the same way
//! (`nodes { items { product { … } } }`).

use std::{collections::HashMap, hash::Hash};

use async_graphql::{Context, Lookahead, Name, SelectionField, Value, dataloader::Loader};

use super::{connection::PageArgs, context::loaders, loaders::DbLoader};
use crate::error::{AppError, AppResult};

/// Rows of a relation loaded for a whole list, by key; `None` when the
/// list's selection does not reach the relation.
pub type Prefetched<K> = Option<HashMap<K, <DbLoader as Loader<K>>::Value>>;

/// Whether `field` is selected on the items of the connection being
/// resolved, through `nodes` or `edges { node }`.
pub fn on_nodes(ctx: &Context<'_>, field: &str) -> bool {
    reaches_nodes(&ctx.look_ahead(), field)
}

/// The selections of the items of the connection being resolved: every
/// `nodes` and `edges { node }` among its fields, fragments included.
pub fn item_selections<'a>(ctx: &'a Context<'_>) -> Vec<SelectionField<'a>> {
    let connection = ctx.look_ahead();
    let mut items = connection.field("nodes").selection_fields();
    items.extend(connection.field("edges").field("node").selection_fields());
    items
}

/// The selections of the items of `connection`, a connection field among
/// the selections of the items of another (`reviews` of each product).
pub fn items_of<'a>(connection: &SelectionField<'a>) -> Vec<SelectionField<'a>> {
    let mut items = Vec::new();
    for field in connection.selection_set() {
        match field.name() {
            "nodes" => items.push(field),
            "edges" => items.extend(field.selection_set().filter(|edge| edge.name() == "node")),
            _ => {}
        }
    }
    items
}

/// The selections of `relation` beneath `items` (`category` of each item).
pub fn beneath<'a>(
    items: &[SelectionField<'a>],
    relation: &'a str,
) -> impl Iterator<Item = SelectionField<'a>> {
    items
        .iter()
        .flat_map(SelectionField::selection_set)
        .filter(move |field| field.name() == relation)
}

/// Whether `connection`'s selection reaches `field` of its items, through
/// `nodes` or `edges { node }`.
pub fn reaches_nodes(connection: &Lookahead<'_>, field: &str) -> bool {
    connection.field("nodes").field(field).exists()
        || connection
            .field("edges")
            .field("node")
            .field(field)
            .exists()
}

/// A connection field of the items of the connection being resolved, as
/// its first selection there asks for it.
pub struct NodeConnection<'a> {
    /// Its paging arguments, variables substituted.
    pub args: PageArgs,
    /// What is selected beneath it.
    pub selection: Lookahead<'a>,
}

/// `field` of the items of the connection being resolved, when it is
/// selected there with paging arguments alone; `None` otherwise, and each
/// item then loads its own page.
pub fn connection_on_nodes<'a>(ctx: &'a Context<'_>, field: &str) -> Option<NodeConnection<'a>> {
    let connection = ctx.look_ahead();
    let selected = connection
        .field("nodes")
        .field(field)
        .selection_fields()
        .into_iter()
        .next()
        .or_else(|| {
            let edges = connection.field("edges").field("node").field(field);
            edges.selection_fields().into_iter().next()
        })?;
    let args = page_args(selected.arguments().ok()?)?;
    Some(NodeConnection {
        args,
        selection: Lookahead::from(selected),
    })
}

/// Relay arguments as a connection resolver receives them; `None` for any
/// other argument or a value of the wrong type, which the resolver refuses.
fn page_args(arguments: Vec<(Name, Value)>) -> Option<PageArgs> {
    let mut args = PageArgs::default();
    for (name, value) in arguments {
        match (name.as_str(), value) {
            (_, Value::Null) => {}
            ("first", Value::Number(size)) => args.first = Some(size.as_i64()?.try_into().ok()?),
            ("last", Value::Number(size)) => args.last = Some(size.as_i64()?.try_into().ok()?),
            ("after", Value::String(cursor)) => args.after = Some(cursor),
            ("before", Value::String(cursor)) => args.before = Some(cursor),
            _ => return None,
        }
    }
    Some(args)
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
