//! Limits read from the parsed document (aliases, directives) and from
//! what validation computed (depth, cost).

use async_graphql::{
    ServerError, ValidationResult,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

use super::too_complex;
use crate::schema::context::QueryLimits;

/// Aliases and directives written in a document.
#[derive(Default)]
struct Counts {
    aliases: usize,
    directives: usize,
}

impl Counts {
    fn selection_set(&mut self, set: &SelectionSet) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.aliases += usize::from(field.alias.is_some());
                    self.directives += field.directives.len();
                    self.selection_set(&field.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    self.directives += spread.node.directives.len();
                }
                Selection::InlineFragment(inline) => {
                    self.directives += inline.node.directives.len();
                    self.selection_set(&inline.node.selection_set.node);
                }
            }
        }
    }
}

/// Checks what can be counted from the parsed document alone.
pub fn check_document(
    document: &ExecutableDocument,
    limits: &QueryLimits,
) -> Result<(), ServerError> {
    let mut counts = Counts::default();
    for (_, operation) in document.operations.iter() {
        counts.directives += operation.node.directives.len();
        counts.selection_set(&operation.node.selection_set.node);
    }
    for fragment in document.fragments.values() {
        counts.directives += fragment.node.directives.len();
        counts.selection_set(&fragment.node.selection_set.node);
    }
    if counts.aliases > limits.max_aliases {
        return Err(too_complex(format!(
            "the document has {} aliases; at most {} are allowed",
            counts.aliases, limits.max_aliases
        )));
    }
    if counts.directives > limits.max_directives {
        return Err(too_complex(format!(
            "the document has {} directives; at most {} are allowed",
            counts.directives, limits.max_directives
        )));
    }
    Ok(())
}

/// Checks the depth and cost that validation computed.
pub fn check_cost(result: &ValidationResult, limits: &QueryLimits) -> Result<(), ServerError> {
    if result.depth > limits.max_depth {
        return Err(too_complex(format!(
            "the query is nested {} levels deep; at most {} are allowed",
            result.depth, limits.max_depth
        )));
    }
    if result.complexity > limits.max_complexity {
        return Err(too_complex(format!(
            "the query costs {}; at most {} is allowed (a connection costs its page size times what it selects)",
            result.complexity, limits.max_complexity
        )));
    }
    Ok(())
}
