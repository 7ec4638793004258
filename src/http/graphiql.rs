//! GraphiQL, for development.

use async_graphql::http::GraphiQLSource;
use axum::{
    extract::State,
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

use crate::state::AppState;

/// The GraphiQL page; absent in production.
pub async fn page(State(state): State<AppState>) -> Response {
    if !state.settings.is_development() {
        return StatusCode::NOT_FOUND.into_response();
    }
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql")
            .title("Storefront")
            .finish(),
    )
    .into_response()
}
