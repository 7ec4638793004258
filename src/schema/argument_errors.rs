//! Recognises async-graphql's argument-coercion errors. Some values pass
//! validation and fail only when a resolver reads its arguments
//! (`Context::param_value`): an `Int` above the 32-bit range, a string where
//! an input object is expected, a failed argument validator. Those errors
//! have no code, so they would read as internal errors.
//! `InputValueError::into_server_error` places them at the position of the
//! argument's value in the document, where no resolver error can be (a
//! resolver's error sits at its field), so that position tells them apart
//! and names the argument.

use async_graphql::{
    Pos, ServerError,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

/// The argument of `document` whose value is where `error` points, if any.
pub fn argument_at<'a>(document: &'a ExecutableDocument, error: &ServerError) -> Option<&'a str> {
    let pos = *error.locations.first()?;
    document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set.node)
        .chain(
            document
                .fragments
                .values()
                .map(|fragment| &fragment.node.selection_set.node),
        )
        .find_map(|set| argument_in(set, pos))
}

fn argument_in(set: &SelectionSet, pos: Pos) -> Option<&str> {
    set.items
        .iter()
        .find_map(|selection| match &selection.node {
            Selection::Field(field) => field
                .node
                .arguments
                .iter()
                .find(|(_, value)| value.pos == pos)
                .map(|(name, _)| name.node.as_str())
                .or_else(|| argument_in(&field.node.selection_set.node, pos)),
            Selection::FragmentSpread(_) => None,
            Selection::InlineFragment(inline) => argument_in(&inline.node.selection_set.node, pos),
        })
}

#[cfg(test)]
mod tests {
    use async_graphql::{Pos, ServerError, parser::parse_query};

    use super::argument_at;

    #[test]
    fn finds_the_argument_whose_value_is_at_the_error() {
        let document = parse_query(
            "query Q($v: Int) { a(x: 1) { b(y: $v) } ...F }\nfragment F on Query { c(z: \"s\") }",
        )
        .expect("valid syntax");
        let at = |line, column| {
            let error = ServerError::new("bad", Some(Pos { line, column }));
            argument_at(&document, &error)
        };

        assert_eq!(at(1, 25), Some("x"));
        assert_eq!(at(1, 35), Some("y"));
        assert_eq!(at(2, 28), Some("z"));
        assert_eq!(at(1, 20), None, "the position of a field");
    }
}
