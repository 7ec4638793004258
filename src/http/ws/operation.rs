//! One operation of a socket as a stream of results, run like an HTTP
//! request: its own loaders and statement counter, the socket's viewer,
//! and its loader batches driven in its own task (the batch queue), or
//! they would never run.

use std::{
    collections::HashSet,
    net::IpAddr,
    sync::{Arc, OnceLock},
};

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use futures_util::{
    StreamExt as _,
    stream::{self, AbortHandle, BoxStream},
};

use crate::{
    auth::Viewer,
    db::{CountedConnection, OperationStats},
    metrics,
    schema::{RequestContext, loaders},
    state::AppState,
};

/// What an operation stream yields.
pub enum Outcome {
    /// A result; `first` tells a refusal (only ever first) from an event.
    Result {
        /// Whether this is the operation's first result.
        first: bool,
        /// The result.
        response: Box<async_graphql::Response>,
    },
    /// The operation has no more results.
    Done,
}

/// A started operation: its results, and the handle that stops them.
pub struct Started {
    /// Results, then [`Outcome::Done`] unless stopped first.
    pub results: BoxStream<'static, Outcome>,
    /// Ends `results` at once, without `Done`.
    pub stop: AbortHandle,
}

/// Starts `request` for `viewer`.
pub fn start(
    state: &AppState,
    viewer: Viewer,
    client_ip: IpAddr,
    mut request: async_graphql::Request,
) -> Started {
    let active = subscription_field(&mut request)
        .map(|field| ActiveSubscription::new(metric_label(state, field)));
    let db = CountedConnection::new(state.db.clone(), Arc::new(OperationStats::default()));
    let (loaders, batches) = loaders::for_request(db.clone());
    let request = request.data(loaders).data(RequestContext {
        db,
        request_id: uuid::Uuid::new_v4().to_string(),
        viewer,
        client_ip: Some(client_ip),
        keys: state.keys.clone(),
    });
    let responses = state.schema.execute_stream(request);
    let driven = batches
        .drive_stream(responses)
        .enumerate()
        .map(|(index, response)| Outcome::Result {
            first: index == 0,
            response: Box::new(response),
        });
    let finished = driven.chain(stream::once(async { Outcome::Done }));
    let (results, stop) = stream::abortable(finished);
    let results = results
        .map(move |outcome| {
            // Held by the stream, so that the gauge drops with it.
            let _ = &active;
            outcome
        })
        .boxed();
    Started { results, stop }
}

/// Whether a first result is a refusal before execution (parse,
/// validation, limits): no data, and errors that belong to no field.
pub fn is_refusal(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// The root field of a subscription operation; `None` for queries,
/// mutations and documents that do not parse.
fn subscription_field(request: &mut async_graphql::Request) -> Option<String> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name.as_str())?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        (DocumentOperations::Multiple(_), None) => return None,
    };
    if operation.node.ty != OperationType::Subscription {
        return None;
    }
    operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .find_map(|selection| match &selection.node {
            Selection::Field(field) => Some(field.node.name.node.to_string()),
            _ => None,
        })
}

/// A root field name as a metric label: names the schema knows, else
/// `unknown` (a refused document must not add labels without bound).
fn metric_label(state: &AppState, field: String) -> String {
    static KNOWN: OnceLock<HashSet<String>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| state.schema.names().into_iter().collect());
    if known.contains(&field) {
        field
    } else {
        "unknown".to_owned()
    }
}

/// Counts a running subscription in the metrics, by root field.
struct ActiveSubscription(String);

impl ActiveSubscription {
    fn new(field: String) -> Self {
        metrics::record_ws_subscription(&field, 1.0);
        Self(field)
    }
}

impl Drop for ActiveSubscription {
    fn drop(&mut self) {
        metrics::record_ws_subscription(&self.0, -1.0);
    }
}
