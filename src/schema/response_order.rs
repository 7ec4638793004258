//! Puts response fields back in the order the query selected them.
//!
//! async-graphql resolves the fields of some objects concurrently and
//! inserts each as it finishes (`resolve_container` polls them in a
//! `FuturesUnordered`), so their keys come out in whatever order the fields
//! finished. The GraphQL spec asks for selection order, and clients that
//! diff or snapshot responses rely on it. Two kinds of objects resolve that
//! way here: the query root (a `MergedObject`) and async-graphql's
//! connection edges, whose `node` may wait while `cursor` does not. Every
//! other object comes out in selection order already: the row types
//! resolve one field after another (see `types::row`), the other objects
//! are `#[Object(serial)]` (a test below holds every one to that), and the
//! simple objects hold scalars, whose fields finish in the order they are
//! polled. So only those two kinds are reordered, and the walk enters only
//! the parts of the response that lead to one.
//!
//! Knowing each position's type also tells which fragments apply there: a
//! fragment on `Category` says nothing about the order of a `Product`'s
//! keys. Positions of an interface or union type do not tell their object
//! type; they are not reordered (their objects resolve in order), only
//! walked through.
//!
//! After field errors the walk reorders every object, since
//! `field_errors` appends the keys it nulls at the end of their objects.
//! Fragments then count at positions of an abstract type as if they
//! applied.

use std::collections::HashSet;

use async_graphql::{
    Name, Value,
    parser::types::{ExecutableDocument, OperationDefinition, Selection, SelectionSet},
    registry::{MetaType, MetaTypeName, Registry},
};
use indexmap::IndexMap;

/// Which objects of a response get their keys put in selection order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The objects async-graphql resolves concurrently (see the module).
    Concurrent,
    /// Every object: after `field_errors` added keys for failed fields.
    Everywhere,
}

/// Reorders `data`, the result of `operation` in `document`, whose root
/// type is `root_type` in `registry`.
pub fn restore(
    data: &mut Value,
    registry: &Registry,
    document: &ExecutableDocument,
    operation: &OperationDefinition,
    root_type: &str,
    scope: Scope,
) {
    if in_any_order(data) {
        return;
    }
    let Some(root) = registry.types.get(root_type) else {
        return;
    };
    let plan = Plan {
        registry,
        document,
        scope,
    };
    let sets = [Typed {
        set: &operation.selection_set.node,
        parent: root,
    }];
    plan.order(&sets, &[root]).apply(data);
}

/// Whether `value` reads the same in any key order: no object in it has
/// two keys. Small answers (`{ __typename }`, one scalar field) are, and
/// skip building the plan, which allocates for every position it visits.
fn in_any_order(value: &Value) -> bool {
    match value {
        Value::Object(fields) => fields.len() < 2 && fields.values().all(in_any_order),
        Value::List(items) => items.iter().all(in_any_order),
        _ => true,
    }
}

/// A selection set and the type its fields are looked up on: the type of
/// its position, or the type condition of the fragment it belongs to.
#[derive(Clone, Copy)]
struct Typed<'a> {
    set: &'a SelectionSet,
    parent: &'a MetaType,
}

/// What the key orders of one operation are built from.
struct Plan<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    scope: Scope,
}

impl<'a> Plan<'a> {
    /// The order of the objects at one position, selected by `sets`, whose
    /// named types are `types` (one per field merged there; several only
    /// under fragments on different types).
    fn order(&self, sets: &[Typed<'a>], types: &[&'a MetaType]) -> KeyOrder<'a> {
        if sets.is_empty() {
            // A leaf: nothing under it to put in order.
            return KeyOrder {
                reorder: false,
                keys: Vec::new(),
            };
        }
        let reorder = match self.scope {
            Scope::Everywhere => true,
            Scope::Concurrent => types.iter().any(|meta| self.resolves_concurrently(meta)),
        };
        // The object type of the position, when one type is known there: it
        // tells which fragments apply.
        let object_type = match types {
            [only] if !only.is_abstract() => Some(only.name()),
            _ => None,
        };
        let mut keys: IndexMap<&'a Name, Merged<'a>> = IndexMap::new();
        let mut visiting = HashSet::new();
        for typed in sets {
            self.collect(*typed, object_type, &mut visiting, &mut keys);
        }
        let keys = keys
            .into_iter()
            .map(|(key, merged)| (key, self.order(&merged.sets, &merged.types)))
            .filter(|(_, order)| reorder || order.does_anything())
            .collect();
        KeyOrder { reorder, keys }
    }

    /// Whether async-graphql resolves the fields of an object of type
    /// `meta` concurrently: the query root and connection edges.
    fn resolves_concurrently(&self, meta: &MetaType) -> bool {
        meta.name() == self.registry.query_type
            || meta
                .rust_typename()
                .is_some_and(|rust| rust.starts_with(EDGE_RUST_TYPE))
    }

    /// Adds the response keys of `typed` to `keys`, in selection order,
    /// entering the fragments that apply to `object_type` (all of them when
    /// it is unknown).
    fn collect(
        &self,
        typed: Typed<'a>,
        object_type: Option<&str>,
        visiting: &mut HashSet<&'a str>,
        keys: &mut IndexMap<&'a Name, Merged<'a>>,
    ) {
        for selection in &typed.set.items {
            let (condition, set, spread) = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let merged = keys.entry(&field.response_key().node).or_default();
                    // A leaf holds no object: its type does not matter.
                    let set = &field.selection_set.node;
                    if !set.items.is_empty()
                        && let Some(named) = self.field_type(typed.parent, &field.name.node)
                    {
                        merged.sets.push(Typed { set, parent: named });
                        if !merged
                            .types
                            .iter()
                            .any(|known| known.name() == named.name())
                        {
                            merged.types.push(named);
                        }
                    }
                    continue;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    let fragment = &fragment.node;
                    let condition = fragment.type_condition.node.on.node.as_str();
                    (Some(condition), &fragment.selection_set.node, Some(name))
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    let condition = inline
                        .type_condition
                        .as_ref()
                        .map(|condition| condition.node.on.node.as_str());
                    (condition, &inline.selection_set.node, None)
                }
            };
            let parent = match condition {
                Some(condition) => match self.registry.types.get(condition) {
                    Some(meta) if applies(meta, object_type) => meta,
                    _ => continue,
                },
                None => typed.parent,
            };
            // A fragment that spreads itself (invalid, so never executed)
            // would recurse forever.
            if spread.is_some_and(|name| !visiting.insert(name)) {
                continue;
            }
            self.collect(Typed { set, parent }, object_type, visiting, keys);
            if let Some(name) = spread {
                visiting.remove(name);
            }
        }
    }

    /// The named type of field `name` of `parent`; `None` for
    /// `__typename` and the other introspection fields, which hold no
    /// object this walk reorders.
    fn field_type(&self, parent: &MetaType, name: &str) -> Option<&'a MetaType> {
        if name.starts_with("__") {
            return None;
        }
        let field = parent.field_by_name(name)?;
        self.registry
            .types
            .get(MetaTypeName::concrete_typename(&field.ty))
    }
}

/// Whether a fragment on `condition` applies to an object of `object_type`
/// (to any, when that is unknown).
fn applies(condition: &MetaType, object_type: Option<&str>) -> bool {
    object_type.is_none_or(|object_type| {
        condition.name() == object_type || condition.is_possible_type(object_type)
    })
}

/// How async-graphql's connection edges name their Rust type in the schema's
/// registry (`std::any::type_name`), whatever their GraphQL name.
const EDGE_RUST_TYPE: &str = "async_graphql::types::connection::edge::Edge<";

/// The selections merged under one response key.
#[derive(Default)]
struct Merged<'a> {
    sets: Vec<Typed<'a>>,
    /// The distinct named types of the fields selected under the key.
    types: Vec<&'a MetaType>,
}

/// The response keys of a selection, in selection order, each with the order
/// of its own sub-selection. Computed once per operation and applied to every
/// object it covers, so a list of fifty products walks the document once.
struct KeyOrder<'a> {
    /// Whether the objects here get their keys put in order; when not, the
    /// keys are only those whose own order does something.
    reorder: bool,
    keys: Vec<(&'a Name, KeyOrder<'a>)>,
}

impl KeyOrder<'_> {
    fn does_anything(&self) -> bool {
        self.reorder || !self.keys.is_empty()
    }

    /// Moves each selected key into its place, in place: keys before
    /// `position` are settled, so a swap only disturbs unsettled ones.
    fn apply(&self, value: &mut Value) {
        match value {
            Value::List(items) => {
                for item in items {
                    self.apply(item);
                }
            }
            Value::Object(fields) if !self.reorder => {
                for (key, order) in &self.keys {
                    if let Some(child) = fields.get_mut(*key) {
                        order.apply(child);
                    }
                }
            }
            Value::Object(fields) => {
                let mut position = 0;
                for (key, order) in &self.keys {
                    // Most keys are already in place (fields that resolve
                    // without waiting finish in selection order): compare
                    // before paying for a hash lookup.
                    let in_place = fields
                        .get_index(position)
                        .is_some_and(|(name, _)| name == *key);
                    let index = if in_place {
                        position
                    } else {
                        match fields.get_index_of(*key) {
                            Some(index) => index,
                            None => continue,
                        }
                    };
                    if index != position {
                        fields.swap_indices(index, position);
                    }
                    if let Some((_, child)) = fields.get_index_mut(position) {
                        order.apply(child);
                    }
                    position += 1;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        fs,
        path::Path,
        sync::{Arc, Mutex},
    };

    use async_graphql::{
        Response, SchemaEnv, Value,
        extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute},
        parser::{parse_query, types::DocumentOperations},
    };
    use serde_json::json;

    use super::{MetaType, Plan, Scope, in_any_order, restore};

    /// Keeps the environment of the schema it is built into.
    #[derive(Clone, Default)]
    struct CaptureEnv(Arc<Mutex<Option<SchemaEnv>>>);

    impl ExtensionFactory for CaptureEnv {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(self.clone())
        }
    }

    #[async_trait::async_trait]
    impl Extension for CaptureEnv {
        async fn execute(
            &self,
            ctx: &ExtensionContext<'_>,
            operation_name: Option<&str>,
            next: NextExecute<'_>,
        ) -> Response {
            *self.0.lock().expect("capture lock") = Some(ctx.schema_env.clone());
            next.run(ctx, operation_name).await
        }
    }

    /// The registry of Storefront's schema, as the observer sees it.
    async fn storefront_env() -> SchemaEnv {
        let capture = CaptureEnv::default();
        let schema = super::super::schema_builder()
            .extension(capture.clone())
            .finish();
        let response = schema.execute("{ __typename }").await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let env = capture.0.lock().expect("capture lock").take();
        env.expect("the execute hook ran")
    }

    /// `data` reordered for the one operation of `query`, as JSON text.
    async fn restored(query: &str, data: serde_json::Value, scope: Scope) -> String {
        let env = storefront_env().await;
        let document = parse_query(query).expect("valid document");
        let DocumentOperations::Single(operation) = &document.operations else {
            panic!("one anonymous operation");
        };
        let mut data = Value::from_json(data).expect("json value");
        let root = env.registry.query_type.clone();
        restore(
            &mut data,
            &env.registry,
            &document,
            &operation.node,
            &root,
            scope,
        );
        serde_json::to_string(&data.into_json().expect("json")).expect("text")
    }

    #[tokio::test]
    async fn the_concurrent_types_are_the_query_root_and_the_connection_edges() {
        let env = storefront_env().await;
        let document = parse_query("{ __typename }").expect("valid document");
        let plan = Plan {
            registry: &env.registry,
            document: &document,
            scope: Scope::Concurrent,
        };
        let concurrent: Vec<&str> = env
            .registry
            .types
            .values()
            .filter(|meta| plan.resolves_concurrently(meta))
            .map(MetaType::name)
            .collect();

        assert_eq!(
            concurrent,
            [
                "CategoryEdge",
                "OrderEdge",
                "ProductEdge",
                "Query",
                "ReviewEdge",
                "UserEdge"
            ]
        );
    }

    #[tokio::test]
    async fn root_fields_and_edges_follow_the_selection_order() {
        let query = "{ b: products { edges { node { ...Shown } cursor } } a: categories { nodes { name } } }
             fragment Shown on Product { name slug }";
        let scrambled = json!({
            "a": { "nodes": [{ "name": "Books" }] },
            "b": { "edges": [
                { "cursor": "c1", "node": { "slug": "mug", "name": "Mug" } },
                { "node": { "name": "Cup", "slug": "cup" }, "cursor": "c2" }
            ] }
        });

        // Products resolve their fields in order themselves: a product's
        // keys are left as they came.
        let expected = json!({
            "b": { "edges": [
                { "node": { "slug": "mug", "name": "Mug" }, "cursor": "c1" },
                { "node": { "name": "Cup", "slug": "cup" }, "cursor": "c2" }
            ] },
            "a": { "nodes": [{ "name": "Books" }] }
        });
        assert_eq!(
            restored(query, scrambled, Scope::Concurrent).await,
            expected.to_string()
        );
    }

    #[tokio::test]
    async fn after_field_errors_every_object_follows_the_selection_order() {
        let query = "{ products { totalCount nodes { ...Shown id } } }
             fragment Shown on Product { name price { currency amount } }";
        let scrambled = json!({ "products": { "nodes": [
            { "id": "1", "price": { "amount": "1.00", "currency": "USD" }, "name": "Mug" },
            { "price": null, "name": "Cup", "id": "2" }
        ], "totalCount": 2 } });

        let expected = json!({ "products": { "totalCount": 2, "nodes": [
            { "name": "Mug", "price": { "currency": "USD", "amount": "1.00" }, "id": "1" },
            { "name": "Cup", "price": null, "id": "2" }
        ] } });
        assert_eq!(
            restored(query, scrambled, Scope::Everywhere).await,
            expected.to_string()
        );
    }

    /// A root of one field is still walked when something under it has
    /// two keys: the shortcut for small answers looks at the whole value.
    #[tokio::test]
    async fn edges_under_a_root_of_one_field_follow_the_selection_order() {
        let query = "{ products { edges { node { name } cursor } } }";
        let scrambled = json!({ "products": { "edges": [
            { "cursor": "c1", "node": { "name": "Mug" } }
        ] } });

        let expected = json!({ "products": { "edges": [
            { "node": { "name": "Mug" }, "cursor": "c1" }
        ] } });
        assert_eq!(
            restored(query, scrambled, Scope::Concurrent).await,
            expected.to_string()
        );
    }

    #[test]
    fn only_values_without_an_object_of_two_keys_read_the_same_in_any_order() {
        let value = |json| Value::from_json(json).expect("json value");

        assert!(in_any_order(&value(json!({ "__typename": "Query" }))));
        assert!(in_any_order(&value(
            json!({ "products": { "nodes": [{ "name": "Mug" }, { "name": "Cup" }] } })
        )));
        assert!(!in_any_order(&value(
            json!({ "products": { "nodes": [{ "name": "Mug", "id": "1" }] } })
        )));
        assert!(!in_any_order(&value(json!({ "a": 1, "b": 2 }))));
    }

    /// The spec's CollectFields skips a fragment whose type does not apply:
    /// a product's `id` comes before the `name` of its own fragment, however
    /// a fragment on `Category` placed `name` earlier.
    #[tokio::test]
    async fn fragments_on_other_types_do_not_order_an_object() {
        let query = "{ a: node(id: \"x\") { ... on Category { name } id ... on Product { name } } \
                       b: product(slug: \"mug\") { ... on Category { name } id ... on Product { name } } }";
        let resolved = json!({
            "b": { "id": "2", "name": "Mug" },
            "a": { "id": "1", "name": "Cup" }
        });

        let expected = json!({
            "a": { "id": "1", "name": "Cup" },
            "b": { "id": "2", "name": "Mug" }
        });
        assert_eq!(
            restored(query, resolved.clone(), Scope::Concurrent).await,
            expected.to_string()
        );
        // A product position is known to hold a product even here; a
        // `Node` position is not, so every fragment counts there.
        let expected = json!({
            "a": { "name": "Cup", "id": "1" },
            "b": { "id": "2", "name": "Mug" }
        });
        assert_eq!(
            restored(query, resolved, Scope::Everywhere).await,
            expected.to_string()
        );
    }

    /// Why this module exists: async-graphql 7.2.1's `resolve_container`
    /// polls sibling fields in a `FuturesUnordered` and inserts each as it
    /// completes, so a field that waits lands after one that does not.
    #[tokio::test]
    async fn async_graphql_alone_emits_siblings_in_completion_order() {
        use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

        struct Query;

        #[Object]
        impl Query {
            async fn waits(&self) -> i32 {
                tokio::task::yield_now().await;
                1
            }

            async fn ready(&self) -> i32 {
                2
            }
        }

        let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
        let response = schema.execute("{ waits ready }").await;
        let text = serde_json::to_string(&response.data.into_json().expect("json")).expect("text");

        assert_eq!(text, r#"{"ready":2,"waits":1}"#);
    }

    /// What lets the walk skip every object but the query root's and the
    /// edges': the schema's other object types resolve their fields one
    /// after another, and so do its interfaces and unions, through a `Row`
    /// of their own. The query root's parts resolve concurrently on
    /// purpose, and the walk orders their fields.
    #[test]
    fn every_object_type_but_the_query_root_resolves_serially() {
        let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/schema");
        let mut sources = Vec::new();
        visit(&schema, &mut |path, text| {
            sources.push((path.to_path_buf(), text.to_owned()));
        });
        let mut concurrent = Vec::new();
        let mut objects = 0;
        let mut abstract_types = Vec::new();
        for (path, text) in &sources {
            let query_root = path.starts_with(schema.join("query"));
            let mut lines = text.lines().enumerate();
            // Item attributes start their line; the objects that tests
            // declare inside functions are indented.
            while let Some((number, line)) = lines.next() {
                let place = format!("{}:{}", path.display(), number + 1);
                if line.starts_with("#[Object") {
                    objects += 1;
                    if !query_root && !line.starts_with("#[Object(serial") {
                        concurrent.push(place);
                    }
                } else if line.starts_with("#[derive(")
                    && (line.contains("Interface") || line.contains("Union"))
                {
                    let name = lines
                        .by_ref()
                        .find_map(|(_, line)| line.strip_prefix("pub enum "))
                        .and_then(|rest| rest.split_whitespace().next());
                    abstract_types.push((place, name.unwrap_or_default().to_owned()));
                }
            }
        }

        assert!(
            objects > 10,
            "found only {objects} object types under {schema:?}"
        );
        assert!(
            concurrent.is_empty(),
            "these object types resolve their fields concurrently; declare them \
             `#[Object(serial, ...)]` or return them as `Row`: {concurrent:?}"
        );
        assert!(!abstract_types.is_empty(), "no interface found (`Node`)");
        for (place, name) in abstract_types {
            let resolved_in_order = format!("OutputType for Row<{name}>");
            assert!(
                sources
                    .iter()
                    .any(|(_, text)| text.contains(&resolved_in_order)),
                "{name} ({place}) resolves its fields concurrently; give it \
                 `impl {resolved_in_order}` and return it as `Row<{name}>`"
            );
        }
    }

    fn visit(dir: &Path, each: &mut impl FnMut(&Path, &str)) {
        let entries = fs::read_dir(dir).expect("readable source directory");
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                visit(&path, each);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = fs::read_to_string(&path).expect("readable source file");
                each(&path, &text);
            }
        }
    }
}
