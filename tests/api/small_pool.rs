//! Many clients' operations at once on a pool of two connections. On
//! PostgreSQL an HTTP operation keeps the connection its last statement
//! used for its next one; it must never keep one while another of its
//! statements waits for the pool, or operations that hold the whole pool
//! would wait on each other until the acquire timeout; nor while it takes
//! one for a write transaction. On SQLite, which keeps none, the same
//! requests check the small pool alone.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::json;
use storefront::auth::Role;

use crate::helpers::spawn_app_with;

/// Two root fields whose statements run at once, level after level (a
/// product page and a category page, then the products' categories and
/// the categories' children, and so on), and a count, which takes its
/// connection from the pool another way.
const CATALOG: &str = "{ products(first: 5) { totalCount nodes { name \
    category { name } reviews(first: 2) { nodes { rating author { name } } } } } \
    categories(first: 5) { nodes { name children { name parent { name } } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_clients_are_answered_from_a_pool_of_two_connections() {
    let app = spawn_app_with(|settings| {
        settings.database.max_connections = 2;
        settings.database.acquire_timeout = Duration::from_secs(5);
    })
    .await;
    let alone = app.gql(CATALOG, json!({})).await;
    assert!(alone.get("errors").is_none(), "{alone}");
    let products = alone["data"]["products"]["nodes"]
        .as_array()
        .expect("a page of products");
    assert_eq!(products.len(), 5, "{alone}");
    let reviewed = |product: &serde_json::Value| product["reviews"]["nodes"][0].is_object();
    assert!(
        products.iter().any(reviewed),
        "the demo data should give some product reviews: {alone}"
    );

    let together = join_all((0..30).map(|_| app.gql(CATALOG, json!({})))).await;

    for reply in together {
        assert!(reply.get("errors").is_none(), "{reply}");
        assert_eq!(reply["data"], alone["data"]);
    }
}

/// Two writes in one document: the first one's answer reads its parent
/// through the loaders, so the operation holds a connection when the second
/// one begins its transaction, which needs the pool's only connection.
const TWO_WRITES: &str = "mutation($parent: ID!) { \
    first: createCategory(input: { name: \"Cables\", parentId: $parent }) { name parent { name } } \
    second: createCategory(input: { name: \"Chargers\", parentId: $parent }) { name parent { name } } }";

#[tokio::test]
async fn two_writes_of_one_document_run_on_a_pool_of_one_connection() {
    let app = spawn_app_with(|settings| {
        settings.database.max_connections = 1;
        settings.database.acquire_timeout = Duration::from_secs(5);
    })
    .await;
    let (_, token) = app.signed_in(Role::Admin).await;
    let top = app
        .gql("{ categories(first: 1) { nodes { id name } } }", json!({}))
        .await;
    let parent = &top["data"]["categories"]["nodes"][0];

    let reply = app
        .gql_as(&token, TWO_WRITES, json!({ "parent": parent["id"] }))
        .await;

    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let data = &reply.body["data"];
    assert_eq!(data["first"]["name"], "Cables");
    assert_eq!(data["second"]["name"], "Chargers");
    assert_eq!(data["first"]["parent"]["name"], parent["name"]);
    assert_eq!(data["second"]["parent"]["name"], parent["name"]);
}
