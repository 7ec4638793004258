//! Deletes events older than the retention, so the outbox stays small.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::{domain::clock::now, services::outbox};

/// How often old events are deleted.
const PRUNE_INTERVAL: Duration = Duration::from_secs(300);

/// Deletes events older than `retention` now and every few minutes, until
/// the task is aborted; a failed pass is logged and retried later.
pub async fn prune_forever(db: DatabaseConnection, retention: Duration) {
    let mut ticks = tokio::time::interval(PRUNE_INTERVAL);
    loop {
        ticks.tick().await;
        let cutoff = chrono::Duration::from_std(retention)
            .ok()
            .and_then(|retention| now().checked_sub_signed(retention))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        match outbox::prune(&db, cutoff).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "pruned old events"),
            Err(err) => tracing::warn!(error = %err, "pruning old events failed"),
        }
    }
}
