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
    let prefix = unique_prefix();
    let url = redis.url().to_owned();
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
