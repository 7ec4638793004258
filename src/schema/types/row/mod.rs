//! Resolves a row type's fields one after another inside one future.
//!
//! async-graphql's object resolver boxes a future for every selected field
//! before it runs the first (`resolve_container_serial`), so a page of fifty
//! products with their reviews allocated, moved and dropped a thousand
//! futures. A row type returned as [`Row`] awaits each field's resolver in
//! place instead: one boxed future per object. The schema does not see the
//! difference: `Row<T>` registers and names itself as `T`. Custom field
//! directives, which async-graphql's resolver applies, are not: the schema
//! registers none (`@skip` and `@include` are gone before execution).
//! Its objects' maps share one hasher, so that each response key is hashed
//! once per document ([`key_hashes`]).

use std::{borrow::Cow, future::Future, pin::Pin};

use async_graphql::{
    ContextSelectionSet, Name, ObjectType, OutputType, Positioned, ServerError, ServerResult,
    Value,
    parser::types::{Field, Selection, SelectionSet},
    registry::Registry,
};
use indexmap::{
    IndexMap,
    map::{
        Entry,
        raw_entry_v1::{RawEntryApiV1, RawEntryMut},
    },
};

mod key_hashes;

/// A row type whose fields resolve in one future (see the module).
#[derive(Clone)]
pub struct Row<T>(pub T);

impl<T: ObjectType> OutputType for Row<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_in_order(ctx, &self.0).await
    }
}

/// The selected fields of `root` in selection order, in one future: what a
/// [`Row`] resolves to, for a type that holds objects of several row types
/// (an interface) and answers as the one it holds.
pub async fn resolve_in_order<T: ObjectType>(
    ctx: &ContextSelectionSet<'_>,
    root: &T,
) -> ServerResult<Value> {
    // Boxed once per object: a row type can select itself (a category's
    // parent), and an unboxed future would contain itself.
    let fields: Pin<Box<dyn Future<Output = ServerResult<Value>> + Send + '_>> =
        Box::pin(resolve_fields(ctx, root));
    fields.await
}

/// The selected fields of `root` in selection order, each resolved after the
/// last, merged as async-graphql merges them.
async fn resolve_fields<T: ObjectType>(
    ctx: &ContextSelectionSet<'_>,
    root: &T,
) -> ServerResult<Value> {
    // Room for the fields of the selection set itself, which is nearly
    // always all of them: most objects then allocate the list once.
    let mut selected = Vec::with_capacity(ctx.item.node.items.len());
    collect::<T>(ctx, ctx.item, &mut selected)?;
    let mut results =
        IndexMap::with_capacity_and_hasher(selected.len(), key_hashes::shared_hasher());
    for field in selected {
        let key = &field.node.response_key().node;
        if field.node.name.node == "__typename" {
            let name = Value::String(root.introspection_type_name().into_owned());
            insert(&mut results, key, name);
            continue;
        }
        match root.resolve_field(&ctx.with_field(field)).await {
            Ok(value) => insert(&mut results, key, value.unwrap_or_default()),
            Err(error) => ctx.add_error(error),
        }
    }
    Ok(if results.is_empty() {
        Value::Null
    } else {
        Value::Object(results)
    })
}

/// Adds the fields of `set` to `selected`, entering the fragments that
/// apply to `T`.
fn collect<'a, T: ObjectType>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a Positioned<SelectionSet>,
    selected: &mut Vec<&'a Positioned<Field>>,
) -> ServerResult<()> {
    for selection in &set.node.items {
        let (condition, fragment_set) = match &selection.node {
            Selection::Field(field) => {
                selected.push(field);
                continue;
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                let fragment = ctx.query_env.fragments.get(name).ok_or_else(|| {
                    ServerError::new(format!(r#"Unknown fragment "{name}"."#), Some(spread.pos))
                })?;
                (
                    Some(&fragment.node.type_condition.node.on.node),
                    &fragment.node.selection_set,
                )
            }
            Selection::InlineFragment(fragment) => (
                fragment
                    .node
                    .type_condition
                    .as_ref()
                    .map(|condition| &condition.node.on.node),
                &fragment.node.selection_set,
            ),
        };
        if condition.is_none_or(|condition| applies::<T>(ctx, condition)) {
            collect::<T>(ctx, fragment_set, selected)?;
        }
    }
    Ok(())
}

/// Whether a fragment on `condition` selects fields of `T`: its own type or
/// an interface it implements.
fn applies<T: ObjectType>(ctx: &ContextSelectionSet<'_>, condition: &Name) -> bool {
    let name = T::type_name();
    *condition == *name
        || ctx
            .schema_env
            .registry
            .implements
            .get(name.as_ref())
            .is_some_and(|interfaces| interfaces.contains(condition.as_str()))
}

/// Inserts `value` under `key` into a row object's map, built with
/// [`key_hashes::shared_hasher`], merging as [`merge`] does.
fn insert(target: &mut IndexMap<Name, Value>, key: &Name, value: Value) {
    let hash = key_hashes::hash_of(key);
    match target.raw_entry_mut_v1().from_key_hashed_nocheck(hash, key) {
        RawEntryMut::Vacant(entry) => {
            entry.insert_hashed_nocheck(hash, key.clone(), value);
        }
        RawEntryMut::Occupied(entry) => merge_values(entry.into_mut(), value),
    }
}

/// Inserts `value` under `key`, merging into the objects (and lists of
/// objects) a field of the same response key already produced.
fn merge(target: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    match target.entry(key) {
        Entry::Vacant(entry) => {
            entry.insert(value);
        }
        Entry::Occupied(entry) => merge_values(entry.into_mut(), value),
    }
}

/// Merges `value` into `previous`, a value of the same response key.
fn merge_values(previous: &mut Value, value: Value) {
    match (previous, value) {
        (Value::Object(previous), Value::Object(value)) => merge_objects(previous, value),
        (Value::List(previous), Value::List(value)) => {
            for (previous, value) in previous.iter_mut().zip(value) {
                if let (Value::Object(previous), Value::Object(value)) = (previous, value) {
                    merge_objects(previous, value);
                }
            }
        }
        _ => {}
    }
}

fn merge_objects(target: &mut IndexMap<Name, Value>, source: IndexMap<Name, Value>) {
    for (key, value) in source {
        merge(target, key, value);
    }
}
