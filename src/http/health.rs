//! Liveness and readiness probes.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use migration::{Migrator, MigratorTrait};
use serde_json::json;

use crate::{cache::RedisStore, state::AppState};

/// The process is up.
pub async fn alive() -> &'static str {
    "ok"
}

/// The database answers and every migration is applied. With Redis
/// configured, the body also says how it is: `ok`, `degraded` (the event
/// fan-out is live but cache calls are failing, so reads skip the cache) or
/// `failing` (the fan-out subscription is down). A Redis outage alone does
/// not make the instance unready: it polls the outbox and reads the
/// database instead.
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
        let cache_failing = state
            .redis_cache
            .as_ref()
            .is_some_and(RedisStore::is_failing);
        body["redis"] = json!(match (fanout.is_live(), cache_failing) {
            (true, false) => "ok",
            (true, true) => "degraded",
            (false, _) => "failing",
        });
    }
    (status, Json(body))
}
