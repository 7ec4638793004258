//! Shared application state: cheap to clone, passed to every handler.

use std::{ops::Deref, sync::Arc};

use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::DatabaseConnection;

use crate::{
    auth::KeyRing,
    cache::{Cache, PersistedDocuments, RedisStore},
    config::Settings,
    events::{EventHub, FanoutHealth},
    http::Sockets,
    schema::AppSchema,
    services::persisted::TrustedDocuments,
};

/// What every route needs, behind one pointer: axum clones the state for
/// every extractor and middleware of every request, and a clone of the
/// components themselves would touch a dozen reference counts each time.
#[derive(Clone)]
pub struct AppState(Arc<AppComponents>);

impl AppState {
    /// The state of one running application.
    pub fn new(components: AppComponents) -> Self {
        Self(Arc::new(components))
    }
}

impl Deref for AppState {
    type Target = AppComponents;

    fn deref(&self) -> &AppComponents {
        &self.0
    }
}

/// The long-lived parts of a running application that routes use.
pub struct AppComponents {
    /// The connection pool of the primary database.
    pub db: DatabaseConnection,
    /// The pool on the read replica (`DATABASE_READ_URL`), for read-only
    /// operations; `None` sends everything to the primary.
    pub read_db: Option<DatabaseConnection>,
    /// The GraphQL schema.
    pub schema: AppSchema,
    /// Settings in force.
    pub settings: Arc<Settings>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// Signs and verifies access tokens.
    pub keys: Arc<KeyRing>,
    /// The open WebSockets, closed and waited for on shutdown.
    pub sockets: Sockets,
    /// Delivers committed events to subscribers.
    pub events: EventHub,
    /// Whole public responses, and what writes must invalidate in them.
    pub cache: Cache,
    /// Documents of automatic persisted queries, by hash.
    pub documents: PersistedDocuments,
    /// The caches' Redis, when configured: readiness reports its state.
    pub redis_cache: Option<RedisStore>,
    /// Documents registered as trusted.
    pub trusted: TrustedDocuments,
    /// Whether the Redis event fan-out is live; `None` without Redis.
    pub fanout: Option<FanoutHealth>,
}
