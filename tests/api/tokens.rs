//! Access tokens: every forged, expired or misdirected token fails the
//! request with 401 and `UNAUTHENTICATED`, and gets no data; keys rotate
//! without signing anyone out.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey};
use reqwest::StatusCode;
use serde_json::{Value, json};
use storefront::{auth::Role, config::Environment};

use crate::helpers::{
    Reply, TEST_JWT_SECRET, TestApp, error_code, fixture, key_ring, settings, spawn_app,
    spawn_app_with, user_global_id,
};

const VIEWER: &str = "{ viewer { id role } }";

/// Valid access-token claims for `user_id`.
fn claims(user_id: i64, role: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": user_id.to_string(),
        "role": role,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "iss": "storefront",
        "aud": "storefront",
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

/// Claims for the seeded admin with `claim` set to `value`, or removed when
/// `value` is `None`.
fn admin_claims_with(claim: &str, value: Option<Value>) -> Value {
    let mut claims = claims(1, "ADMIN");
    let object = claims.as_object_mut().expect("object");
    match value {
        Some(value) => object.insert(claim.to_owned(), value),
        None => object.remove(claim),
    };
    claims
}

fn header(alg: &str, kid: &str) -> Value {
    json!({ "alg": alg, "typ": "at+jwt", "kid": kid })
}

/// A compact JWS built by hand, signed with `key` (or unsigned).
fn compact(header: &Value, claims: &Value, key: Option<(&EncodingKey, Algorithm)>) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key.map_or_else(String::new, |(key, algorithm)| {
        jsonwebtoken::crypto::sign(message.as_bytes(), key, algorithm).expect("sign")
    });
    format!("{message}.{signature}")
}

/// Signed with HS256 keyed by `secret`, whatever `header` claims.
fn signed_with(secret: &[u8], header: &Value, claims: &Value) -> String {
    let key = EncodingKey::from_secret(secret);
    compact(header, claims, Some((&key, Algorithm::HS256)))
}

/// Signed with the test applications' HS256 secret.
fn signed(header: &Value, claims: &Value) -> String {
    signed_with(TEST_JWT_SECRET.as_bytes(), header, claims)
}

/// Signed as `app` signs: HS256 with the test secret, under its key id.
fn signed_for(app: &TestApp, claims: &Value) -> String {
    signed(&header("HS256", app.keys.signing_kid()), claims)
}

async fn assert_rejected(app: &TestApp, token: &str) {
    let reply = app.gql_as(token, VIEWER, json!({})).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    assert_eq!(error_code(&reply.body), "UNAUTHENTICATED");
    assert!(reply.body.get("data").is_none(), "{}", reply.body);
}

/// POSTs the viewer query with one `Authorization` header per entry of
/// `authorizations`, written as given.
async fn post_viewer(app: &TestApp, authorizations: &[String]) -> Reply {
    let mut headers = vec![("content-type", "application/json")];
    headers.extend(
        authorizations
            .iter()
            .map(|value| ("authorization", value.as_str())),
    );
    app.post_with(json!({ "query": VIEWER }).to_string(), &headers)
        .await
}

async fn viewer_of(app: &TestApp, token: &str) -> Value {
    app.data_as(token, VIEWER, json!({})).await["viewer"].clone()
}

#[tokio::test]
async fn a_hand_built_token_signed_with_the_right_key_is_accepted() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Customer).await;

    let token = signed_for(&app, &claims(user, "CUSTOMER"));

    let viewer = viewer_of(&app, &token).await;
    assert_eq!(viewer["id"], user_global_id(user));
    assert_eq!(viewer["role"], "CUSTOMER");
}

#[tokio::test]
async fn an_unsigned_token_with_alg_none_is_rejected() {
    let app = spawn_app().await;
    let kid = app.keys.signing_kid().to_owned();

    for alg in ["none", "None", "NONE"] {
        let token = compact(&header(alg, &kid), &claims(1, "ADMIN"), None);
        assert_rejected(&app, &token).await;
    }
}

#[tokio::test]
async fn an_hs256_token_signed_with_a_wrong_secret_is_rejected() {
    let app = spawn_app().await;
    let kid = app.keys.signing_kid().to_owned();
    let wrong = b"another-secret-of-at-least-32-bytes!!";

    let token = signed_with(wrong, &header("HS256", &kid), &claims(1, "ADMIN"));

    assert_rejected(&app, &token).await;
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_rsa_public_key_is_rejected() {
    let app = spawn_app_with(|settings| {
        settings.auth.private_key_file = Some(fixture("rsa-private.pem"));
        settings.auth.public_key_file = Some(fixture("rsa-public.pem"));
    })
    .await;
    let rsa_kid = app.keys.signing_kid().to_owned();
    let public_pem = std::fs::read(fixture("rsa-public.pem")).expect("public key");
    let genuine = app.token(1, Role::Admin);
    assert_eq!(viewer_of(&app, &genuine).await["role"], "ADMIN");

    let token = signed_with(&public_pem, &header("HS256", &rsa_kid), &claims(1, "ADMIN"));

    assert_rejected(&app, &token).await;
}

#[tokio::test]
async fn a_token_expired_beyond_the_leeway_is_rejected() {
    let app = spawn_app().await;
    let mut expired = claims(1, "ADMIN");
    let now = chrono::Utc::now().timestamp();
    expired["iat"] = json!(now - 1000);
    expired["nbf"] = json!(now - 1000);
    expired["exp"] = json!(now - 60);

    assert_rejected(&app, &signed_for(&app, &expired)).await;
}

#[tokio::test]
async fn a_token_not_valid_before_a_future_time_is_rejected() {
    let app = spawn_app().await;
    let early = admin_claims_with("nbf", Some(json!(chrono::Utc::now().timestamp() + 300)));

    assert_rejected(&app, &signed_for(&app, &early)).await;
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_rejected() {
    let app = spawn_app().await;
    let future = admin_claims_with("iat", Some(json!(chrono::Utc::now().timestamp() + 300)));

    assert_rejected(&app, &signed_for(&app, &future)).await;
}

#[tokio::test]
async fn a_token_whose_expiry_is_not_a_number_is_rejected() {
    let app = spawn_app().await;

    for exp in [json!("never"), json!(null), json!("9999999999")] {
        let forever = admin_claims_with("exp", Some(exp));
        assert_rejected(&app, &signed_for(&app, &forever)).await;
    }
}

#[tokio::test]
async fn a_token_whose_payload_was_tampered_with_is_rejected() {
    let app = spawn_app().await;
    let (user, token) = app.signed_in(Role::Customer).await;
    assert_eq!(viewer_of(&app, &token).await["role"], "CUSTOMER");
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64")).expect("json");
    assert_eq!(payload["sub"], user.to_string());
    payload["role"] = json!("ADMIN");

    let escalated = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );

    assert_rejected(&app, &escalated).await;
}

#[tokio::test]
async fn a_token_for_another_audience_or_none_is_rejected() {
    let app = spawn_app().await;

    for aud in [Some(json!("another-service")), None] {
        assert_rejected(&app, &signed_for(&app, &admin_claims_with("aud", aud))).await;
    }
}

#[tokio::test]
async fn a_token_from_another_issuer_or_none_is_rejected() {
    let app = spawn_app().await;

    for iss in [Some(json!("https://attacker.example")), None] {
        assert_rejected(&app, &signed_for(&app, &admin_claims_with("iss", iss))).await;
    }
}

#[tokio::test]
async fn a_token_missing_any_required_claim_is_rejected() {
    let app = spawn_app().await;

    for claim in ["sub", "role", "iat", "nbf", "exp", "iss", "aud", "jti"] {
        let partial = admin_claims_with(claim, None);
        assert_rejected(&app, &signed_for(&app, &partial)).await;
    }
}

#[tokio::test]
async fn a_refresh_token_presented_as_an_access_token_is_rejected() {
    let app = spawn_app().await;
    let session = app.login("admin@example.com", "storefront-demo").await;
    let refresh = session["refreshToken"].as_str().expect("refresh token");

    assert_rejected(&app, refresh).await;
}

#[tokio::test]
async fn a_correctly_signed_jwt_of_another_type_is_rejected() {
    let app = spawn_app().await;
    let kid = app.keys.signing_kid().to_owned();

    for typ in [json!("JWT"), json!("id+jwt"), json!(null)] {
        let mut other = header("HS256", &kid);
        other["typ"] = typ;
        assert_rejected(&app, &signed(&other, &claims(1, "ADMIN"))).await;
    }
}

#[tokio::test]
async fn an_unknown_missing_or_malicious_kid_is_rejected() {
    let app = spawn_app().await;
    let kids = [
        json!("hs-unknownkid"),
        json!("../../../../dev/null"),
        json!("' OR '1'='1"),
        json!("http://attacker.example/jwks.json"),
        json!(""),
        json!(null),
    ];

    for kid in kids {
        let mut forged = header("HS256", "");
        forged["kid"] = kid;
        assert_rejected(&app, &signed(&forged, &claims(1, "ADMIN"))).await;
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_and_other_schemes_fail() {
    let app = spawn_app().await;
    let token = app.token(1, Role::Admin);

    for scheme in ["Bearer", "bearer", "BEARER"] {
        let reply = post_viewer(&app, &[format!("{scheme} {token}")]).await;
        assert_eq!(reply.status, StatusCode::OK, "{scheme}");
    }
    let basic = post_viewer(&app, &[format!("Basic {token}")]).await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn two_authorization_headers_fail_the_request() {
    let app = spawn_app().await;
    let token = app.token(1, Role::Admin);

    let bearer = format!("Bearer {token}");
    let reply = post_viewer(&app, &[bearer.clone(), bearer]).await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&reply.body), "UNAUTHENTICATED");
    assert!(reply.body.get("data").is_none());
}

/// An application that signs with the Ed25519 fixture pair, and also
/// accepts the retired key's tokens when `retired_listed`.
async fn spawn_ed25519(retired_listed: bool) -> TestApp {
    spawn_app_with(|settings| {
        settings.auth.private_key_file = Some(fixture("ed25519-private.pem"));
        settings.auth.public_key_file = Some(fixture("ed25519-public.pem"));
        if retired_listed {
            settings.auth.previous_public_key_files = vec![fixture("ed25519-retired-public.pem")];
        }
    })
    .await
}

/// A token signed by the retired Ed25519 key, as a server that still
/// signed with it would have issued.
fn retired_key_token(user_id: i64) -> String {
    let mut old = settings(String::new(), Environment::Development);
    old.auth.jwt_secret = None;
    old.auth.private_key_file = Some(fixture("ed25519-retired-private.pem"));
    old.auth.public_key_file = Some(fixture("ed25519-retired-public.pem"));
    key_ring(&old)
        .issue(user_id, Role::Customer)
        .expect("issue")
        .token
}

#[tokio::test]
async fn ed25519_keys_sign_tokens_that_the_server_accepts() {
    let app = spawn_ed25519(false).await;

    let session = app.login("admin@example.com", "storefront-demo").await;
    let token = session["accessToken"].as_str().expect("token");

    let header = jsonwebtoken::decode_header(token).expect("header");
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(viewer_of(&app, token).await["role"], "ADMIN");
}

#[tokio::test]
async fn a_token_from_a_retired_key_still_listed_is_accepted() {
    let app = spawn_ed25519(true).await;
    let user = app.create_user(Role::Customer).await;

    let viewer = viewer_of(&app, &retired_key_token(user)).await;

    assert_eq!(viewer["id"], user_global_id(user));
}

#[tokio::test]
async fn a_token_from_a_removed_key_is_rejected() {
    let app = spawn_ed25519(false).await;
    let user = app.create_user(Role::Customer).await;

    assert_rejected(&app, &retired_key_token(user)).await;
}

#[tokio::test]
async fn a_token_from_a_previous_hs256_secret_is_accepted_until_the_secret_is_dropped() {
    let old_secret = TEST_JWT_SECRET;
    let new_secret = "a-brand-new-secret-of-at-least-32-bytes";
    let rotated = spawn_app_with(|settings| {
        settings.auth.jwt_secret = Some(new_secret.into());
        settings.auth.jwt_previous_secrets = vec![old_secret.into()];
    })
    .await;
    let dropped = spawn_app_with(|settings| {
        settings.auth.jwt_secret = Some(new_secret.into());
    })
    .await;
    let mut old = settings(String::new(), Environment::Development);
    old.auth.jwt_secret = Some(old_secret.into());
    let token = key_ring(&old).issue(1, Role::Admin).expect("issue").token;

    assert_eq!(viewer_of(&rotated, &token).await["role"], "ADMIN");
    assert_rejected(&dropped, &token).await;
}
