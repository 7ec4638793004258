//! GraphiQL, for development, served from the binary: the page, its
//! bootstrap script and the vendored GraphiQL and React bundles of
//! `assets/graphiql/` are embedded at compile time, so the page works
//! without the internet.

use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use rust_embed::Embed;

use super::{
    embedded::{self, REVALIDATE, VERSIONED},
    security,
};
use crate::state::AppState;

/// The page; it links only to the scripts and styles of [`asset`].
const PAGE: &str = include_str!("../../assets/graphiql/page.html");

/// Where the page takes the nonce of its response's policy.
const STYLE_NONCE: &str = "{style_nonce}";

/// The page's scripts and stylesheets.
#[derive(Embed)]
#[folder = "assets/graphiql/static/"]
#[include = "*.js"]
#[include = "*.css"]
struct Assets;

/// The GraphiQL page, under a policy with a fresh style nonce; absent in
/// production.
pub async fn page(State(state): State<AppState>) -> Response {
    if !state.settings.is_development() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let Ok(policy) = HeaderValue::try_from(security::page_policy_with_style_nonce(&nonce)) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    embedded::page(policy, PAGE.replace(STYLE_NONCE, &nonce))
}

/// `GET /graphiql/{*path}`: a script or stylesheet of the page; absent in
/// production, like the page.
pub async fn asset(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    if !state.settings.is_development() {
        return StatusCode::NOT_FOUND.into_response();
    }
    // A vendored file's folder names its package version.
    let cache = if is_versioned(&path) {
        VERSIONED
    } else {
        REVALIDATE
    };
    embedded::file::<Assets>(&path, cache)
}

fn is_versioned(path: &str) -> bool {
    path.split_once('/')
        .is_some_and(|(folder, _)| folder.contains('@'))
}
