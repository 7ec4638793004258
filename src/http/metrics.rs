//! `GET /metrics` in the Prometheus text format.

use axum::{extract::State, http::header, response::IntoResponse};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::state::AppState;

fn record_pool_usage(db: &DatabaseConnection) {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            crate::metrics::record_pool(pool.size(), pool.num_idle());
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            crate::metrics::record_pool(pool.size(), pool.num_idle());
        }
        _ => {}
    }
}

/// Every metric of the process, with pool usage sampled now.
pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    record_pool_usage(&state.db);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::metrics::render(&state.metrics),
    )
}
