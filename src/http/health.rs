//! Liveness and readiness probes.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use migration::{Migrator, MigratorTrait};
use serde_json::json;

use crate::state::AppState;

/// The process is up.
pub async fn alive() -> &'static str {
    "ok"
}

/// The database answers and every migration is applied. With Redis
/// configured, the body also says whether its event fan-out is live; a
/// Redis outage alone does not make the instance unready (it polls the
/// outbox instead).
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.db.ping().await.is_ok();
    let migrations = match Migrator::get_pending_migrations(&state.db).await {
        Ok(pending) => pending.is_empty(),
        Err(_) => false,
    };
    let status = if database && migrations {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "failing" };
    let mut body = json!({ "database": word(database), "migrations": word(migrations) });
    if let Some(fanout) = &state.fanout {
        body["redis"] = json!(word(fanout.is_live()));
    }
    (status, Json(body))
}
