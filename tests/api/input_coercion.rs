//! Malformed input is the client's error, never an internal one: every
//! argument of every root field and every input-object field, found by
//! introspection, gets wrong-typed and malformed values, as literals and as
//! variables, signed in as an admin and anonymously.

use std::collections::{BTreeMap, BTreeSet};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use storefront::{auth::Role, schema::ids::NodeKind};

use crate::helpers::{TestApp, assert_error, gid, spawn_app, spawn_app_with};

/// Every `extensions.code` of the contract.
const CONTRACT_CODES: [&str; 13] = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "CONFLICT",
    "RATE_LIMITED",
    "QUERY_TOO_COMPLEX",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_NOT_IN_LIST",
    "TIMEOUT",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "INTERNAL_SERVER_ERROR",
];

#[tokio::test]
async fn malformed_dates_are_the_clients_error() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;

    for (query, variables) in [
        (
            r#"{ orders(filter: { createdAfter: "" }) { totalCount } }"#,
            json!({}),
        ),
        (r#"{ salesSummary(since: "x") { orderCount } }"#, json!({})),
        (
            "query($since: DateTime) { salesSummary(since: $since) { orderCount } }",
            json!({ "since": "2024-02-30T00:00:00Z" }),
        ),
        (
            "query($filter: OrderFilter) { orders(filter: $filter) { totalCount } }",
            json!({ "filter": { "createdBefore": "yesterday" } }),
        ),
    ] {
        let body = app.gql_as(&admin, query, variables).await.body;
        assert_error(&body, "GRAPHQL_VALIDATION_FAILED", None);
    }
}

#[tokio::test]
async fn values_that_pass_validation_but_fail_coercion_name_their_argument() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;

    for (query, field) in [
        (
            "mutation($id: ID!) { adjustStock(productId: $id, delta: 2147483648) { stock } }",
            "delta",
        ),
        (
            "mutation($id: ID!, $delta: Int!) { adjustStock(productId: $id, delta: $delta) { stock } }",
            "delta",
        ),
        (r#"{ orders(filter: "PAID") { totalCount } }"#, "filter"),
    ] {
        let variables = json!({ "id": gid(NodeKind::Product, 1), "delta": -2_147_483_649_i64 });
        let body = app.gql_as(&admin, query, variables).await.body;
        assert_error(&body, "BAD_USER_INPUT", Some(field));
    }
}

/// A GraphQL type reference as introspection spells it.
#[derive(Clone, Debug)]
enum TypeRef {
    NonNull(Box<TypeRef>),
    List(Box<TypeRef>),
    Named(String),
}

impl TypeRef {
    fn read(value: &Value) -> Self {
        let inner = || Box::new(Self::read(&value["ofType"]));
        match value["kind"].as_str() {
            Some("NON_NULL") => Self::NonNull(inner()),
            Some("LIST") => Self::List(inner()),
            _ => Self::Named(value["name"].as_str().expect("a type name").to_owned()),
        }
    }

    fn named(&self) -> &str {
        match self {
            Self::NonNull(inner) | Self::List(inner) => inner.named(),
            Self::Named(name) => name,
        }
    }

    fn is_non_null(&self) -> bool {
        matches!(self, Self::NonNull(_))
    }

    fn has_list(&self) -> bool {
        match self {
            Self::NonNull(inner) => inner.has_list(),
            Self::List(_) => true,
            Self::Named(_) => false,
        }
    }

    fn sdl(&self) -> String {
        match self {
            Self::NonNull(inner) => format!("{}!", inner.sdl()),
            Self::List(inner) => format!("[{}]", inner.sdl()),
            Self::Named(name) => name.clone(),
        }
    }
}

/// An input value: JSON for variables, GraphQL syntax for literals.
#[derive(Clone, Debug)]
enum Input {
    Json(Value),
    /// An enum value: bare in a literal, a string in variables.
    Enum(String),
    List(Vec<Input>),
    Object(Vec<(String, Input)>),
}

impl Input {
    fn literal(&self) -> String {
        match self {
            Self::Json(Value::Object(fields)) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| format!("{name}: {}", Self::Json(value.clone()).literal()))
                    .collect();
                format!("{{ {} }}", fields.join(", "))
            }
            Self::Json(Value::Array(items)) => {
                Self::List(items.iter().cloned().map(Self::Json).collect()).literal()
            }
            Self::Json(value) => value.to_string(),
            Self::Enum(name) => name.clone(),
            Self::List(items) => {
                let items: Vec<String> = items.iter().map(Self::literal).collect();
                format!("[{}]", items.join(", "))
            }
            Self::Object(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| format!("{name}: {}", value.literal()))
                    .collect();
                format!("{{ {} }}", fields.join(", "))
            }
        }
    }

    fn json(&self) -> Value {
        match self {
            Self::Json(value) => value.clone(),
            Self::Enum(name) => Value::String(name.clone()),
            Self::List(items) => Value::Array(items.iter().map(Self::json).collect()),
            Self::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(name, value)| (name.clone(), value.json()))
                    .collect(),
            ),
        }
    }
}

/// What introspection says about one named type.
#[derive(Default)]
struct TypeInfo {
    kind: String,
    input_fields: Vec<(String, TypeRef)>,
    enum_values: Vec<String>,
}

/// A root field and its arguments.
struct RootField {
    operation: &'static str,
    name: String,
    args: Vec<(String, TypeRef)>,
    composite: bool,
}

const INTROSPECTION: &str = "query {
  __schema {
    queryType { name }
    mutationType { name }
    types {
      kind name
      enumValues { name }
      inputFields { name type { ...Ref } }
      fields { name type { ...Ref } args { name type { ...Ref } } }
    }
  }
}
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }";

struct Schema {
    types: BTreeMap<String, TypeInfo>,
    roots: Vec<RootField>,
}

impl Schema {
    async fn introspect(app: &TestApp) -> Self {
        let data = app.data(INTROSPECTION, json!({})).await;
        let schema = &data["__schema"];
        let mut types = BTreeMap::new();
        let mut roots = Vec::new();
        let root_names = [
            (schema["queryType"]["name"].as_str(), "query"),
            (schema["mutationType"]["name"].as_str(), "mutation"),
        ];
        let all = schema["types"].as_array().expect("types");
        for ty in all {
            let name = ty["name"].as_str().expect("name").to_owned();
            let list = |key: &str| ty[key].as_array().cloned().unwrap_or_default();
            types.insert(
                name.clone(),
                TypeInfo {
                    kind: ty["kind"].as_str().expect("kind").to_owned(),
                    input_fields: list("inputFields")
                        .iter()
                        .map(|field| {
                            (
                                field["name"].as_str().expect("name").to_owned(),
                                TypeRef::read(&field["type"]),
                            )
                        })
                        .collect(),
                    enum_values: list("enumValues")
                        .iter()
                        .map(|value| value["name"].as_str().expect("name").to_owned())
                        .collect(),
                },
            );
        }
        for ty in all {
            let Some((_, operation)) = root_names
                .iter()
                .find(|(root, _)| *root == ty["name"].as_str())
            else {
                continue;
            };
            for field in ty["fields"].as_array().expect("root fields") {
                let return_type = TypeRef::read(&field["type"]);
                roots.push(RootField {
                    operation,
                    name: field["name"].as_str().expect("name").to_owned(),
                    args: field["args"]
                        .as_array()
                        .expect("args")
                        .iter()
                        .map(|arg| {
                            (
                                arg["name"].as_str().expect("name").to_owned(),
                                TypeRef::read(&arg["type"]),
                            )
                        })
                        .collect(),
                    composite: false,
                });
                let composite = types.get(return_type.named()).is_some_and(|info| {
                    matches!(info.kind.as_str(), "OBJECT" | "INTERFACE" | "UNION")
                });
                if let Some(root) = roots.last_mut() {
                    root.composite = composite;
                }
            }
        }
        Self { types, roots }
    }

    fn kind(&self, name: &str) -> &str {
        self.types.get(name).map_or("", |info| info.kind.as_str())
    }

    /// A well-formed value of `ty`, for the inputs not under test.
    fn valid(&self, ty: &TypeRef) -> Input {
        match ty {
            TypeRef::NonNull(inner) => self.valid(inner),
            TypeRef::List(inner) => Input::List(vec![self.valid(inner)]),
            TypeRef::Named(name) => match name.as_str() {
                "Int" => Input::Json(json!(1)),
                "Float" => Input::Json(json!(1.5)),
                "Boolean" => Input::Json(json!(true)),
                "ID" => Input::Json(json!(gid(NodeKind::Product, 1))),
                "Decimal" => Input::Json(json!("1.00")),
                "DateTime" => Input::Json(json!("2024-01-01T00:00:00Z")),
                _ => match self.types.get(name) {
                    Some(info) if info.kind == "ENUM" => {
                        Input::Enum(info.enum_values.first().cloned().unwrap_or_default())
                    }
                    Some(info) if info.kind == "INPUT_OBJECT" => Input::Object(
                        info.input_fields
                            .iter()
                            .filter(|(_, ty)| ty.is_non_null())
                            .map(|(name, ty)| (name.clone(), self.valid(ty)))
                            .collect(),
                    ),
                    _ => Input::Json(json!("x")),
                },
            },
        }
    }

    /// Wrong-typed and malformed values for a position of type `ty`.
    fn malformed(&self, ty: &TypeRef) -> Vec<Input> {
        let huge = "9".repeat(20_000);
        let mut values: Vec<Input> = match ty.named() {
            "Int" => [
                json!(2_147_483_648_i64),
                json!(-2_147_483_649_i64),
                json!(9_223_372_036_854_775_808_u64),
                json!(1.5),
                json!("1"),
            ]
            .map(Input::Json)
            .to_vec(),
            "Float" => [json!("1.5"), json!(true), json!(1e300)]
                .map(Input::Json)
                .to_vec(),
            "Boolean" => [json!("true"), json!(0)].map(Input::Json).to_vec(),
            "ID" => [
                json!(""),
                json!("not-an-id"),
                json!("!!"),
                json!(huge),
                json!(URL_SAFE_NO_PAD.encode("Product:-1")),
                json!(URL_SAFE_NO_PAD.encode("Nope:1")),
                json!(URL_SAFE_NO_PAD.encode("Product:99999999999999999999")),
                json!(0),
                json!(1.5),
                json!(true),
            ]
            .map(Input::Json)
            .to_vec(),
            "Decimal" => [
                json!(""),
                json!("abc"),
                json!("1.999"),
                json!("1e5"),
                json!(huge),
                json!("-"),
                json!(19.99),
                json!(12),
            ]
            .map(Input::Json)
            .to_vec(),
            "DateTime" => [
                json!(""),
                json!("x"),
                json!("2024-13-45T00:00:00Z"),
                json!("2024-01-01"),
                json!("99999-01-01T00:00:00Z"),
                json!(huge),
                json!(12),
            ]
            .map(Input::Json)
            .to_vec(),
            name if self.kind(name) == "ENUM" => vec![
                Input::Enum("NOT_A_VALUE".to_owned()),
                Input::Json(json!("not a value")),
                Input::Json(json!(1)),
            ],
            name if self.kind(name) == "INPUT_OBJECT" => vec![
                Input::Json(json!("x")),
                Input::Json(json!(1)),
                Input::Object(Vec::new()),
                Input::Object(vec![("unknownField".to_owned(), Input::Json(json!(1)))]),
            ],
            _ => [
                json!(""),
                json!(huge),
                json!("garbage"),
                json!(URL_SAFE_NO_PAD.encode("not json")),
                json!(URL_SAFE_NO_PAD.encode(r#"{"k":[1,{"x":null}]}"#)),
                json!(2_147_483_648_i64),
                json!(true),
                json!({ "a": 1 }),
            ]
            .map(Input::Json)
            .to_vec(),
        };
        if ty.has_list() {
            let listed: Vec<Input> = values
                .iter()
                .map(|value| Input::List(vec![value.clone()]))
                .collect();
            values.extend(listed);
        }
        if ty.is_non_null() {
            values.push(Input::Json(Value::Null));
        }
        values
    }

    /// Values of argument `ty` with one input field, `depth` levels down at
    /// most, replaced by a malformed value; each with the field's path.
    fn nested(&self, ty: &TypeRef, depth: usize) -> Vec<(String, Input)> {
        let Some(info) = self.types.get(ty.named()) else {
            return Vec::new();
        };
        if info.kind != "INPUT_OBJECT" || depth == 0 {
            return Vec::new();
        }
        let Input::Object(base) = self.valid(&TypeRef::Named(ty.named().to_owned())) else {
            return Vec::new();
        };
        let mut cases = Vec::new();
        for (field, field_ty) in &info.input_fields {
            let mut bad_values: Vec<(String, Input)> = self
                .malformed(field_ty)
                .into_iter()
                .map(|value| (field.clone(), value))
                .collect();
            bad_values.extend(
                self.nested(field_ty, depth - 1)
                    .into_iter()
                    .map(|(path, value)| (format!("{field}.{path}"), value)),
            );
            for (path, bad) in bad_values {
                let mut fields: Vec<(String, Input)> = base
                    .iter()
                    .filter(|(name, _)| name != field)
                    .cloned()
                    .collect();
                fields.push((field.clone(), bad));
                let value = Input::Object(fields);
                let value = if ty.has_list() {
                    Input::List(vec![value])
                } else {
                    value
                };
                cases.push((path, value));
            }
        }
        cases
    }

    /// Every request of the sweep: the operation, its variables, and a
    /// label for failure messages.
    fn cases(&self) -> Vec<(String, Value, String)> {
        let mut cases = Vec::new();
        for root in &self.roots {
            let selection = if root.composite {
                " { __typename }"
            } else {
                ""
            };
            for (arg, arg_ty) in &root.args {
                let others: Vec<String> = root
                    .args
                    .iter()
                    .filter(|(name, ty)| name != arg && ty.is_non_null())
                    .map(|(name, ty)| format!("{name}: {}", self.valid(ty).literal()))
                    .collect();
                let mut values: Vec<(String, Input)> = self
                    .malformed(arg_ty)
                    .into_iter()
                    .map(|value| (arg.clone(), value))
                    .collect();
                values.extend(
                    self.nested(arg_ty, 2)
                        .into_iter()
                        .map(|(path, value)| (format!("{arg}.{path}"), value)),
                );
                for (path, value) in values {
                    let label =
                        format!("{}.{} {path} = {}", root.operation, root.name, value.json());
                    let mut literal_args = others.clone();
                    literal_args.push(format!("{arg}: {}", value.literal()));
                    cases.push((
                        format!(
                            "{} {{ {}({}){selection} }}",
                            root.operation,
                            root.name,
                            literal_args.join(", ")
                        ),
                        json!({}),
                        format!("{label} (literal)"),
                    ));
                    let mut variable_args = others.clone();
                    variable_args.push(format!("{arg}: $value"));
                    cases.push((
                        format!(
                            "{}($value: {}) {{ {}({}){selection} }}",
                            root.operation,
                            arg_ty.sdl(),
                            root.name,
                            variable_args.join(", ")
                        ),
                        json!({ "value": value.json() }),
                        format!("{label} (variable)"),
                    ));
                }
            }
        }
        cases
    }
}

/// What is wrong with one answer, if anything.
fn fault(status: reqwest::StatusCode, body: &Value) -> Option<String> {
    if status.is_server_error() {
        return Some(format!("status {status}: {body}"));
    }
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    for error in &errors {
        let code = error["extensions"]["code"].as_str().unwrap_or("none");
        if !CONTRACT_CODES.contains(&code) || code == "INTERNAL_SERVER_ERROR" {
            return Some(format!("code {code}: {error}"));
        }
        let field = error["extensions"]["field"].as_str().unwrap_or_default();
        if code == "BAD_USER_INPUT" && field.is_empty() {
            return Some(format!("BAD_USER_INPUT without extensions.field: {error}"));
        }
    }
    None
}

/// Sends every case, `token` signed in or anonymous, a few at a time;
/// returns each fault with its case.
async fn sweep(
    app: &TestApp,
    cases: &[(String, Value, String)],
    token: Option<&str>,
) -> Vec<String> {
    let faults: BTreeSet<String> = stream::iter(cases)
        .map(|(query, variables, label)| async move {
            let mut headers = vec![
                ("content-type", "application/json".to_owned()),
                ("accept", "application/graphql-response+json".to_owned()),
            ];
            if let Some(token) = token {
                headers.push(("authorization", format!("Bearer {token}")));
            }
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            let reply = app
                .post_with(
                    json!({ "query": query, "variables": variables }).to_string(),
                    &headers,
                )
                .await;
            fault(reply.status, &reply.body).map(|fault| format!("{label}: {fault}"))
        })
        .buffer_unordered(4)
        .filter_map(|fault| async move { fault })
        .collect()
        .await;
    faults.into_iter().collect()
}

#[tokio::test]
async fn no_malformed_argument_or_input_field_is_an_internal_error() {
    let app = spawn_app_with(|settings| {
        settings.limits.login_limit_per_ip = 1_000_000;
        settings.limits.login_limit_per_account = 1_000_000;
    })
    .await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let schema = Schema::introspect(&app).await;
    let cases = schema.cases();
    assert!(
        cases.len() > 1_000,
        "the sweep found only {} cases",
        cases.len()
    );

    let mut faults = sweep(&app, &cases, Some(&admin)).await;
    faults.extend(sweep(&app, &cases, None).await);

    assert!(
        faults.is_empty(),
        "{} faulty answers:\n{}",
        faults.len(),
        faults.join("\n")
    );
    app.assert_still_serving().await;
}

#[tokio::test]
async fn a_document_that_passed_validation_is_validated_again_for_other_variables() {
    let app = spawn_app().await;
    let query = "query Page($first: Int) { products(first: $first) { nodes { id } } }";
    let complexity = |body: &Value| {
        assert!(body.get("errors").is_none(), "{body}");
        body["extensions"]["stats"]["complexity"]
            .as_u64()
            .unwrap_or_else(|| panic!("no complexity in {body}"))
    };

    let small = complexity(&app.gql(query, json!({ "first": 2 })).await);
    assert_eq!(
        complexity(&app.gql(query, json!({ "first": 2 })).await),
        small
    );
    let large = complexity(&app.gql(query, json!({ "first": 20 })).await);
    assert!(
        large > small,
        "first: 20 costs {large}, first: 2 costs {small}"
    );

    let refused = |body: &Value| {
        let errors = body["errors"].as_array().map_or(&[][..], Vec::as_slice);
        assert!(!errors.is_empty(), "{body}");
        assert!(
            errors
                .iter()
                .all(|error| error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"),
            "{body}"
        );
    };
    refused(&app.gql(query, json!({ "first": "two" })).await);
    let other_operation = app
        .post_json(
            json!({ "query": query, "operationName": "Other", "variables": { "first": 2 } }),
            "application/json",
        )
        .await;
    refused(&other_operation.body);
    assert_eq!(
        complexity(&app.gql(query, json!({ "first": 2 })).await),
        small
    );
}
