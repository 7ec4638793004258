//! Whether the `node`/`nodes` lookups of an operation can only return
//! public objects. Which objects a caller may see through them depends on
//! the caller for orders and their lines, so an operation may share the
//! response cache only when every ID it looks up (literal or variable)
//! names a product, category, review or user. Decided from the document and
//! its variables, never from the data.

use async_graphql::{
    Name, Value, Variables,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

use super::ids::{self, NodeKind};

/// True when every `node(id:)` and `nodes(ids:)` at the root of `selection`
/// names only public kinds (vacuously true without any).
pub fn only_public_nodes(
    document: &ExecutableDocument,
    selection: &SelectionSet,
    variables: &Variables,
) -> bool {
    selection.items.iter().all(|item| match &item.node {
        Selection::Field(field) => {
            let field = &field.node;
            match field.name.node.as_str() {
                "node" | "nodes" => field.arguments.iter().all(|(_, value)| {
                    let resolved = value
                        .node
                        .clone()
                        .into_const_with(|name: Name| variables.get(&name).cloned().ok_or(()));
                    resolved.is_ok_and(|value| ids_are_public(&value))
                }),
                _ => true,
            }
        }
        Selection::FragmentSpread(spread) => document
            .fragments
            .get(&spread.node.fragment_name.node)
            .is_some_and(|fragment| {
                only_public_nodes(document, &fragment.node.selection_set.node, variables)
            }),
        Selection::InlineFragment(fragment) => {
            only_public_nodes(document, &fragment.node.selection_set.node, variables)
        }
    })
}

/// True when `value` (an ID or a list of them) names only public kinds.
fn ids_are_public(value: &Value) -> bool {
    match value {
        Value::String(id) => matches!(
            ids::decode(id, "id").map(|(kind, _)| kind),
            Ok(NodeKind::Product | NodeKind::Category | NodeKind::Review | NodeKind::User)
        ),
        Value::List(ids) => ids.iter().all(ids_are_public),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::{parse_query, types::DocumentOperations};

    use super::*;

    fn public(query: &str, variables: serde_json::Value) -> bool {
        let document = parse_query(query).expect("a document");
        let DocumentOperations::Single(operation) = &document.operations else {
            panic!("one operation");
        };
        let variables = Variables::from_json(variables);
        only_public_nodes(&document, &operation.node.selection_set.node, &variables)
    }

    #[test]
    fn only_ids_of_public_kinds_are_public() {
        let product = ids::encode(NodeKind::Product, 1).0;
        let order = ids::encode(NodeKind::Order, 1).0;
        let by_literal = |id: &str| format!("{{ node(id: \"{id}\") {{ id }} }}");
        assert!(public(&by_literal(&product), serde_json::json!({})));
        assert!(!public(&by_literal(&order), serde_json::json!({})));
        let nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
        assert!(public(nodes, serde_json::json!({ "ids": [product] })));
        assert!(!public(
            nodes,
            serde_json::json!({ "ids": [product, order] })
        ));
        let spread = "query($id: ID!) { ...F } fragment F on Query { node(id: $id) { id } }";
        assert!(!public(spread, serde_json::json!({ "id": order })));
        assert!(!public(
            "{ node(id: \"junk\") { id } }",
            serde_json::json!({})
        ));
        assert!(public("{ products { totalCount } }", serde_json::json!({})));
    }
}
