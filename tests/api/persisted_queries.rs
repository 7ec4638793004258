//! Automatic persisted queries (Apollo's protocol) over POST and GET, shared
//! between instances through Redis, and HTTP caching of GET answers.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use storefront::config::Settings;

use crate::helpers::{
    Reply, TestApp,
    redis_server::{TestRedis, unique_prefix},
    spawn_app, spawn_app_with,
};

const CATALOG: &str = "{ products(first: 3) { nodes { name price { amount } } } }";

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn extension(text: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(text) } })
}

async fn post(app: &TestApp, address: std::net::SocketAddr, body: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!("http://{address}/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&body)
        .send()
        .await
        .expect("a response");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

/// GETs a persisted query by hash alone.
async fn get_by_hash(app: &TestApp, text: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let extensions = extension(text).to_string();
    let mut request = app
        .client
        .get(app.url("/graphql"))
        .query(&[("extensions", extensions.as_str())])
        .header("accept", "application/json");
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.send().await.expect("a response")
}

#[tokio::test]
async fn an_unknown_hash_is_not_found_until_the_document_is_sent_with_it() {
    let app = spawn_app().await;

    let (status, body) = post(
        &app,
        app.address,
        json!({ "extensions": extension(CATALOG) }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");

    let (status, registered) = post(
        &app,
        app.address,
        json!({ "query": CATALOG, "extensions": extension(CATALOG) }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{registered}");
    let (status, replayed) = post(
        &app,
        app.address,
        json!({ "extensions": extension(CATALOG) }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replayed}");
    assert_eq!(replayed["data"], registered["data"]);
    assert!(replayed["data"]["products"]["nodes"][0]["name"].is_string());
}

#[tokio::test]
async fn a_hash_that_does_not_match_its_document_is_refused() {
    let app = spawn_app().await;
    let body = json!({ "query": CATALOG, "extensions": extension("{ __typename }") });
    let (status, body) = post(&app, app.address, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let wrong_version = json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": sha256(CATALOG) } } });
    let (status, body) = post(&app, app.address, wrong_version).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn a_document_registered_on_one_instance_replays_on_another() {
    let redis = TestRedis::get().await;
    documents_replay_across_instances(redis.url()).await;
}

/// Two instances on the Redis at `url`: a document registered by hash on
/// one replays by hash on the other.
pub(crate) async fn documents_replay_across_instances(url: &str) {
    let prefix = unique_prefix();
    let url = url.to_owned();
    let shared = move |settings: &mut Settings| {
        settings.redis.url = Some(url.clone().into());
        settings.redis.prefix.clone_from(&prefix);
    };
    let app = spawn_app_with(&shared).await;
    let other = app.another_instance(&shared).await;

    let register = json!({ "query": CATALOG, "extensions": extension(CATALOG) });
    let (status, registered) = post(&app, app.address, register).await;
    assert_eq!(status, StatusCode::OK, "{registered}");
    let (status, replayed) = post(
        &app,
        other.address,
        json!({ "extensions": extension(CATALOG) }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replayed}");
    assert_eq!(replayed["data"], registered["data"]);
}

#[tokio::test]
async fn a_public_get_is_cacheable_with_an_etag_and_revalidates_to_304() {
    let app = spawn_app().await;
    let register = json!({ "query": CATALOG, "extensions": extension(CATALOG) });
    post(&app, app.address, register).await;

    let first = get_by_hash(&app, CATALOG, &[]).await;
    assert_eq!(first.status(), StatusCode::OK);
    let headers = first.headers().clone();
    assert_eq!(headers["cache-control"], "public, max-age=60");
    let etag = headers["etag"].to_str().expect("an ETag").to_owned();
    let body: Value = first.json().await.expect("a JSON body");
    assert!(body["data"]["products"]["nodes"].is_array(), "{body}");

    let revalidated = get_by_hash(&app, CATALOG, &[("if-none-match", &etag)]).await;
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(revalidated.headers()["etag"], etag.as_str());
    assert!(revalidated.bytes().await.expect("a body").is_empty());

    let changed = get_by_hash(&app, CATALOG, &[("if-none-match", "\"other\"")]).await;
    assert_eq!(changed.status(), StatusCode::OK);
}

#[tokio::test]
async fn signed_in_or_private_gets_are_never_shared() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in(storefront::auth::Role::Customer).await;
    let signed_in = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", CATALOG)])
        .header("accept", "application/json")
        .bearer_auth(&token)
        .send()
        .await
        .expect("a response");
    assert_eq!(signed_in.headers()["cache-control"], "private, no-store");

    let private: Reply = app
        .get(&[("query", "{ viewer { id } }")], "application/json")
        .await;
    assert_eq!(private.status, StatusCode::OK, "{}", private.body);
    assert_eq!(private.headers["cache-control"], "private, no-store");

    let failing = app
        .get(
            &[("query", "{ products(first: 500) { nodes { id } } }")],
            "application/json",
        )
        .await;
    assert_eq!(failing.headers["cache-control"], "private, no-store");
}

#[tokio::test]
async fn a_persisted_mutation_is_refused_over_get() {
    let app = spawn_app().await;
    let mutation = "mutation { logout(refreshToken: \"x\") }";
    let register = json!({ "query": mutation, "extensions": extension(mutation) });
    post(&app, app.address, register).await;
    let response = get_by_hash(&app, mutation, &[]).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// Runs `storefront persisted add FILES…` on the app's database.
fn persisted_add(app: &TestApp, files: &[&std::path::Path]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_storefront"))
        .args(["persisted", "add"])
        .args(files)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run storefront")
}

const STOCK: &str = "subscription { stockChanges { stock } }";

#[tokio::test]
async fn trusted_documents_mode_runs_only_registered_documents() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("catalog.graphql");
    std::fs::write(&file, CATALOG).expect("write the document");
    let manifest = dir.path().join("manifest.json");
    let operations = json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{ "id": sha256(STOCK), "name": null, "type": "subscription", "body": STOCK }],
    });
    std::fs::write(&manifest, operations.to_string()).expect("write the manifest");

    let added = persisted_add(&app, &[&file, &manifest]);
    assert!(added.status.success(), "{added:?}");
    assert_eq!(
        String::from_utf8_lossy(&added.stdout).trim(),
        "2 new of 2 documents registered"
    );
    let again = persisted_add(&app, &[&file]);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "0 new of 1 documents registered"
    );
    let broken = dir.path().join("broken.graphql");
    std::fs::write(&broken, "{ products {").expect("write");
    let refused = persisted_add(&app, &[&broken]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("does not parse"),
        "{refused:?}"
    );

    let trusted = app
        .another_instance(|settings: &mut Settings| settings.persisted.only = true)
        .await;
    let (status, by_text) = post(&app, trusted.address, json!({ "query": CATALOG })).await;
    assert_eq!(status, StatusCode::OK, "{by_text}");
    let (status, by_hash) = post(
        &app,
        trusted.address,
        json!({ "extensions": extension(CATALOG) }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{by_hash}");
    assert_eq!(by_hash["data"], by_text["data"]);

    let other = "{ categories(first: 1) { nodes { name } } }";
    for body in [
        json!({ "query": other }),
        json!({ "query": other, "extensions": extension(other) }),
    ] {
        let (status, refused) = post(&app, trusted.address, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(
            refused["errors"][0]["extensions"]["code"],
            "PERSISTED_QUERY_NOT_IN_LIST"
        );
    }
    let (status, unknown) = post(
        &app,
        trusted.address,
        json!({ "extensions": extension(other) }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");

    let mut socket = crate::helpers::ws::WsClient::connect(trusted.address, json!({})).await;
    socket
        .subscribe(
            "refused",
            "subscription { stockChanges { delta } }",
            json!({}),
        )
        .await;
    let error = socket.recv().await;
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_IN_LIST"
    );
    socket.subscribe("registered", STOCK, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, admin) = app.signed_in(storefront::auth::Role::Admin).await;
    let adjust = "mutation($id: ID!) { adjustStock(productId: $id, delta: 3) { stock } }";
    let product =
        json!({ "id": crate::helpers::gid(storefront::schema::ids::NodeKind::Product, 1) });
    let adjusted = app.data_as(&admin, adjust, product).await;
    let event = socket.next_data("registered").await;
    assert_eq!(
        event["stockChanges"]["stock"],
        adjusted["adjustStock"]["stock"]
    );
}
