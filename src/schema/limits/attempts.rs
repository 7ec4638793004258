//! Counts the `login` and `register` attempts a document makes, from the
//! document alone: every field, aliased or not, is one attempt, and the
//! email each names is read from the literal input or from the variables.
//! Counting happens before validation, so attempts are throttled before any
//! password is hashed or any statement sent.

use std::{
    collections::{BTreeMap, HashSet},
    convert::Infallible,
};

use async_graphql::{
    Name, Value, Variables,
    parser::types::{
        ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
    },
};

/// Root mutation fields that check or create credentials.
const CREDENTIAL_FIELDS: [&str; 2] = ["login", "register"];

/// The credential attempts of one document.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Attempts {
    /// Every `login`/`register` field of every mutation in the document.
    pub total: u32,
    /// Attempts per field (`login` or `register`) and email (trimmed, lower
    /// case), where the email could be read. Kept apart per field, so that
    /// registering someone's address cannot lock them out of signing in.
    pub per_account: BTreeMap<(&'static str, String), u32>,
}

/// The attempts of every mutation in `document`. Only one operation of a
/// document runs; counting them all errs on the side of the throttle.
pub fn count(document: &ExecutableDocument, variables: &Variables) -> Attempts {
    let mut attempts = Attempts::default();
    for operation in document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node)
    {
        if operation.ty != OperationType::Mutation {
            continue;
        }
        let mut walk = Walk {
            document,
            operation,
            variables,
            visited: HashSet::new(),
            attempts: &mut attempts,
        };
        walk.selection_set(&operation.selection_set.node);
    }
    attempts
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
    visited: HashSet<&'a str>,
    attempts: &'a mut Attempts,
}

impl<'a> Walk<'a> {
    /// Root fields, including those reached through fragments (each named
    /// fragment once, as field merging runs it once).
    fn selection_set(&mut self, set: &'a SelectionSet) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let Some(action) = CREDENTIAL_FIELDS
                        .into_iter()
                        .find(|name| *name == field.name.node.as_str())
                    else {
                        continue;
                    };
                    self.attempts.total = self.attempts.total.saturating_add(1);
                    let email = field.get_argument("input").and_then(|input| {
                        let input = input
                            .node
                            .clone()
                            .into_const_with(|name| Ok::<_, Infallible>(self.variable(&name)))
                            .ok()?;
                        email_of(&input)
                    });
                    if let Some(email) = email {
                        let count = self
                            .attempts
                            .per_account
                            .entry((action, email))
                            .or_default();
                        *count = count.saturating_add(1);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let fragment = self.document.fragments.get(name);
                    if let Some(fragment) = fragment.filter(|_| self.visited.insert(name)) {
                        self.selection_set(&fragment.node.selection_set.node);
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node);
                }
            }
        }
    }

    /// A variable's value as sent, else its default, else null.
    fn variable(&self, name: &Name) -> Value {
        self.variables
            .get(name)
            .or_else(|| {
                self.operation
                    .variable_definitions
                    .iter()
                    .find(|definition| definition.node.name.node == *name)
                    .and_then(|definition| definition.node.default_value.as_ref())
                    .map(|default| &default.node)
            })
            .cloned()
            .unwrap_or(Value::Null)
    }
}

fn email_of(input: &Value) -> Option<String> {
    match input {
        Value::Object(fields) => match fields.get("email")? {
            Value::String(email) => Some(email.trim().to_lowercase()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use serde_json::json;

    use super::*;

    fn attempts(query: &str, variables: serde_json::Value) -> Attempts {
        let document = parse_query(query).expect("valid syntax");
        count(&document, &Variables::from_json(variables))
    }

    #[test]
    fn every_aliased_field_is_an_attempt_with_its_account() {
        let found = attempts(
            r#"mutation {
                a: login(input: { email: "Victim@Example.com", password: "1" }) { accessToken }
                b: login(input: { email: "victim@example.com ", password: "2" }) { accessToken }
                c: register(input: { email: "new@example.com", password: "3", name: "N" }) { accessToken }
            }"#,
            json!({}),
        );
        assert_eq!(found.total, 3);
        assert_eq!(
            found.per_account,
            BTreeMap::from([
                (("login", "victim@example.com".to_owned()), 2),
                (("register", "new@example.com".to_owned()), 1)
            ])
        );
    }

    #[test]
    fn emails_are_read_from_variables_and_their_defaults() {
        let found = attempts(
            r#"mutation M($input: LoginInput!, $email: String!, $fallback: String = "d@example.com") {
                a: login(input: $input) { accessToken }
                b: login(input: { email: $email, password: $password }) { accessToken }
                c: login(input: { email: $fallback, password: "x" }) { accessToken }
            }"#,
            json!({ "input": { "email": "a@example.com", "password": "x" }, "email": "b@example.com" }),
        );
        assert_eq!(found.total, 3);
        assert_eq!(
            found
                .per_account
                .keys()
                .map(|(_, email)| email.as_str())
                .collect::<Vec<_>>(),
            ["a@example.com", "b@example.com", "d@example.com"]
        );
    }

    #[test]
    fn fragments_count_once_and_queries_not_at_all() {
        let found = attempts(
            r#"mutation M { ...F ...F ... on Mutation { z: login(input: { email: "z@example.com" }) { accessToken } } }
               fragment F on Mutation { x: login(input: { email: "x@example.com" }) { accessToken } }
               query Q { login }"#,
            json!({}),
        );
        assert_eq!(found.total, 2);
    }

    #[test]
    fn attempts_without_a_readable_email_still_count() {
        let found = attempts(
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({}),
        );
        assert_eq!(found.total, 1);
        assert!(found.per_account.is_empty());
    }
}
