//! async-graphql checks how deep a document recurses, following fragment
//! spreads, inside its parse step (`limit_recursive_depth`), so that
//! validation never walks an endless or over-deep document. Its refusal
//! reads as a parse failure, although such a document parses. This tells
//! the two causes apart: fragments that spread each other in a cycle break
//! the validation rule "Fragment spreads must not form cycles"
//! (`GRAPHQL_VALIDATION_FAILED`); anything else is nested too deep
//! (`QUERY_TOO_COMPLEX`).

use std::collections::HashMap;

use async_graphql::{
    ErrorExtensionValues, Pos, ServerError,
    parser::{
        parse_query,
        types::{ExecutableDocument, Selection, SelectionSet},
    },
};

use super::too_complex;
use crate::error::ErrorCode;

/// The contract's answer for `error`, which the parse step of `query`
/// raised: unchanged when `query` does not parse, since then the parser
/// refused it; otherwise the recursion guard did.
pub fn reclassify(query: &str, error: ServerError) -> ServerError {
    let Ok(document) = parse_query(query) else {
        return error;
    };
    match fragment_cycle(&document) {
        Some(cycle) => cycle_error(&cycle),
        None => too_complex(error.message),
    }
}

/// One spread of a fragment inside another (or the same) fragment.
struct Spread<'a> {
    name: &'a str,
    pos: Pos,
}

fn spreads_in<'a>(set: &'a SelectionSet, found: &mut Vec<Spread<'a>>) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => spreads_in(&field.node.selection_set.node, found),
            Selection::FragmentSpread(spread) => found.push(Spread {
                name: spread.node.fragment_name.node.as_str(),
                pos: spread.pos,
            }),
            Selection::InlineFragment(inline) => {
                spreads_in(&inline.node.selection_set.node, found);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    Open,
    Done,
}

/// Depth-first search over the spread graph; `trail` holds the fragments
/// being visited, each with the spread it left by.
struct CycleSearch<'s, 'a> {
    spreads: &'s HashMap<&'a str, Vec<Spread<'a>>>,
    visits: HashMap<&'a str, Visit>,
    trail: Vec<(&'a str, &'s Spread<'a>)>,
}

impl<'s, 'a> CycleSearch<'s, 'a> {
    /// The spreads that close a cycle reachable from `fragment`, in order.
    fn from(&mut self, fragment: &'a str) -> Option<Vec<&'s Spread<'a>>> {
        self.visits.insert(fragment, Visit::Open);
        for spread in self.spreads.get(fragment).into_iter().flatten() {
            match self.visits.get(spread.name) {
                Some(Visit::Open) => {
                    let start = self
                        .trail
                        .iter()
                        .position(|(from, _)| *from == spread.name)
                        .unwrap_or(self.trail.len());
                    let mut cycle: Vec<_> = self.trail[start..]
                        .iter()
                        .map(|(_, spread)| *spread)
                        .collect();
                    cycle.push(spread);
                    return Some(cycle);
                }
                Some(Visit::Done) => {}
                None => {
                    self.trail.push((fragment, spread));
                    if let Some(cycle) = self.from(spread.name) {
                        return Some(cycle);
                    }
                    self.trail.pop();
                }
            }
        }
        self.visits.insert(fragment, Visit::Done);
        None
    }
}

/// The fragment names and spread positions of one cycle in `document`.
fn fragment_cycle(document: &ExecutableDocument) -> Option<Vec<(String, Pos)>> {
    let spreads: HashMap<&str, Vec<Spread<'_>>> = document
        .fragments
        .iter()
        .map(|(name, fragment)| {
            let mut found = Vec::new();
            spreads_in(&fragment.node.selection_set.node, &mut found);
            (name.as_str(), found)
        })
        .collect();
    let mut search = CycleSearch {
        spreads: &spreads,
        visits: HashMap::new(),
        trail: Vec::new(),
    };
    document.fragments.keys().find_map(|name| {
        if search.visits.contains_key(name.as_str()) {
            return None;
        }
        search.from(name.as_str()).map(|cycle| {
            cycle
                .into_iter()
                .map(|spread| (spread.name.to_owned(), spread.pos))
                .collect()
        })
    })
}

/// The validation error for `cycle`, worded as graphql-js words it.
fn cycle_error(cycle: &[(String, Pos)]) -> ServerError {
    let Some(((first, _), through)) = cycle.split_last() else {
        return ServerError::new("Fragment spreads must not form cycles", None);
    };
    let mut message = format!("Cannot spread fragment \"{first}\" within itself");
    if !through.is_empty() {
        let names: Vec<String> = through
            .iter()
            .map(|(name, _)| format!("\"{name}\""))
            .collect();
        message.push_str(&format!(" via {}", names.join(", ")));
    }
    message.push('.');
    let mut error = ServerError::new(message, None);
    error.locations = cycle.iter().map(|(_, pos)| *pos).collect();
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", ErrorCode::GraphqlValidationFailed.as_str());
    error.extensions = Some(extensions);
    error
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::fragment_cycle;

    fn cycle_names(query: &str) -> Option<Vec<String>> {
        let document = parse_query(query).expect("valid syntax");
        fragment_cycle(&document).map(|cycle| {
            let mut names: Vec<String> = cycle.into_iter().map(|(name, _)| name).collect();
            names.sort();
            names
        })
    }

    #[test]
    fn finds_self_spreads_and_longer_cycles() {
        assert_eq!(
            cycle_names("{ ...A } fragment A on Query { ...A }"),
            Some(vec!["A".to_owned()])
        );
        assert_eq!(
            cycle_names(
                "{ ...A } fragment A on Query { x { ...B } } fragment B on Query { ... on Query { ...C } } fragment C on Query { ...A }"
            ),
            Some(vec!["A".to_owned(), "B".to_owned(), "C".to_owned()])
        );
    }

    #[test]
    fn shared_fragments_without_a_cycle_are_not_cycles() {
        assert_eq!(
            cycle_names(
                "{ ...A ...B } fragment A on Query { ...C } fragment B on Query { ...C ...C } fragment C on Query { a }"
            ),
            None
        );
    }
}
