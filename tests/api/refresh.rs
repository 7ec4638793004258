//! Refresh tokens: rotation within a family, reuse detection with its
//! grace window, concurrent refreshes, logout, and the user's current
//! role and existence on every refresh.

use std::{collections::HashSet, time::Duration};

use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, ModelTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use storefront::{
    auth::Role,
    entities::{refresh_tokens, users},
};

use crate::helpers::{TestApp, error_code, spawn_app, spawn_app_with};

const REFRESH: &str = "mutation($token: String!) { refreshToken(token: $token) { \
    accessToken refreshToken user { id email role } } }";

const LOGOUT: &str = "mutation($token: String!) { logout(refreshToken: $token) }";

const ADMIN: (&str, &str) = ("admin@example.com", "storefront-demo");

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.gql(REFRESH, json!({ "token": token })).await
}

/// The new refresh token of a successful refresh.
fn rotated(body: &Value) -> String {
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned()
}

/// Refreshes `token`, which must succeed; returns the new refresh token.
async fn rotate(app: &TestApp, token: &str) -> String {
    rotated(&refresh(app, token).await)
}

fn assert_refused(body: &Value) {
    assert_eq!(error_code(body), "UNAUTHENTICATED", "{body}");
    assert!(body["data"].is_null(), "{body}");
}

/// Refreshing `token` is refused.
async fn assert_refresh_refused(app: &TestApp, token: &str) {
    assert_refused(&refresh(app, token).await);
}

async fn login_refresh_token(app: &TestApp) -> String {
    app.login(ADMIN.0, ADMIN.1).await["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned()
}

/// The stored row of a refresh token.
async fn row(app: &TestApp, token: &str) -> refresh_tokens::Model {
    let hash = format!("{:x}", Sha256::digest(token.as_bytes()));
    refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash))
        .one(&app.db)
        .await
        .expect("query")
        .expect("a stored refresh token")
}

async fn family(app: &TestApp, family_id: &str) -> Vec<refresh_tokens::Model> {
    refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .all(&app.db)
        .await
        .expect("query")
}

fn is_live(row: &refresh_tokens::Model) -> bool {
    row.rotated_at.is_none() && row.revoked_at.is_none()
}

fn grace(seconds: u64) -> impl FnOnce(&mut storefront::config::Settings) {
    move |settings| settings.auth.refresh_reuse_grace = Duration::from_secs(seconds)
}

#[tokio::test]
async fn refreshing_rotates_the_token_within_its_family() {
    let app = spawn_app().await;
    let first = login_refresh_token(&app).await;

    let body = refresh(&app, &first).await;

    let second = rotated(&body);
    assert_ne!(second, first);
    let payload = &body["data"]["refreshToken"];
    assert_eq!(payload["user"]["email"], ADMIN.0);
    let claims = app
        .keys
        .verify(payload["accessToken"].as_str().expect("access token"))
        .expect("valid access token");
    assert_eq!(claims.role, Role::Admin);
    let (old, new) = (row(&app, &first).await, row(&app, &second).await);
    assert!(old.rotated_at.is_some());
    assert_eq!(new.family_id, old.family_id);
    assert_eq!(new.parent_id, Some(old.id));
    let live: Vec<i64> = family(&app, &old.family_id)
        .await
        .iter()
        .filter(|row| is_live(row))
        .map(|row| row.id)
        .collect();
    assert_eq!(live, vec![new.id]);
    rotate(&app, &second).await;
}

#[tokio::test]
async fn reusing_a_rotated_token_after_the_grace_window_revokes_the_whole_family() {
    let app = spawn_app_with(grace(0)).await;
    let first = login_refresh_token(&app).await;
    let second = rotate(&app, &first).await;

    assert_refresh_refused(&app, &first).await;

    assert_refresh_refused(&app, &second).await;
    let rows = family(&app, &row(&app, &first).await.family_id).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|row| row.revoked_at.is_some()));
}

#[tokio::test]
async fn a_rotated_token_presented_again_within_the_grace_window_replaces_its_unused_successor() {
    let app = spawn_app().await;
    let first = login_refresh_token(&app).await;
    let lost = rotate(&app, &first).await;

    let retried = rotate(&app, &first).await;

    let (lost_row, retried_row) = (row(&app, &lost).await, row(&app, &retried).await);
    assert!(lost_row.revoked_at.is_some());
    assert!(is_live(&retried_row));
    assert_eq!(retried_row.family_id, lost_row.family_id);
    assert_eq!(retried_row.parent_id, lost_row.parent_id);
    rotate(&app, &retried).await;
}

#[tokio::test]
async fn presenting_a_replaced_successor_revokes_the_family() {
    let app = spawn_app().await;
    let first = login_refresh_token(&app).await;
    let lost = rotate(&app, &first).await;
    let retried = rotate(&app, &first).await;

    assert_refresh_refused(&app, &lost).await;

    assert_refresh_refused(&app, &retried).await;
    let rows = family(&app, &row(&app, &first).await.family_id).await;
    assert!(rows.iter().all(|row| row.revoked_at.is_some()));
}

#[tokio::test]
async fn a_rotated_token_whose_successor_was_used_revokes_the_family_even_within_the_grace_window()
{
    let app = spawn_app().await;
    let first = login_refresh_token(&app).await;
    let second = rotate(&app, &first).await;
    let third = rotate(&app, &second).await;

    assert_refresh_refused(&app, &first).await;

    assert_refresh_refused(&app, &third).await;
}

/// Fires `count` refreshes of `token` at once; returns every answer.
async fn concurrent_refreshes(app: &TestApp, token: &str, count: usize) -> Vec<Value> {
    join_all((0..count).map(|_| refresh(app, token))).await
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_leave_one_family_with_one_live_token() {
    let app = spawn_app().await;
    let first = login_refresh_token(&app).await;
    let family_id = row(&app, &first).await.family_id;

    let answers = concurrent_refreshes(&app, &first, 4).await;

    let minted: Vec<String> = answers.iter().map(rotated).collect();
    let rows = family(&app, &family_id).await;
    assert_eq!(rows.len(), 5);
    let live: Vec<&refresh_tokens::Model> = rows.iter().filter(|row| is_live(row)).collect();
    assert_eq!(live.len(), 1, "{rows:?}");
    let mut live_answers = Vec::new();
    for token in &minted {
        if is_live(&row(&app, token).await) {
            live_answers.push(token.clone());
        }
    }
    assert_eq!(live_answers.len(), 1);
    let families: HashSet<String> = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::UserId.eq(1))
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|row| row.family_id)
        .collect();
    assert_eq!(families.len(), 1);
    rotate(&app, &live_answers[0]).await;
}

#[tokio::test]
async fn concurrent_refreshes_without_a_grace_window_mint_one_token_then_revoke_the_family() {
    let app = spawn_app_with(grace(0)).await;
    let first = login_refresh_token(&app).await;
    let family_id = row(&app, &first).await.family_id;

    let answers = concurrent_refreshes(&app, &first, 4).await;

    let succeeded: Vec<&Value> = answers
        .iter()
        .filter(|body| body.get("errors").is_none())
        .collect();
    assert_eq!(succeeded.len(), 1, "{answers:?}");
    let rows = family(&app, &family_id).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|row| row.revoked_at.is_some()), "{rows:?}");
    assert_refresh_refused(&app, &rotated(succeeded[0])).await;
}

#[tokio::test]
async fn logout_revokes_the_family_of_the_token_and_no_other() {
    let app = spawn_app().await;
    let first = login_refresh_token(&app).await;
    let other = login_refresh_token(&app).await;
    let second = rotate(&app, &first).await;

    let data = app.data(LOGOUT, json!({ "token": second })).await;

    assert_eq!(data["logout"], true);
    assert_refresh_refused(&app, &second).await;
    let rows = family(&app, &row(&app, &first).await.family_id).await;
    assert!(rows.iter().all(|row| row.revoked_at.is_some()));
    rotate(&app, &other).await;
}

#[tokio::test]
async fn logout_with_an_unknown_token_answers_true_and_changes_nothing() {
    let app = spawn_app().await;
    let token = login_refresh_token(&app).await;

    for unknown in ["garbage", ""] {
        let data = app.data(LOGOUT, json!({ "token": unknown })).await;
        assert_eq!(data["logout"], true);
    }

    assert!(is_live(&row(&app, &token).await));
}

#[tokio::test]
async fn refreshing_an_unknown_token_is_unauthenticated() {
    let app = spawn_app().await;

    for unknown in ["garbage", "", "a".repeat(43).as_str()] {
        assert_refresh_refused(&app, unknown).await;
    }
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let app = spawn_app_with(|settings| {
        settings.auth.refresh_token_ttl = Duration::ZERO;
    })
    .await;
    let token = login_refresh_token(&app).await;

    assert_refresh_refused(&app, &token).await;
}

#[tokio::test]
async fn a_demoted_admin_gets_a_customer_access_token_on_refresh() {
    let app = spawn_app().await;
    let token = login_refresh_token(&app).await;
    users::Entity::update_many()
        .col_expr(users::Column::Role, Expr::value("CUSTOMER"))
        .filter(users::Column::Id.eq(1))
        .exec(&app.db)
        .await
        .expect("demote");

    let body = refresh(&app, &token).await;

    rotated(&body);
    let payload = &body["data"]["refreshToken"];
    assert_eq!(payload["user"]["role"], "CUSTOMER");
    let access = payload["accessToken"].as_str().expect("access token");
    assert_eq!(app.keys.verify(access).expect("valid").role, Role::Customer);
    let users = app
        .gql_as(access, "{ users { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&users.body), "FORBIDDEN");
}

#[tokio::test]
async fn a_deleted_user_can_no_longer_refresh() {
    let app = spawn_app().await;
    let payload = app
        .data(
            "mutation { register(input: { email: \"leaving@example.com\", \
             password: \"correct horse battery\", name: \"Leaving\" }) { refreshToken } }",
            json!({}),
        )
        .await;
    let token = payload["register"]["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let user = app.user_by_email("leaving@example.com").await;
    user.delete(&app.db).await.expect("delete user");

    assert_refresh_refused(&app, &token).await;
}
