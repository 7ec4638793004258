//! The live dashboard for admins, served from the binary: the page and its
//! scripts, stylesheet and icon of `assets/dashboard/` are embedded at
//! compile time, so it runs with no CDN and no build step. It signs in
//! over `POST /graphql` and follows the `dashboard` and `orderEvents`
//! subscriptions over the WebSocket on `/graphql`; the page itself holds
//! no data, so it is served in every environment.

use axum::{extract::Path, http::HeaderValue, response::Response};
use rust_embed::Embed;

use super::{
    embedded::{self, REVALIDATE},
    security::DASHBOARD_POLICY,
};

/// The page; it links only to the files of [`asset`].
const PAGE: &str = include_str!("../../assets/dashboard/page.html");

/// The page's modules, stylesheet and icon.
#[derive(Embed)]
#[folder = "assets/dashboard/static/"]
#[include = "*.js"]
#[include = "*.css"]
#[include = "*.svg"]
struct Assets;

/// `GET /dashboard`: the page, under a policy that admits this origin only.
pub async fn page() -> Response {
    embedded::page(HeaderValue::from_static(DASHBOARD_POLICY), PAGE)
}

/// `GET /dashboard/{*path}`: a module, the stylesheet or the icon of the
/// page. Their URLs carry no version, so browsers revalidate them.
pub async fn asset(Path(path): Path<String>) -> Response {
    embedded::file::<Assets>(&path, REVALIDATE)
}
