//! The entity cache under the loaders: warm reads send fewer statements and
//! return the same data; a committed write is seen by every later read on
//! every instance (in one process, or two server processes), through the
//! L1 and Redis alike; a reader's late
//! write-back cannot hide a write; Redis failing costs no request; and
//! Redis never holds an address.

use std::{net::SocketAddr, time::Duration};

use serde_json::{Value, json};
use storefront::{auth::Role, config::Settings, schema::ids::NodeKind};

use crate::helpers::{
    TestApp, gid,
    process::ServerProcess,
    redis_server::{OwnedRedis, TestRedis, keys_matching, unique_prefix},
    spawn_app, spawn_app_with,
};

/// A catalog page: products with their category, rating and newest
/// reviews with their authors.
const CATALOG: &str = "query Catalog {
  products(first: 8, orderBy: { field: PRICE, direction: ASC }) {
    nodes {
      id name stock price { amount }
      category { name }
      rating { average count }
      reviews(first: 3) { nodes { rating body author { name } } }
    }
  }
}";

const PRODUCT: &str = "query Product($id: ID!) {
  product(id: $id) { name stock price { amount } rating { count } category { name } }
}";

const NODE: &str = "query Node($id: ID!) {
  node(id: $id) { ... on Product { price { amount } } }
}";

const CATEGORY: &str = "query Category($id: ID!) {
  category(id: $id) { name products(first: 50) { nodes { id price { amount } } } }
}";

const MY_ORDERS: &str =
    "{ viewer { orders(first: 5) { nodes { items { product { id price { amount } } } } } } }";

const PLACE_ORDER: &str =
    "mutation($id: ID!) { placeOrder(input: { items: [{ productId: $id, quantity: 1 }] }) { id } }";

/// Where the entity cache lives in a test.
#[derive(Clone, Copy)]
pub(crate) enum Tier<'a> {
    /// In process (no Redis).
    InProcess,
    /// Redis under a prefix, with or without the L1 in front.
    Redis {
        url: &'a str,
        prefix: &'a str,
        l1: bool,
    },
}

/// The entity cache on (the response cache off, unless `responses`).
fn entity_cached(tier: Tier<'_>, responses: bool) -> impl Fn(&mut Settings) + use<> {
    let redis = match tier {
        Tier::InProcess => None,
        Tier::Redis { url, prefix, l1 } => Some((url.to_owned(), prefix.to_owned(), l1)),
    };
    move |settings: &mut Settings| {
        settings.cache.entity_ttl = Duration::from_secs(300);
        if responses {
            settings.cache.response_ttl = Duration::from_secs(300);
        }
        settings.redis.url = redis.as_ref().map(|(url, _, _)| url.clone().into());
        if let Some((_, prefix, l1)) = &redis {
            settings.redis.prefix.clone_from(prefix);
            settings.cache.entity_l1_ttl = if *l1 {
                Duration::from_secs(30)
            } else {
                Duration::ZERO
            };
        }
    }
}

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
    let body: Value = request
        .send()
        .await
        .expect("a response")
        .json()
        .await
        .expect("a JSON body");
    assert!(body.get("errors").is_none(), "{body}");
    body
}

fn stat(body: &Value, name: &str) -> u64 {
    body["extensions"]["stats"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no stats.{name} in {body}"))
}

fn product_vars(product: i64) -> Value {
    json!({ "id": gid(NodeKind::Product, product) })
}

/// Runs the catalog page cold, then warm until the cache answers, and
/// checks the warm runs send fewer statements for the same data.
async fn warm_catalog_is_cheaper(app: &TestApp) {
    let cold = post(app, app.address, None, CATALOG, json!({})).await;
    assert_eq!(stat(&cold, "cacheHits"), 0, "{cold}");
    assert!(stat(&cold, "cacheMisses") > 0, "{cold}");
    let cold_statements = stat(&cold, "sqlStatements");
    let warm = post(app, app.address, None, CATALOG, json!({})).await;
    assert_eq!(warm["data"], cold["data"]);
    assert!(stat(&warm, "cacheHits") > 0, "{warm}");
    assert_eq!(stat(&warm, "cacheMisses"), 0, "{warm}");
    assert!(
        stat(&warm, "sqlStatements") < cold_statements,
        "warm {warm} against cold {cold_statements} statements"
    );
}

#[tokio::test]
async fn a_warm_catalog_sends_fewer_statements_for_the_same_data() {
    let app = spawn_app_with(entity_cached(Tier::InProcess, false)).await;
    warm_catalog_is_cheaper(&app).await;
    // Every part of the page is cached: the listing, categories, ratings,
    // review pages and authors.
    let warm = post(&app, app.address, None, CATALOG, json!({})).await;
    assert_eq!(stat(&warm, "sqlStatements"), 0, "{warm}");
}

#[tokio::test]
async fn redis_alone_serves_a_warm_catalog_to_another_instance() {
    let redis = TestRedis::get().await;
    let prefix = unique_prefix();
    let tier = Tier::Redis {
        url: redis.url(),
        prefix: &prefix,
        l1: false,
    };
    let app = spawn_app_with(entity_cached(tier, false)).await;
    warm_catalog_is_cheaper(&app).await;
    // The other instance has no L1: its hits come from Redis.
    let other = app.another_instance(entity_cached(tier, false)).await;
    let hits = app
        .metric("entity_cache_hits_total", &["tier=\"redis\""])
        .await;
    let shared = post(&app, other.address, None, CATALOG, json!({})).await;
    assert!(stat(&shared, "cacheHits") > 0, "{shared}");
    assert!(
        app.metric("entity_cache_hits_total", &["tier=\"redis\""])
            .await
            > hits
    );
}

/// Warms every read of product 1 on `read` (and an order of it for a
/// shopper), changes its price through `write`, and checks each read on
/// `read` shows the new price at once.
async fn every_read_shows_a_new_price(app: &TestApp, read: SocketAddr, write: SocketAddr) {
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, shopper) = app.signed_in(Role::Customer).await;
    post(app, write, Some(&shopper), PLACE_ORDER, product_vars(1)).await;
    let product = app.product_row(1).await;
    let category = json!({ "id": gid(NodeKind::Category, product.category_id) });
    for _ in 0..2 {
        post(app, read, None, PRODUCT, product_vars(1)).await;
        post(app, read, None, NODE, product_vars(1)).await;
        post(app, read, None, CATALOG, json!({})).await;
        post(app, read, None, CATEGORY, category.clone()).await;
        post(app, read, Some(&shopper), MY_ORDERS, json!({})).await;
    }
    let warm = post(app, read, None, PRODUCT, product_vars(1)).await;
    assert!(stat(&warm, "cacheHits") > 0, "{warm}");

    let update = "mutation($id: ID!) { updateProduct(id: $id, input: { price: \"0.03\" }) { id } }";
    post(app, write, Some(&admin), update, product_vars(1)).await;

    let by_id = post(app, read, None, PRODUCT, product_vars(1)).await;
    assert_eq!(by_id["data"]["product"]["price"]["amount"], "0.03");
    let node = post(app, read, None, NODE, product_vars(1)).await;
    assert_eq!(node["data"]["node"]["price"]["amount"], "0.03");
    let page = post(app, read, None, CATALOG, json!({})).await;
    assert_eq!(
        page["data"]["products"]["nodes"][0]["price"]["amount"],
        "0.03"
    );
    let listed = post(app, read, None, CATEGORY, category).await;
    let in_category = listed["data"]["category"]["products"]["nodes"]
        .as_array()
        .expect("products")
        .iter()
        .find(|node| node["id"] == gid(NodeKind::Product, 1))
        .expect("the product in its category")
        .clone();
    assert_eq!(in_category["price"]["amount"], "0.03");
    let orders = post(app, read, Some(&shopper), MY_ORDERS, json!({})).await;
    let ordered = &orders["data"]["viewer"]["orders"]["nodes"][0]["items"][0]["product"];
    assert_eq!(ordered["id"], gid(NodeKind::Product, 1));
    assert_eq!(ordered["price"]["amount"], "0.03");
}

/// Warms product 2 on `read`, then adds a review and places an order
/// through `write`: the next reads on `read` show the new rating count and
/// stock.
async fn reviews_and_orders_show_at_once(app: &TestApp, read: SocketAddr, write: SocketAddr) {
    let (_, shopper) = app.signed_in(Role::Customer).await;
    post(app, read, None, PRODUCT, product_vars(2)).await;
    let before = post(app, read, None, PRODUCT, product_vars(2)).await;
    assert!(stat(&before, "cacheHits") > 0, "{before}");
    let count = before["data"]["product"]["rating"]["count"]
        .as_i64()
        .expect("a count");
    let stock = before["data"]["product"]["stock"]
        .as_i64()
        .expect("a stock");

    let review = "mutation($id: ID!) { addReview(productId: $id, input: { rating: 4, body: \"Fine\" }) { id } }";
    post(app, write, Some(&shopper), review, product_vars(2)).await;
    let rated = post(app, read, None, PRODUCT, product_vars(2)).await;
    assert_eq!(rated["data"]["product"]["rating"]["count"], count + 1);

    post(app, read, None, PRODUCT, product_vars(2)).await;
    post(app, write, Some(&shopper), PLACE_ORDER, product_vars(2)).await;
    let stocked = post(app, read, None, PRODUCT, product_vars(2)).await;
    assert_eq!(stocked["data"]["product"]["stock"], stock - 1);
}

/// Warms product 3 with its category on `read` (one entry holds both),
/// renames the category through `write`: the next read on `read` shows the
/// new name.
async fn a_renamed_category_shows_at_once(app: &TestApp, read: SocketAddr, write: SocketAddr) {
    let (_, admin) = app.signed_in(Role::Admin).await;
    let category = app.product_row(3).await.category_id;
    post(app, read, None, PRODUCT, product_vars(3)).await;
    let warm = post(app, read, None, PRODUCT, product_vars(3)).await;
    assert!(stat(&warm, "cacheHits") > 0, "{warm}");
    assert_eq!(stat(&warm, "sqlStatements"), 0, "{warm}");

    let rename =
        "mutation($id: ID!) { updateCategory(id: $id, input: { name: \"Renamed Shelf\" }) { id } }";
    let id = json!({ "id": gid(NodeKind::Category, category) });
    post(app, write, Some(&admin), rename, id).await;

    let renamed = post(app, read, None, PRODUCT, product_vars(3)).await;
    assert_eq!(
        renamed["data"]["product"]["category"]["name"],
        "Renamed Shelf"
    );
}

#[tokio::test]
async fn a_committed_write_is_seen_by_the_next_read_in_process() {
    let app = spawn_app_with(entity_cached(Tier::InProcess, false)).await;
    every_read_shows_a_new_price(&app, app.address, app.address).await;
    reviews_and_orders_show_at_once(&app, app.address, app.address).await;
    a_renamed_category_shows_at_once(&app, app.address, app.address).await;
}

/// Two instances on one database and the Redis at `url`: writes on the
/// first are seen by the very next reads on the second.
pub(crate) async fn instances_agree(url: &str, l1: bool, responses: bool) {
    let prefix = unique_prefix();
    let tier = Tier::Redis {
        url,
        prefix: &prefix,
        l1,
    };
    let app = spawn_app_with(entity_cached(tier, responses)).await;
    let other = app.another_instance(entity_cached(tier, responses)).await;
    every_read_shows_a_new_price(&app, other.address, app.address).await;
    reviews_and_orders_show_at_once(&app, other.address, app.address).await;
    a_renamed_category_shows_at_once(&app, other.address, app.address).await;
}

#[tokio::test]
async fn instances_see_each_others_writes_through_their_l1() {
    let redis = TestRedis::get().await;
    instances_agree(redis.url(), true, false).await;
}

#[tokio::test]
async fn instances_see_each_others_writes_through_redis_alone() {
    let redis = TestRedis::get().await;
    instances_agree(redis.url(), false, false).await;
}

#[tokio::test]
async fn instances_see_each_others_writes_with_both_caches() {
    let redis = TestRedis::get().await;
    instances_agree(redis.url(), true, true).await;
}

/// Two `storefront serve` processes on one database and one Redis, with
/// the entity cache, the response cache and both L1s on: each read on one
/// shows the other's writes at once.
#[tokio::test]
async fn two_server_processes_see_each_others_writes() {
    let redis = TestRedis::get().await;
    let prefix = unique_prefix();
    // The database, and the keys to mint the processes' tokens.
    let app = spawn_app().await;
    let env = [
        ("REDIS_URL", redis.url()),
        ("STOREFRONT_REDIS_PREFIX", prefix.as_str()),
        ("STOREFRONT_ENV", "development"),
        ("STOREFRONT_ENTITY_CACHE_TTL", "5m"),
        ("STOREFRONT_RESPONSE_CACHE_TTL", "5m"),
    ];
    let writer = ServerProcess::start(&app.database_url, &env).await;
    let reader = ServerProcess::start(&app.database_url, &env).await;
    every_read_shows_a_new_price(&app, reader.address, writer.address).await;
    reviews_and_orders_show_at_once(&app, reader.address, writer.address).await;
}

/// A miss whose write-back waits 800 ms, and a write that commits inside
/// that gap: every later read shows the write.
pub(crate) async fn a_write_inside_a_readers_gap_is_seen(tier: Tier<'_>) {
    let cached = entity_cached(tier, false);
    let app = spawn_app_with(move |settings: &mut Settings| {
        cached(settings);
        settings.cache.entity_store_delay = Duration::from_millis(800);
    })
    .await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    // The tier whose write-back the write must void.
    let tier = match tier {
        Tier::InProcess => "tier=\"l1\"",
        Tier::Redis { .. } => "tier=\"redis\"",
    };
    let refused = app
        .metric("entity_cache_stores_refused_total", &[tier])
        .await;
    let reader = post(&app, app.address, None, PRODUCT, product_vars(1));
    let writer = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let update =
            "mutation($id: ID!) { updateProduct(id: $id, input: { price: \"0.04\" }) { id } }";
        post(&app, app.address, Some(&admin), update, product_vars(1)).await;
    };
    let (stale, ()) = tokio::join!(reader, writer);
    assert_ne!(stale["data"]["product"]["price"]["amount"], "0.04");
    assert!(
        app.metric("entity_cache_stores_refused_total", &[tier])
            .await
            > refused
    );
    for _ in 0..3 {
        let after = post(&app, app.address, None, PRODUCT, product_vars(1)).await;
        assert_eq!(
            after["data"]["product"]["price"]["amount"], "0.04",
            "{after}"
        );
    }
}

#[tokio::test]
async fn a_late_write_back_never_hides_a_write_in_process() {
    a_write_inside_a_readers_gap_is_seen(Tier::InProcess).await;
}

#[tokio::test]
async fn a_late_write_back_never_hides_a_write_in_redis() {
    let redis = TestRedis::get().await;
    for l1 in [true, false] {
        // Each app has its own database: it needs its own prefix too.
        let prefix = unique_prefix();
        let tier = Tier::Redis {
            url: redis.url(),
            prefix: &prefix,
            l1,
        };
        a_write_inside_a_readers_gap_is_seen(tier).await;
    }
}

#[tokio::test]
async fn a_redis_outage_fails_no_request_and_the_cache_comes_back() {
    let mut redis = OwnedRedis::start().await;
    let prefix = unique_prefix();
    let tier = Tier::Redis {
        url: &redis.url,
        prefix: &prefix,
        l1: true,
    };
    let app = spawn_app_with(entity_cached(tier, false)).await;
    post(&app, app.address, None, CATALOG, json!({})).await;

    let load = async {
        let mut served = 0;
        for _ in 0..40 {
            // `post` fails the test on any error.
            post(&app, app.address, None, CATALOG, json!({})).await;
            served += 1;
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        served
    };
    let outage = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        redis.kill();
    };
    let (served, ()) = tokio::join!(load, outage);
    assert_eq!(served, 40);
    app.wait_for_readiness("redis", "failing").await;

    redis.restart().await;
    let mut back = false;
    for _ in 0..50 {
        post(&app, app.address, None, CATALOG, json!({})).await;
        let body = post(&app, app.address, None, CATALOG, json!({})).await;
        if stat(&body, "cacheHits") > 0 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        back,
        "the entity cache never served again after Redis came back"
    );
}

#[tokio::test]
async fn redis_holds_no_address_of_a_cached_user() {
    let redis = TestRedis::get().await;
    let prefix = unique_prefix();
    let tier = Tier::Redis {
        url: redis.url(),
        prefix: &prefix,
        // No L1: warm authors come from Redis, without their address.
        l1: false,
    };
    let app = spawn_app_with(entity_cached(tier, false)).await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    // Authors through the cache, and their addresses shown to an admin.
    let authors = "{ products(first: 8) { nodes { reviews(first: 3) { nodes { author { name email } } } } } }";
    post(&app, app.address, Some(&admin), authors, json!({})).await;
    let shown = post(&app, app.address, Some(&admin), authors, json!({})).await;
    assert!(stat(&shown, "cacheHits") > 0, "{shown}");
    let authors: Vec<&Value> = shown["data"]["products"]["nodes"]
        .as_array()
        .expect("products")
        .iter()
        .flat_map(|product| product["reviews"]["nodes"].as_array().into_iter().flatten())
        .map(|review| &review["author"])
        .collect();
    let field = |name: &str| -> Vec<String> {
        authors
            .iter()
            .map(|author| {
                author[name]
                    .as_str()
                    .expect("an admin sees every author's name and address")
                    .to_owned()
            })
            .collect()
    };
    let (names, emails) = (field("name"), field("email"));
    assert!(!emails.is_empty(), "{shown}");

    // The authors are cached with their review pages, names and all.
    let (mut connection, keys) = keys_matching(redis.url(), &format!("{prefix}*")).await;
    let mut cached = String::new();
    for key in keys.iter().filter(|key| key.contains("{rc}:e")) {
        let values: Vec<Vec<u8>> = redis::cmd("HVALS")
            .arg(key)
            .query_async(&mut connection)
            .await
            .expect("HVALS");
        let text = String::from_utf8_lossy(&values.concat()).into_owned();
        for email in &emails {
            assert!(!text.contains(email.as_str()), "{key} holds {email}");
        }
        cached.push_str(&text);
    }
    assert!(
        names.iter().all(|name| cached.contains(name.as_str())),
        "the authors {names:?} are not all cached: {keys:?}"
    );
}
