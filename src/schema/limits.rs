//! Query protection: documents over a depth, cost, alias or directive limit
//! are refused with `QUERY_TOO_COMPLEX` before anything executes.
//!
//! async-graphql limits depth and complexity (with a message but no code)
//! and has no alias limit, so the checks live here, fed by what parsing and
//! validation already computed.

use async_graphql::{
    ErrorExtensionValues, ServerError, ValidationResult,
    parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet},
};

use super::context::QueryLimits;
use crate::error::ErrorCode;

fn too_complex(message: String) -> ServerError {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", ErrorCode::QueryTooComplex.as_str());
    let mut error = ServerError::new(message, None);
    error.extensions = Some(extensions);
    error
}

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
    let operations: Vec<_> = match &document.operations {
        DocumentOperations::Single(operation) => vec![operation],
        DocumentOperations::Multiple(operations) => operations.values().collect(),
    };
    for operation in operations {
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
