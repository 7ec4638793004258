//! Runs operations that arrive over a WebSocket (subscriptions mostly)
//! with what an HTTP request gets: a counted connection, the caller, and
//! loaders whose batches run in the operation's own task.
//!
//! async-graphql's WebSocket transports call [`Executor::execute_stream`]
//! for every `subscribe` message. The schema alone would resolve events
//! with no loaders at all; this executor adds fresh ones per operation and
//! drives their [`BatchQueue`] from the response stream, so that the
//! relations of each event (`order { items { product { name } } }`) load
//! in one batch per level, exactly as in a query. The caller comes from the
//! connection's session data, where `connection_init` put it.

use std::{any::TypeId, net::IpAddr, sync::Arc};

use async_graphql::{Data, Executor, Request, Response};
use futures_util::stream::{BoxStream, StreamExt};
use sea_orm::DatabaseConnection;

use crate::{
    auth::{KeyRing, Viewer},
    db::{CountedConnection, OperationStats},
    schema::{AppSchema, RequestContext, loaders},
};

/// The executor of one WebSocket connection.
#[derive(Clone)]
pub struct SubscriptionExecutor {
    schema: AppSchema,
    db: DatabaseConnection,
    keys: Arc<KeyRing>,
    request_id: String,
    client_ip: Option<IpAddr>,
}

impl SubscriptionExecutor {
    /// An executor for the connection opened by request `request_id` from
    /// `client_ip`.
    pub fn new(
        schema: AppSchema,
        db: DatabaseConnection,
        keys: Arc<KeyRing>,
        request_id: String,
        client_ip: Option<IpAddr>,
    ) -> Self {
        Self {
            schema,
            db,
            keys,
            request_id,
            client_ip,
        }
    }

    /// The request with its own loaders and context, and the queue that
    /// runs their batches.
    fn prepare(&self, request: Request, viewer: Viewer) -> (Request, loaders::BatchQueue) {
        let db = CountedConnection::new(self.db.clone(), Arc::new(OperationStats::default()));
        let (loaders, batches) = loaders::for_request(db.clone());
        let request = request.data(loaders).data(RequestContext {
            db,
            request_id: self.request_id.clone(),
            viewer,
            client_ip: self.client_ip,
            keys: self.keys.clone(),
        });
        (request, batches)
    }
}

/// The caller that `connection_init` stored in the session; anonymous when
/// it stored none.
fn session_viewer(session: Option<&Data>) -> Viewer {
    session
        .and_then(|data| data.get(&TypeId::of::<Viewer>()))
        .and_then(|viewer| viewer.downcast_ref::<Viewer>())
        .copied()
        .unwrap_or(Viewer::Anonymous)
}

impl Executor for SubscriptionExecutor {
    async fn execute(&self, request: Request) -> Response {
        let (request, batches) = self.prepare(request, Viewer::Anonymous);
        batches.drive(self.schema.execute(request)).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let viewer = session_viewer(session_data.as_deref());
        let (request, batches) = self.prepare(request, viewer);
        let responses = self
            .schema
            .execute_stream_with_session_data(request, session_data.unwrap_or_default());
        batches.drive_stream(responses).boxed()
    }
}
