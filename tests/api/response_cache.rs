//! The response cache: public queries answered without statements, shared
//! by every caller, never holding private data or errors, and never serving
//! what a committed write replaced, on one instance or across instances
//! through Redis.

use std::{net::SocketAddr, time::Duration};

use serde_json::{Value, json};
use storefront::{auth::Role, config::Settings, schema::ids::NodeKind};

use crate::helpers::{
    TestApp, gid,
    redis_server::{OwnedRedis, TestRedis, keys_matching, unique_prefix, wait_for_subscribers},
    spawn_app_with,
};

/// A catalog page: products with their category, rating and newest
/// reviews with their authors.
const CATALOG: &str = "query Catalog {
  products(first: 5, orderBy: { field: PRICE, direction: ASC }) {
    totalCount
    nodes {
      id name stock price { amount }
      category { name }
      rating { average count }
      reviews(first: 3) { nodes { rating author { name } } }
    }
  }
}";

const PRODUCT: &str = "query Product($id: ID!) {
  product(id: $id) { name stock price { amount } rating { count } }
}";

const CATEGORY: &str = "query Category($id: ID!) {
  category(id: $id) { name products(first: 50) { nodes { id price { amount } } } }
}";

const NODE: &str = "query Node($id: ID!) {
  node(id: $id) { ... on Product { price { amount } } }
}";

const UPDATE_PRICE: &str = "mutation Price($id: ID!, $price: Decimal!) {
  updateProduct(id: $id, input: { price: $price }) { id }
}";

/// The response cache on, in process, or in Redis when `redis` is given.
fn cached(redis: Option<(&str, &str)>) -> impl Fn(&mut Settings) + use<> {
    let redis = redis.map(|(url, prefix)| (url.to_owned(), prefix.to_owned()));
    move |settings: &mut Settings| {
        settings.cache.response_ttl = Duration::from_secs(300);
        settings.redis.url = redis.as_ref().map(|(url, _)| url.clone().into());
        if let Some((_, prefix)) = &redis {
            settings.redis.prefix.clone_from(prefix);
        }
    }
}

/// POSTs an operation to the server at `address`, optionally signed in.
async fn post(
    app: &TestApp,
    address: SocketAddr,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = app
        .client
        .post(format!("http://{address}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("a response")
        .json()
        .await
        .expect("a JSON body")
}

/// `extensions.stats.<name>` of a response.
fn stat(body: &Value, name: &str) -> u64 {
    body["extensions"]["stats"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no stats.{name} in {body}"))
}

fn assert_hit(body: &Value) {
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(stat(body, "cacheHits"), 1, "{body}");
    assert_eq!(stat(body, "sqlStatements"), 0, "{body}");
}

fn assert_executed(body: &Value) {
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(stat(body, "cacheHits"), 0, "{body}");
    assert!(stat(body, "sqlStatements") > 0, "{body}");
}

async fn set_price(app: &TestApp, address: SocketAddr, admin: &str, product: i64, price: &str) {
    let variables = json!({ "id": gid(NodeKind::Product, product), "price": price });
    let body = post(app, address, Some(admin), UPDATE_PRICE, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
}

fn product_vars(product: i64) -> Value {
    json!({ "id": gid(NodeKind::Product, product) })
}

#[tokio::test]
async fn a_repeated_public_query_sends_no_statement_and_returns_the_same_data() {
    let app = spawn_app_with(cached(None)).await;

    let cold = post(&app, app.address, None, CATALOG, json!({})).await;
    let warm = post(&app, app.address, None, CATALOG, json!({})).await;

    assert_executed(&cold);
    assert_eq!(stat(&cold, "cacheMisses"), 1);
    assert_hit(&warm);
    assert_eq!(warm["data"], cold["data"]);
    assert!(app.metric("response_cache_hits_total", &[]).await >= 1.0);
}

#[tokio::test]
async fn signed_in_shoppers_share_the_entry_of_anonymous_callers() {
    let app = spawn_app_with(cached(None)).await;
    let (_, shopper) = app.signed_in(Role::Customer).await;

    let anonymous = post(&app, app.address, None, CATALOG, json!({})).await;
    let signed_in = post(&app, app.address, Some(&shopper), CATALOG, json!({})).await;

    assert_executed(&anonymous);
    assert_hit(&signed_in);
    assert_eq!(signed_in["data"], anonymous["data"]);
}

#[tokio::test]
async fn private_fields_and_errors_are_never_cached() {
    let app = spawn_app_with(cached(None)).await;
    let (_, shopper) = app.signed_in(Role::Customer).await;
    let private = [
        (
            "{ viewer { id name } products(first: 1) { nodes { id } } }",
            json!({}),
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": gid(NodeKind::Order, 1) }),
        ),
        ("{ orders(first: 1) { nodes { id } } }", json!({})),
    ];
    for (query, variables) in private {
        for _ in 0..2 {
            let body = post(&app, app.address, Some(&shopper), query, variables.clone()).await;
            assert!(body.get("errors").is_none(), "{query}: {body}");
            assert_eq!(stat(&body, "cacheHits"), 0, "{query}: {body}");
            assert_eq!(stat(&body, "cacheMisses"), 0, "{query}: {body}");
        }
    }
    // A public document whose execution fails is executed every time.
    let failing = "{ products(first: 500) { nodes { id } } }";
    for _ in 0..2 {
        let body = post(&app, app.address, None, failing, json!({})).await;
        assert!(body.get("errors").is_some(), "{body}");
        assert_eq!(stat(&body, "cacheHits"), 0, "{body}");
    }
}

/// Warms `product`, the catalog page and `category`, then changes the
/// product through `write` and checks every one of them shows the change.
async fn reads_after_a_price_change_show_it(app: &TestApp, read: SocketAddr, write: SocketAddr) {
    let (_, admin) = app.signed_in(Role::Admin).await;
    let product = app.product_row(1).await;
    let category = json!({ "id": gid(NodeKind::Category, product.category_id) });
    for _ in 0..2 {
        post(app, read, None, PRODUCT, product_vars(1)).await;
        post(app, read, None, NODE, product_vars(1)).await;
        post(app, read, None, CATALOG, json!({})).await;
        post(app, read, None, CATEGORY, category.clone()).await;
    }
    assert_hit(&post(app, read, None, PRODUCT, product_vars(1)).await);
    assert_hit(&post(app, read, None, CATEGORY, category.clone()).await);
    assert_hit(&post(app, read, None, NODE, product_vars(1)).await);

    set_price(app, write, &admin, 1, "0.01").await;

    let by_id = post(app, read, None, PRODUCT, product_vars(1)).await;
    assert_executed(&by_id);
    assert_eq!(by_id["data"]["product"]["price"]["amount"], "0.01");
    let node = post(app, read, None, NODE, product_vars(1)).await;
    assert_executed(&node);
    assert_eq!(node["data"]["node"]["price"]["amount"], "0.01");
    let page = post(app, read, None, CATALOG, json!({})).await;
    assert_executed(&page);
    assert_eq!(
        page["data"]["products"]["nodes"][0]["price"]["amount"],
        "0.01"
    );
    let in_category = post(app, read, None, CATEGORY, category).await;
    let listed = in_category["data"]["category"]["products"]["nodes"]
        .as_array()
        .expect("products")
        .iter()
        .find(|node| node["id"] == gid(NodeKind::Product, 1))
        .expect("the product in its category")
        .clone();
    assert_eq!(listed["price"]["amount"], "0.01");
}

#[tokio::test]
async fn a_committed_write_is_seen_by_the_next_read() {
    let app = spawn_app_with(cached(None)).await;
    reads_after_a_price_change_show_it(&app, app.address, app.address).await;
}

#[tokio::test]
async fn reviews_and_orders_invalidate_ratings_and_stock() {
    let app = spawn_app_with(cached(None)).await;
    let (_, shopper) = app.signed_in(Role::Customer).await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let adjust = "mutation { adjustStock(productId: \"PID\", delta: 50) { stock } }"
        .replace("PID", &gid(NodeKind::Product, 2));
    assert!(
        post(&app, app.address, Some(&admin), &adjust, json!({}))
            .await
            .get("errors")
            .is_none()
    );
    post(&app, app.address, None, PRODUCT, product_vars(2)).await;
    let before = post(&app, app.address, None, PRODUCT, product_vars(2)).await;
    assert_hit(&before);

    let review = "mutation($id: ID!) { addReview(productId: $id, input: { rating: 5, body: \"Lovely\" }) { id } }";
    let added = post(&app, app.address, Some(&shopper), review, product_vars(2)).await;
    assert!(added.get("errors").is_none(), "{added}");
    let rated = post(&app, app.address, None, PRODUCT, product_vars(2)).await;
    assert_executed(&rated);
    assert_eq!(
        rated["data"]["product"]["rating"]["count"].as_i64(),
        before["data"]["product"]["rating"]["count"]
            .as_i64()
            .map(|count| count + 1)
    );

    post(&app, app.address, None, PRODUCT, product_vars(2)).await;
    let order = "mutation($id: ID!) { placeOrder(input: { items: [{ productId: $id, quantity: 2 }] }) { id } }";
    let placed = post(&app, app.address, Some(&shopper), order, product_vars(2)).await;
    assert!(placed.get("errors").is_none(), "{placed}");
    let stocked = post(&app, app.address, None, PRODUCT, product_vars(2)).await;
    assert_executed(&stocked);
    assert_eq!(
        stocked["data"]["product"]["stock"].as_i64(),
        before["data"]["product"]["stock"]
            .as_i64()
            .map(|stock| stock - 2)
    );
}

/// A miss whose store waits 800 ms, and a write that commits inside that
/// gap: the stale response must not be stored, nor served after the write.
async fn a_write_inside_a_readers_gap_is_seen(redis: Option<(&str, &str)>) {
    let app = spawn_app_with(move |settings: &mut Settings| {
        cached(redis)(settings);
        settings.cache.store_delay = Duration::from_millis(800);
    })
    .await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let tier = if redis.is_some() {
        "tier=\"redis\""
    } else {
        "tier=\"memory\""
    };
    let refused = app
        .metric("response_cache_stores_refused_total", &[tier])
        .await;

    let reader = post(&app, app.address, None, PRODUCT, product_vars(1));
    let writer = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        set_price(&app, app.address, &admin, 1, "0.02").await;
    };
    let (stale, ()) = tokio::join!(reader, writer);
    assert_ne!(stale["data"]["product"]["price"]["amount"], "0.02");

    let after = post(&app, app.address, None, PRODUCT, product_vars(1)).await;
    assert_eq!(
        after["data"]["product"]["price"]["amount"], "0.02",
        "{after}"
    );
    assert!(
        app.metric("response_cache_stores_refused_total", &[tier])
            .await
            > refused
    );
}

#[tokio::test]
async fn a_write_inside_a_readers_gap_is_never_hidden_by_its_store() {
    a_write_inside_a_readers_gap_is_seen(None).await;
}

#[tokio::test]
async fn a_write_inside_a_readers_gap_is_never_hidden_by_its_store_in_redis() {
    let redis = TestRedis::get().await;
    let prefix = unique_prefix();
    a_write_inside_a_readers_gap_is_seen(Some((redis.url(), &prefix))).await;
}

#[tokio::test]
async fn instances_sharing_redis_see_each_others_writes() {
    let redis = TestRedis::get().await;
    responses_shared_and_coherent_across_instances(redis.url()).await;
}

/// Two instances on the Redis at `url`: one's entry is the other's hit,
/// and a write through one is seen at once by the other's reads.
pub(crate) async fn responses_shared_and_coherent_across_instances(url: &str) {
    let prefix = unique_prefix();
    let settings = cached(Some((url, &prefix)));
    let app = spawn_app_with(&settings).await;
    let other = app.another_instance(&settings).await;

    // A hit on the other instance proves the entry is shared.
    post(&app, app.address, None, CATALOG, json!({})).await;
    assert_hit(&post(&app, other.address, None, CATALOG, json!({})).await);

    reads_after_a_price_change_show_it(&app, other.address, app.address).await;
}

/// Deletes every response entry under `prefix` from the Redis at `url`.
async fn delete_response_entries(url: &str, prefix: &str) {
    let (mut connection, keys) = keys_matching(url, &format!("{prefix}{{rc}}:v1:*")).await;
    assert!(!keys.is_empty(), "no response entry under {prefix}");
    let () = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut connection)
        .await
        .expect("DEL");
}

#[tokio::test]
async fn the_l1_answers_without_redis_and_never_serves_another_instances_old_data() {
    let redis = TestRedis::get().await;
    let prefix = unique_prefix();
    let settings = cached(Some((redis.url(), &prefix)));
    let app = spawn_app_with(&settings).await;
    let other = app.another_instance(&settings).await;
    wait_for_subscribers(redis.url(), &format!("{prefix}{{rc}}:invalidations"), 2).await;
    // Subscribed, each L1 reads the counter once before it trusts itself.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, admin) = app.signed_in(Role::Admin).await;

    assert_executed(&post(&app, other.address, None, PRODUCT, product_vars(1)).await);
    // Gone from Redis, the entry is still served, by the reader's L1.
    delete_response_entries(redis.url(), &prefix).await;
    let from_l1 = post(&app, other.address, None, PRODUCT, product_vars(1)).await;
    assert_hit(&from_l1);

    set_price(&app, app.address, &admin, 1, "0.03").await;
    let after = post(&app, other.address, None, PRODUCT, product_vars(1)).await;
    assert_executed(&after);
    assert_eq!(after["data"]["product"]["price"]["amount"], "0.03");
    assert_ne!(from_l1["data"], after["data"]);
}

#[tokio::test]
async fn a_redis_outage_is_only_a_miss() {
    let mut redis = OwnedRedis::start().await;
    let prefix = unique_prefix();
    let app = spawn_app_with(cached(Some((&redis.url, &prefix)))).await;
    post(&app, app.address, None, CATALOG, json!({})).await;
    assert_hit(&post(&app, app.address, None, CATALOG, json!({})).await);

    redis.kill();
    for _ in 0..5 {
        assert_executed(&post(&app, app.address, None, CATALOG, json!({})).await);
    }
    // Still ready: every instance keeps serving from the database.
    app.wait_for_readiness("redis", "failing").await;
    assert_eq!(app.get_page("/readyz", "*/*").await.status(), 200);

    redis.restart().await;
    let mut served = false;
    for _ in 0..50 {
        let body = post(&app, app.address, None, CATALOG, json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
        if stat(&body, "cacheHits") == 1 {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(served, "the cache never served again after Redis came back");
}

#[tokio::test]
async fn an_instance_started_while_redis_is_down_serves_and_says_so() {
    let down = OwnedRedis::start().await;
    let url = down.url.clone();
    drop(down);
    let app = spawn_app_with(cached(Some((&url, &unique_prefix())))).await;
    for _ in 0..3 {
        assert_executed(&post(&app, app.address, None, CATALOG, json!({})).await);
    }
    let ready = app.get_page("/readyz", "*/*").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.expect("a JSON body");
    assert_eq!(body["redis"], "failing", "{body}");
}

#[tokio::test]
async fn redis_holds_no_private_data_and_no_signed_in_response() {
    let redis = TestRedis::get().await;
    let prefix = unique_prefix();
    let app = spawn_app_with(cached(Some((redis.url(), &prefix)))).await;
    let (_, token) = app.signed_in(Role::Customer).await;
    let email = app.data_as(&token, "{ viewer { email } }", json!({})).await["viewer"]["email"]
        .as_str()
        .expect("an email")
        .to_owned();
    let order = "mutation($id: ID!) { placeOrder(input: { items: [{ productId: $id, quantity: 1 }] }) { number } }";
    let placed = app.data_as(&token, order, product_vars(3)).await;
    let number = placed["placeOrder"]["number"]
        .as_str()
        .expect("a number")
        .to_owned();
    for query in [
        "{ viewer { id name email orders(first: 5) { nodes { number } } } }",
        "{ orders(first: 5) { nodes { number total { amount } } } }",
    ] {
        app.data_as(&token, query, json!({})).await;
        app.data_as(&token, query, json!({})).await;
    }
    // A public read, signed in: its entry holds only public data.
    app.data_as(&token, CATALOG, json!({})).await;

    let (mut connection, keys) = keys_matching(redis.url(), &format!("{prefix}*")).await;
    let entries = keys.iter().filter(|key| key.contains("{rc}:v1:")).count();
    assert_eq!(entries, 1, "only the catalog page is cached: {keys:?}");
    for key in &keys {
        let kind: String = redis::cmd("TYPE")
            .arg(key)
            .query_async(&mut connection)
            .await
            .expect("TYPE");
        let text = match kind.as_str() {
            "hash" => {
                let fields: Vec<String> = redis::cmd("HVALS")
                    .arg(key)
                    .query_async(&mut connection)
                    .await
                    .expect("HVALS");
                fields.join(" ")
            }
            // An entry invalidated or expired since KEYS holds nothing.
            "string" => redis::cmd("GET")
                .arg(key)
                .query_async::<Option<String>>(&mut connection)
                .await
                .expect("GET")
                .unwrap_or_default(),
            _ => String::new(),
        };
        for secret in [
            email.as_str(),
            number.as_str(),
            token.as_str(),
            "\"viewer\":",
            "\"orders\":",
        ] {
            assert!(!text.contains(secret), "{key} holds {secret}: {text}");
        }
    }
}
