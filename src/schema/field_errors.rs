//! Completes `data` after field errors as the GraphQL spec's "Handling
//! Field Errors" asks: a failed field is `null`, with its key present, when
//! its type is nullable; otherwise the `null` moves to its nearest nullable
//! ancestor, and to `data` itself when there is none.
//!
//! async-graphql 7.2.1 does not do this: its `resolve_container` records a
//! failed field's error and leaves the field's key out of the parent
//! object, never nulls a parent for a failed non-null field, and turns an
//! object whose every field failed into `null`. From each error's path, the
//! document and the schema's field types, this puts the `null` where the
//! spec wants it. It runs only for responses that carry field errors.

use std::collections::HashSet;

use async_graphql::{
    Name, PathSegment, ServerError, Value,
    parser::types::{
        ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
    },
    registry::{MetaTypeName, Registry},
};

/// Nulls what the spec nulls for each error of `errors` that has a path.
pub fn complete(
    data: &mut Value,
    errors: &[ServerError],
    registry: &Registry,
    document: &ExecutableDocument,
    operation: &OperationDefinition,
) {
    let Some(root_type) = root_type(registry, operation.ty) else {
        return;
    };
    let schema = Schema { registry, document };
    let mut nulled: Vec<&[PathSegment]> = Vec::new();
    for error in errors.iter().filter(|error| !error.path.is_empty()) {
        let path = error.path.as_slice();
        let Some(nullable) =
            schema.nullability(path, data, root_type, &operation.selection_set.node)
        else {
            continue;
        };
        if !null_nearest_nullable(data, path, &nullable, &mut nulled) {
            // No nullable ancestor: the error nulls the whole result.
            *data = Value::Null;
            return;
        }
    }
}

/// The root type of operations of type `ty`, if the schema has one.
pub fn root_type(registry: &Registry, ty: OperationType) -> Option<&str> {
    match ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    }
}

/// Puts `null` at the deepest nullable position of `path` that can be
/// reached; false when no position up to the root field is nullable.
fn null_nearest_nullable<'p>(
    data: &mut Value,
    path: &'p [PathSegment],
    nullable: &[bool],
    nulled: &mut Vec<&'p [PathSegment]>,
) -> bool {
    let mut reachable = path.len();
    loop {
        let Some(index) = nullable[..reachable].iter().rposition(|&is| is) else {
            return false;
        };
        let target = &path[..=index];
        if nulled.iter().any(|done| target.starts_with(done)) {
            return true;
        }
        match set_null(data, target) {
            Ok(()) => {
                nulled.push(target);
                return true;
            }
            // A position missing from `data` failed as well (async-graphql
            // dropped it): null it, or the nearest nullable position above.
            Err(missing) => reachable = if missing < index { missing + 1 } else { index },
        }
    }
}

/// Sets the value at `target` to `null`, inserting its key if async-graphql
/// left it out. `Err(depth)` when `target[depth]` is not in `data`.
fn set_null(data: &mut Value, target: &[PathSegment]) -> Result<(), usize> {
    let mut current = data;
    for (depth, segment) in target.iter().enumerate() {
        let last = depth + 1 == target.len();
        if matches!(current, Value::Null) && matches!(segment, PathSegment::Field(_)) {
            // An object whose every field failed came back as `null`; a
            // field under it ran, so the object itself did not fail.
            *current = Value::Object(Default::default());
        }
        current = match (segment, current) {
            (PathSegment::Field(key), Value::Object(fields)) if last => {
                fields.insert(Name::new(key), Value::Null);
                return Ok(());
            }
            (PathSegment::Field(key), Value::Object(fields)) => {
                fields.get_mut(key.as_str()).ok_or(depth)?
            }
            (PathSegment::Index(index), Value::List(items)) => {
                items.get_mut(*index).ok_or(depth)?
            }
            _ => return Err(depth),
        };
        if last {
            *current = Value::Null;
        }
    }
    Ok(())
}

/// The document and the schema's types, to tell the type of a response
/// position.
struct Schema<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
}

impl<'a> Schema<'a> {
    /// Whether each position along `path` may be null, from the type of the
    /// field (or list item) there; `None` when the path does not match the
    /// document and schema.
    fn nullability(
        &self,
        path: &[PathSegment],
        data: &Value,
        root_type: &'a str,
        root_set: &'a SelectionSet,
    ) -> Option<Vec<bool>> {
        let mut nullable = Vec::with_capacity(path.len());
        let mut type_ref = root_type;
        let mut sets = vec![root_set];
        let mut value = Some(data);
        for segment in path {
            match segment {
                PathSegment::Field(key) => {
                    let parent = MetaTypeName::concrete_typename(type_ref);
                    let concrete = self.concrete_type(parent, value);
                    let (name, subsets) = self.field(key, &sets, concrete);
                    type_ref = self.field_type(concrete.unwrap_or(parent), name?)?;
                    sets = subsets;
                    value = value.and_then(|value| match value {
                        Value::Object(fields) => fields.get(key.as_str()),
                        _ => None,
                    });
                }
                PathSegment::Index(index) => {
                    let list = match MetaTypeName::create(type_ref) {
                        MetaTypeName::NonNull(inner) => inner,
                        _ => type_ref,
                    };
                    let MetaTypeName::List(item) = MetaTypeName::create(list) else {
                        return None;
                    };
                    type_ref = item;
                    value = value.and_then(|value| match value {
                        Value::List(items) => items.get(*index),
                        _ => None,
                    });
                }
            }
            nullable.push(!MetaTypeName::create(type_ref).is_non_null());
        }
        Some(nullable)
    }

    /// The object type of a value of `named`: itself when it is an object
    /// type, else what the value's `__typename` says, if selected.
    fn concrete_type(&self, named: &'a str, value: Option<&'a Value>) -> Option<&'a str> {
        let meta = self.registry.types.get(named)?;
        if !meta.is_abstract() {
            return Some(meta.name());
        }
        match value? {
            Value::Object(fields) => match fields.get("__typename")? {
                Value::String(name) => Some(name.as_str()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The type of field `name` of `parent`; on an abstract parent whose
    /// object type is unknown, the type it has on the first type that has it.
    fn field_type(&self, parent: &str, name: &str) -> Option<&'a str> {
        let meta = self.registry.types.get(parent)?;
        if let Some(field) = meta.field_by_name(name) {
            return Some(field.ty.as_str());
        }
        meta.possible_types()?.iter().find_map(|possible| {
            let field = self.registry.types.get(possible)?.field_by_name(name)?;
            Some(field.ty.as_str())
        })
    }

    /// The field name selected under response key `key` in `sets`, and the
    /// selection sets merged under it, for an object of type `concrete`
    /// (every fragment counts when the type is unknown).
    fn field(
        &self,
        key: &str,
        sets: &[&'a SelectionSet],
        concrete: Option<&str>,
    ) -> (Option<&'a str>, Vec<&'a SelectionSet>) {
        let mut found = Found::default();
        let mut visiting = HashSet::new();
        for set in sets {
            self.collect(set, key, concrete, &mut visiting, &mut found);
        }
        (found.name, found.sets)
    }

    fn collect(
        &self,
        set: &'a SelectionSet,
        key: &str,
        concrete: Option<&str>,
        visiting: &mut HashSet<&'a str>,
        found: &mut Found<'a>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if field.response_key().node.as_str() == key {
                        found.name.get_or_insert(field.name.node.as_str());
                        found.sets.push(&field.selection_set.node);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(fragment) = self.document.fragments.get(name)
                        && self.applies(&fragment.node.type_condition.node.on.node, concrete)
                        && visiting.insert(name)
                    {
                        self.collect(
                            &fragment.node.selection_set.node,
                            key,
                            concrete,
                            visiting,
                            found,
                        );
                        visiting.remove(name);
                    }
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    let applies = inline
                        .type_condition
                        .as_ref()
                        .is_none_or(|condition| self.applies(&condition.node.on.node, concrete));
                    if applies {
                        self.collect(&inline.selection_set.node, key, concrete, visiting, found);
                    }
                }
            }
        }
    }

    /// Whether a fragment on `condition` applies to an object of `concrete`.
    fn applies(&self, condition: &str, concrete: Option<&str>) -> bool {
        concrete.is_none_or(|concrete| {
            condition == concrete
                || self
                    .registry
                    .types
                    .get(condition)
                    .is_some_and(|meta| meta.is_possible_type(concrete))
        })
    }
}

/// What `Schema::field` found for one response key.
#[derive(Default)]
struct Found<'a> {
    name: Option<&'a str>,
    sets: Vec<&'a SelectionSet>,
}
