//! The `Authorization` header decides the viewer for the whole request: a
//! bad token fails it, and is never treated as anonymous.

use reqwest::StatusCode;
use serde_json::json;
use storefront::auth::Role;

use crate::helpers::{error_code, spawn_app, user_global_id};

#[tokio::test]
async fn a_garbage_bearer_token_fails_the_request_with_unauthenticated() {
    let app = spawn_app().await;

    let reply = app
        .gql_as(
            "not-a-jwt",
            "{ products(first: 1) { totalCount } }",
            json!({}),
        )
        .await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&reply.body), "UNAUTHENTICATED");
    assert!(reply.body.get("data").is_none());
    assert!(
        reply.headers["www-authenticate"]
            .to_str()
            .unwrap_or_default()
            .starts_with("Bearer")
    );
}

#[tokio::test]
async fn a_valid_token_is_accepted_for_public_reads() {
    let app = spawn_app().await;
    let (user, token) = app.signed_in(Role::Customer).await;

    let data = app
        .data_as(
            &token,
            "{ viewer { id } products(first: 1) { totalCount } }",
            json!({}),
        )
        .await;

    assert_eq!(data["viewer"]["id"], user_global_id(user));
    assert!(data["products"]["totalCount"].as_i64() > Some(0));
}
