//! The product listing reads only the columns its selection shows (on
//! PostgreSQL; elsewhere it reads whole rows). A listed product, and its
//! category, must still show every field as the same product looked up by
//! id shows it, whichever fields are selected beside it. The fields come
//! from introspection, so a field added later is checked without a change
//! here.

use serde_json::{Value, json};
use storefront::auth::Role;

use crate::helpers::{TestApp, catalog_plan, spawn_seeded};

const TYPE_FIELDS: &str = "query($name: String!) { __type(name: $name) { fields {
  name
  args { type { kind } defaultValue }
  type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
} } }";

/// The named type under a field type's list and non-null wrappers.
fn named(ty: &Value) -> (&str, &str) {
    let mut ty = ty;
    while ty["name"].is_null() {
        ty = &ty["ofType"];
    }
    (
        ty["kind"].as_str().expect("kind"),
        ty["name"].as_str().expect("name"),
    )
}

/// The fields of `type_name` that take no required argument, with their
/// named types.
async fn fields(app: &TestApp, type_name: &str) -> Vec<(String, String, String)> {
    let data = app.data(TYPE_FIELDS, json!({ "name": type_name })).await;
    data["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter(|field| {
            field["args"]
                .as_array()
                .expect("args")
                .iter()
                .all(|arg| arg["type"]["kind"] != "NON_NULL" || !arg["defaultValue"].is_null())
        })
        .map(|field| {
            let (kind, name) = named(&field["type"]);
            (
                field["name"].as_str().expect("name").to_owned(),
                kind.to_owned(),
                name.to_owned(),
            )
        })
        .collect()
}

/// One selection per field of `type_name`: a leaf as itself, an object
/// with its own leaves.
async fn selections(app: &TestApp, type_name: &str) -> Vec<String> {
    let mut selections = Vec::new();
    for (field, kind, named) in fields(app, type_name).await {
        if kind == "SCALAR" || kind == "ENUM" {
            selections.push(field);
            continue;
        }
        let leaves: Vec<String> = fields(app, &named)
            .await
            .into_iter()
            .filter(|(_, kind, _)| kind == "SCALAR" || kind == "ENUM")
            .map(|(leaf, _, _)| leaf)
            .collect();
        let leaves = if leaves.is_empty() {
            "__typename".to_owned()
        } else {
            leaves.join(" ")
        };
        selections.push(format!("{field} {{ {leaves} }}"));
    }
    selections
}

/// The listed nodes of `selection`, and the same products looked up by id
/// with the same selection, as the admin `token` sees them.
async fn listed_and_looked_up(
    app: &TestApp,
    token: &str,
    order: &str,
    selection: &str,
) -> (Vec<Value>, Vec<Value>) {
    let listing = format!(
        "{{ products(first: 12, orderBy: {{ field: {order}, direction: DESC }}) {{
          nodes {{ id {selection} }}
        }} }}"
    );
    let listed = app.data_as(token, &listing, json!({})).await;
    let nodes = listed["products"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes.len(), 12, "{listed}");
    let ids: Vec<Value> = nodes.iter().map(|node| node["id"].clone()).collect();
    let lookup = format!(
        "query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Product {{ id {selection} }} }} }}"
    );
    let looked_up = app.data_as(token, &lookup, json!({ "ids": ids })).await;
    let alone = looked_up["nodes"].as_array().expect("nodes").clone();
    (nodes, alone)
}

#[tokio::test]
async fn every_field_of_a_listed_product_and_of_its_category_shows_the_row_as_a_lookup_does() {
    let app = spawn_seeded(catalog_plan()).await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let mut checked = Vec::new();
    for field in selections(&app, "Product").await {
        checked.push(field.clone());
    }
    for field in selections(&app, "Category").await {
        checked.push(format!("category {{ {field} }}"));
    }
    for expected in ["sku", "description", "stock", "inStock", "updatedAt"] {
        assert!(checked.contains(&expected.to_owned()), "{checked:?}");
    }
    assert!(
        checked
            .iter()
            .any(|field| field.starts_with("category { parent")),
        "{checked:?}"
    );
    for selection in &checked {
        let (listed, alone) = listed_and_looked_up(&app, &admin, "PRICE", selection).await;
        assert_eq!(listed, alone, "{selection}");
    }
    // Every field at once: the other columns are read too.
    let all = checked.join(" ");
    let (listed, alone) = listed_and_looked_up(&app, &admin, "NAME", &all).await;
    assert_eq!(listed, alone);
    // A field reached through a fragment counts as selected.
    let (listed, alone) = listed_and_looked_up(
        &app,
        &admin,
        "CREATED_AT",
        "... on Product { sku category { ... on Category { slug createdAt } } }",
    )
    .await;
    assert_eq!(listed, alone);
}

/// The cursors of a listing ordered by `order`: each row's carries its
/// sort key, which the listing reads whatever else it shows.
async fn cursors(app: &TestApp, order: &str, selection: &str, after: Option<&str>) -> Value {
    let query = format!(
        "query($after: String) {{
          products(first: 6, after: $after, orderBy: {{ field: {order}, direction: ASC }}) {{
            edges {{ cursor node {{ {selection} }} }}
            pageInfo {{ endCursor hasNextPage }}
          }}
        }}"
    );
    app.data(&query, json!({ "after": after })).await["products"].clone()
}

#[tokio::test]
async fn cursors_carry_the_sort_key_whichever_fields_are_selected() {
    let app = spawn_seeded(catalog_plan()).await;
    for order in ["NAME", "PRICE", "CREATED_AT", "RATING"] {
        let lean = cursors(&app, order, "id", None).await;
        let full = cursors(&app, order, "id sku price { amount } stock updatedAt", None).await;
        let edges = |page: &Value| -> Vec<(Value, Value)> {
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|edge| (edge["cursor"].clone(), edge["node"]["id"].clone()))
                .collect()
        };
        let (lean_edges, full_edges) = (edges(&lean), edges(&full));
        assert_eq!(lean_edges.len(), 6, "{lean}");
        assert_eq!(lean_edges, full_edges, "{order}");
        // The next page after a lean page's cursor is the full one's.
        let end = lean["pageInfo"]["endCursor"].as_str().expect("endCursor");
        let next_lean = cursors(&app, order, "id", Some(end)).await;
        let next_full = cursors(&app, order, "id sku", Some(end)).await;
        let ids = |page: &Value| -> Vec<Value> {
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|edge| edge["node"]["id"].clone())
                .collect()
        };
        assert_eq!(ids(&next_lean), ids(&next_full), "{order}");
        assert!(!ids(&next_lean).is_empty(), "{order}");
        assert!(
            ids(&next_lean).iter().all(|id| !ids(&lean).contains(id)),
            "{order}: the next page repeats rows"
        );
    }
}

/// The values at `path` in `data`, through every list on the way
/// (`orders.nodes.items.product`: the product of each line of each order).
fn nodes_at<'a>(data: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    let Some((first, rest)) = path.split_first() else {
        return vec![data];
    };
    match &data[*first] {
        Value::Array(items) => items.iter().flat_map(|item| nodes_at(item, rest)).collect(),
        Value::Null => Vec::new(),
        value => nodes_at(value, rest),
    }
}

/// Asserts that each of `listed` (objects with `id` and `field`) shows
/// `field` as the same node looked up by id shows it.
async fn assert_as_looked_up(
    app: &TestApp,
    token: &str,
    listed: &[&Value],
    on: &str,
    selection: &str,
) {
    assert!(!listed.is_empty(), "{on} {selection}: nothing listed");
    let ids: Vec<Value> = listed.iter().map(|node| node["id"].clone()).collect();
    let lookup = format!(
        "query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on {on} {{ id {selection} }} }} }}"
    );
    let looked_up = app.data_as(token, &lookup, json!({ "ids": ids })).await;
    let alone = looked_up["nodes"].as_array().expect("nodes");
    let listed: Vec<Value> = listed.iter().map(|node| (*node).clone()).collect();
    assert_eq!(&listed, alone, "{on} {selection}");
}

#[tokio::test]
async fn every_field_of_joined_review_authors_and_order_customers_shows_the_user_as_a_lookup_does()
{
    let app = spawn_seeded(catalog_plan()).await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    // An admin among the authors of the newest product, whose role is not
    // the placeholder of an unread one.
    let newest = app
        .data("{ products(first: 1) { nodes { id } } }", json!({}))
        .await;
    let product = newest["products"]["nodes"][0]["id"].clone();
    app.data_as(
        &admin,
        "mutation($id: ID!) { addReview(productId: $id, input: { rating: 5 }) { id } }",
        json!({ "id": product }),
    )
    .await;

    let fields = selections(&app, "User").await;
    for expected in ["role", "createdAt", "email"] {
        assert!(fields.contains(&expected.to_owned()), "{fields:?}");
    }
    for field in &fields {
        let listing = format!(
            "{{ products(first: 12) {{ nodes {{ reviews(first: 3) {{
              nodes {{ id author {{ {field} }} }}
            }} }} }} }}"
        );
        let listed = app.data_as(&admin, &listing, json!({})).await;
        let reviews = nodes_at(&listed, &["products", "nodes", "reviews", "nodes"]);
        let selection = format!("author {{ {field} }}");
        assert_as_looked_up(&app, &admin, &reviews, "Review", &selection).await;

        let listing =
            format!("{{ orders(first: 12) {{ nodes {{ id customer {{ {field} }} }} }} }}");
        let listed = app.data_as(&admin, &listing, json!({})).await;
        let orders = nodes_at(&listed, &["orders", "nodes"]);
        let selection = format!("customer {{ {field} }}");
        assert_as_looked_up(&app, &admin, &orders, "Order", &selection).await;
    }

    // Two aliases of the same page: the second shows more of its authors
    // than the first, and the items answer both from one load.
    let aliased = "{ products(first: 12) { nodes {
      lean: reviews(first: 3) { nodes { id author { name } } }
      full: reviews(first: 3) { nodes { id author { name role createdAt } } }
    } } }";
    let listed = app.data_as(&admin, aliased, json!({})).await;
    let full = nodes_at(&listed, &["products", "nodes", "full", "nodes"]);
    assert!(
        full.iter()
            .any(|review| review["author"]["role"] == "ADMIN"),
        "{listed}"
    );
    assert_as_looked_up(
        &app,
        &admin,
        &full,
        "Review",
        "author { name role createdAt }",
    )
    .await;
}

#[tokio::test]
async fn every_field_of_the_products_and_categories_of_listed_order_lines_shows_the_row_as_a_lookup_does()
 {
    let app = spawn_seeded(catalog_plan()).await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let mut checked = selections(&app, "Product").await;
    for field in selections(&app, "Category").await {
        checked.push(format!("category {{ {field} }}"));
    }
    checked
        .push("... on Product { sku category { ... on Category { slug createdAt } } }".to_owned());
    for selection in &checked {
        let listing = format!(
            "{{ orders(first: 10) {{ nodes {{ items {{ product {{ id {selection} }} }} }} }} }}"
        );
        let listed = app.data_as(&admin, &listing, json!({})).await;
        let products = nodes_at(&listed, &["orders", "nodes", "items", "product"]);
        assert_as_looked_up(&app, &admin, &products, "Product", selection).await;
    }
}
