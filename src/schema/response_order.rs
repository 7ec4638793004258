//! Puts response fields back in the order the query selected them.
//!
//! async-graphql resolves the sibling fields of the root and of its
//! connection types concurrently and inserts each as it finishes, so the
//! order of keys in `data` varies from run to run (the row types resolve in
//! order: see `types`). The
//! GraphQL spec asks for selection order, and clients that diff or snapshot
//! responses rely on it.

use std::collections::HashSet;

use async_graphql::{
    Name, Value,
    parser::types::{ExecutableDocument, OperationDefinition, Selection, SelectionSet},
};
use indexmap::IndexMap;

/// Reorders `data`, the result of `operation` in `document`.
pub fn restore(data: &mut Value, document: &ExecutableDocument, operation: &OperationDefinition) {
    KeyOrder::of(&[&operation.selection_set.node], document).apply(data);
}

/// The response keys of a selection, in selection order, each with the order
/// of its own sub-selection. Computed once per operation and applied to every
/// object it covers, so a list of fifty products walks the document once.
struct KeyOrder<'a> {
    keys: Vec<(&'a Name, KeyOrder<'a>)>,
}

impl<'a> KeyOrder<'a> {
    fn of(sets: &[&'a SelectionSet], document: &'a ExecutableDocument) -> Self {
        let mut keys = IndexMap::new();
        let mut visiting = HashSet::new();
        for set in sets {
            collect(set, document, &mut visiting, &mut keys);
        }
        Self {
            keys: keys
                .into_iter()
                .map(|(key, subsets)| (key, Self::of(&subsets, document)))
                .collect(),
        }
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

/// Response keys in selection order, each with the sub-selections merged
/// under it (a key may be selected several times through fragments).
fn collect<'a>(
    set: &'a SelectionSet,
    document: &'a ExecutableDocument,
    visiting: &mut HashSet<&'a str>,
    keys: &mut IndexMap<&'a Name, Vec<&'a SelectionSet>>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                keys.entry(&field.response_key().node)
                    .or_default()
                    .push(&field.selection_set.node);
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if let Some(fragment) = document.fragments.get(name)
                    && visiting.insert(name)
                {
                    collect(&fragment.node.selection_set.node, document, visiting, keys);
                    visiting.remove(name);
                }
            }
            Selection::InlineFragment(inline) => {
                collect(&inline.node.selection_set.node, document, visiting, keys);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{
        Value,
        parser::{parse_query, types::DocumentOperations},
    };
    use serde_json::json;

    use super::restore;

    #[test]
    fn fields_follow_the_selection_order_through_aliases_and_fragments() {
        let document = parse_query(
            "query Q { b: products { totalCount nodes { ...Shown id } } a: categories { nodes { name } } }
             fragment Shown on Product { name price { currency amount } }",
        )
        .expect("valid document");
        let scrambled = json!({
            "a": { "nodes": [{ "name": "Books" }] },
            "b": { "nodes": [
                { "id": "1", "price": { "amount": "1.00", "currency": "USD" }, "name": "Mug" },
                { "price": { "currency": "USD", "amount": "2.00" }, "name": "Cup", "id": "2" }
            ], "totalCount": 2 }
        });
        let mut data = Value::from_json(scrambled).expect("json value");

        let DocumentOperations::Multiple(operations) = &document.operations else {
            panic!("a named operation");
        };
        restore(&mut data, &document, &operations["Q"].node);

        let expected = json!({
            "b": { "totalCount": 2, "nodes": [
                { "name": "Mug", "price": { "currency": "USD", "amount": "1.00" }, "id": "1" },
                { "name": "Cup", "price": { "currency": "USD", "amount": "2.00" }, "id": "2" }
            ] },
            "a": { "nodes": [{ "name": "Books" }] }
        });
        let text = serde_json::to_string(&data.into_json().expect("json")).expect("text");
        assert_eq!(text, expected.to_string());
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
}
