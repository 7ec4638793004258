//! Accounts: registration with its validation rules, password sign-in,
//! `viewer`, who sees an email, and the admin-only `users` list.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use storefront::{auth::Role, entities::refresh_tokens};

use crate::helpers::{TestApp, assert_error, error_code, only_error, spawn_app, user_global_id};

const REGISTER: &str = "mutation($input: RegisterInput!) { register(input: $input) { \
    accessToken refreshToken expiresAt refreshTokenExpiresAt user { id email name role } } }";

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { \
    accessToken user { id email role } } }";

async fn register(app: &TestApp, email: &str, password: &str, name: &str) -> Value {
    app.gql(
        REGISTER,
        json!({ "input": { "email": email, "password": password, "name": name } }),
    )
    .await
}

async fn refresh_token_count(app: &TestApp) -> u64 {
    refresh_tokens::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

/// Registering with one input field changed must fail with `code` on
/// `field` and write nothing.
async fn assert_register_fails(
    app: &TestApp,
    (email, password, name): (&str, &str, &str),
    code: &str,
    field: &str,
) {
    let users_before = app.user_count().await;
    let tokens_before = refresh_token_count(app).await;

    let body = register(app, email, password, name).await;

    assert_error(&body, code, Some(field));
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(app.user_count().await, users_before);
    assert_eq!(refresh_token_count(app).await, tokens_before);
}

const GOOD_PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn register_creates_a_customer_signs_it_in_and_stores_only_hashes() {
    let app = spawn_app().await;

    let body = register(
        &app,
        "  Grace.Hopper@Example.COM ",
        GOOD_PASSWORD,
        " Grace ",
    )
    .await;

    let payload = &body["data"]["register"];
    assert_eq!(
        payload["user"]["email"], "grace.hopper@example.com",
        "{body}"
    );
    assert_eq!(payload["user"]["name"], "Grace");
    assert_eq!(payload["user"]["role"], "CUSTOMER");
    let user = app.user_by_email("grace.hopper@example.com").await;
    assert_eq!(payload["user"]["id"], user_global_id(user.id));
    assert_eq!(user.role, Role::Customer);
    assert!(
        user.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        user.password_hash
    );
    let refresh = payload["refreshToken"].as_str().expect("refresh token");
    let rows = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::UserId.eq(user.id))
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].token_hash,
        format!("{:x}", Sha256::digest(refresh.as_bytes()))
    );
    let access = payload["accessToken"].as_str().expect("access token");
    let viewer = app
        .data_as(access, "{ viewer { id email } }", json!({}))
        .await;
    assert_eq!(viewer["viewer"]["id"], user_global_id(user.id));
    assert_eq!(viewer["viewer"]["email"], "grace.hopper@example.com");
}

#[tokio::test]
async fn register_with_a_taken_email_in_any_case_is_a_conflict_on_input_email() {
    let app = spawn_app().await;

    assert_register_fails(
        &app,
        (" ADMIN@example.com", GOOD_PASSWORD, "Impostor"),
        "CONFLICT",
        "input.email",
    )
    .await;
}

#[tokio::test]
async fn register_rejects_a_malformed_email_on_input_email() {
    let app = spawn_app().await;

    assert_register_fails(
        &app,
        ("ada@localhost", GOOD_PASSWORD, "Ada"),
        "BAD_USER_INPUT",
        "input.email",
    )
    .await;
}

#[tokio::test]
async fn login_accepts_the_email_in_any_case_and_shows_the_user_their_email() {
    let app = spawn_app().await;

    let data = app
        .data(
            LOGIN,
            json!({ "input": { "email": " Admin@Example.com ", "password": "storefront-demo" } }),
        )
        .await;

    let user = &data["login"]["user"];
    assert_eq!(user["id"], user_global_id(1));
    assert_eq!(user["email"], "admin@example.com");
    assert_eq!(user["role"], "ADMIN");
    let claims = app
        .keys
        .verify(data["login"]["accessToken"].as_str().expect("token"))
        .expect("a valid access token");
    assert_eq!(claims.sub, "1");
    assert_eq!(claims.role, Role::Admin);
}

#[tokio::test]
async fn login_answers_one_generic_unauthenticated_for_a_wrong_password_or_an_unknown_email() {
    let app = spawn_app().await;
    let tokens_before = refresh_token_count(&app).await;

    let mut answers = Vec::new();
    for (email, password) in [
        ("admin@example.com", "wrong-password"),
        ("nobody@example.com", "storefront-demo"),
        ("admin@example.com", &"x".repeat(10_000)),
    ] {
        let body = app
            .gql(
                LOGIN,
                json!({ "input": { "email": email, "password": password } }),
            )
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
        assert!(body["data"].is_null(), "{body}");
        answers.push(only_error(&body)["message"].clone());
    }

    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "{answers:?}"
    );
    assert_eq!(refresh_token_count(&app).await, tokens_before);
}

#[tokio::test]
async fn viewer_is_null_when_anonymous() {
    let app = spawn_app().await;

    let data = app.data("{ viewer { id } }", json!({})).await;

    assert!(data["viewer"].is_null());
}

#[tokio::test]
async fn an_email_is_shown_to_its_user_and_to_admins_only() {
    let app = spawn_app().await;
    let (owner, owner_token) = app.signed_in(Role::Customer).await;
    let (_, other_token) = app.signed_in(Role::Customer).await;
    let (_, admin_token) = app.signed_in(Role::Admin).await;
    let query = "query($id: ID!) { node(id: $id) { ... on User { email name } } }";
    let vars = json!({ "id": user_global_id(owner) });

    let as_owner = app.data_as(&owner_token, query, vars.clone()).await;
    let as_admin = app.data_as(&admin_token, query, vars.clone()).await;
    let as_other = app.data_as(&other_token, query, vars.clone()).await;
    let as_anonymous = app.data(query, vars).await;

    let email = as_owner["node"]["email"].as_str().expect("own email");
    assert!(email.ends_with("@test.example"));
    assert_eq!(as_admin["node"]["email"], email);
    assert!(as_other["node"]["email"].is_null());
    assert!(as_other["node"]["name"].is_string());
    assert!(as_anonymous["node"]["email"].is_null());
}

const USERS: &str = "query($first: Int, $after: String) { users(first: $first, after: $after) { \
    totalCount nodes { id createdAt } pageInfo { hasNextPage endCursor } } }";

#[tokio::test]
async fn users_is_unauthenticated_for_anonymous_callers_and_forbidden_to_customers() {
    let app = spawn_app().await;
    let (_, customer) = app.signed_in(Role::Customer).await;

    let anonymous = app.gql(USERS, json!({})).await;
    let as_customer = app.gql_as(&customer, USERS, json!({})).await;

    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    assert!(anonymous["data"].is_null());
    assert_eq!(error_code(&as_customer.body), "FORBIDDEN");
    assert!(as_customer.body["data"].is_null());
}

#[tokio::test]
async fn users_pages_every_account_newest_first_for_admins() {
    let app = spawn_app().await;
    let newest = app.create_user(Role::Customer).await;
    let token = app.token(1, Role::Admin);
    let total = app.user_count().await;

    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data_as(&token, USERS, json!({ "first": 4, "after": after }))
            .await;
        let page = &data["users"];
        assert_eq!(page["totalCount"].as_u64(), Some(total));
        seen.extend(page["nodes"].as_array().expect("nodes").iter().cloned());
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }

    assert_eq!(seen.len() as u64, total);
    assert_eq!(seen[0]["id"], user_global_id(newest));
    let times: Vec<&str> = seen
        .iter()
        .map(|user| user["createdAt"].as_str().expect("createdAt"))
        .collect();
    let parsed: Vec<chrono::DateTime<chrono::Utc>> = times
        .iter()
        .map(|time| time.parse().expect("RFC 3339"))
        .collect();
    assert!(
        parsed.windows(2).all(|pair| pair[0] >= pair[1]),
        "{times:?}"
    );
}
