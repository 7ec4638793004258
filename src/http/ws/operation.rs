//! One operation of a socket as a stream of results, run like an HTTP
//! request: its own loaders and statement counter, the socket's viewer,
//! and its loader batches driven in its own task (the batch queue), or
//! they would never run. Results are serialized once, as the payload of
//! the message that carries them.

use std::{
    collections::HashSet,
    convert::Infallible,
    net::IpAddr,
    sync::{Arc, OnceLock},
};

use async_graphql::{
    Name, Value, Variables,
    parser::types::{DocumentOperations, OperationDefinition, OperationType, Selection},
};
use futures_util::{
    StreamExt as _,
    stream::{self, AbortHandle, BoxStream},
};
use serde::Serialize;
use serde_json::value::RawValue;

use super::{super::persisted, shared};
use crate::{
    auth::Viewer,
    cache::TagSet,
    db::{CountedConnection, OperationStats},
    metrics,
    schema::{RequestContext, loaders, subscription::shared_audience},
    state::AppState,
};

/// What an operation stream yields.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// One result, as the `next` message's payload: serialized once, and
    /// shared as is by every socket of a shared subscription.
    Next(Arc<RawValue>),
    /// The operation was refused before it ran (parse, validation,
    /// limits): the `error` message's errors. Only ever first, and last.
    Refused(Arc<RawValue>),
    /// The socket fell this many results behind the shared subscription it
    /// joined, which does not wait for anybody.
    Lagged(u64),
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

/// Starts `request` for `viewer`: alone, or as one more socket of a
/// shared subscription (see `shared`) when its root field allows it.
pub fn start(
    state: &AppState,
    viewer: Viewer,
    client_ip: IpAddr,
    request: async_graphql::Request,
) -> Started {
    let finished = if state.settings.persisted.only {
        // Nothing runs, not even an admission, before the document is
        // known to be registered.
        let state = state.clone();
        stream::once(async move {
            match persisted::admit_trusted(&state, &request.query).await {
                Ok(()) => admitted(&state, viewer, client_ip, request),
                Err(error) => {
                    let errors = [error.into_server_error()];
                    stream::once(async move { Outcome::Refused(serialized(&errors)) }).boxed()
                }
            }
        })
        .flatten()
        .boxed()
    } else {
        admitted(state, viewer, client_ip, request)
    };
    let (results, stop) = stream::abortable(finished);
    let results = results.boxed();
    Started { results, stop }
}

/// The results of `request`, which may run.
fn admitted(
    state: &AppState,
    viewer: Viewer,
    client_ip: IpAddr,
    mut request: async_graphql::Request,
) -> BoxStream<'static, Outcome> {
    let root = subscription_field(&mut request);
    let audience = root
        .as_ref()
        .filter(|root| !root.resumes)
        .and_then(|root| shared_audience(&root.name, viewer));
    let active = root.map(|root| ActiveSubscription::new(metric_label(state, root.name)));
    let finished = match audience {
        Some(audience) => shared::join(state.clone(), viewer, client_ip, audience, request),
        None => results(state, viewer, client_ip, request)
            .chain(stream::once(async { Outcome::Done }))
            .boxed(),
    };
    finished
        .map(move |outcome| {
            // Held by the stream, so that the gauge drops with it.
            let _ = &active;
            outcome
        })
        .boxed()
}

/// Runs `request` for `viewer` with its own loaders and statement counter:
/// its results, without [`Outcome::Done`].
pub fn results(
    state: &AppState,
    viewer: Viewer,
    client_ip: IpAddr,
    request: async_graphql::Request,
) -> BoxStream<'static, Outcome> {
    let context = request_context(state, viewer, client_ip);
    let (loaders, batches) = loaders::for_stream(context.db.clone(), context.read.clone());
    let responses = state
        .schema
        .execute_stream(request.data(loaders).data(context));
    batches
        .drive_stream(responses)
        .enumerate()
        .map(|(index, response)| {
            if index == 0 && is_refusal(&response) {
                Outcome::Refused(serialized(&response.errors))
            } else {
                Outcome::Next(serialized(&response))
            }
        })
        .boxed()
}

/// What a request of this socket carries to the schema: its own counted
/// connection and request id, the socket's viewer and address.
pub fn request_context(state: &AppState, viewer: Viewer, client_ip: IpAddr) -> RequestContext {
    RequestContext {
        db: CountedConnection::new(
            state.db.clone(),
            Arc::new(OperationStats::default()),
            state.cache.clone(),
        ),
        request_id: uuid::Uuid::new_v4().to_string(),
        viewer,
        client_ip: Some(client_ip),
        keys: state.keys.clone(),
        read: TagSet::default(),
    }
}

/// `value` as JSON text; `null` in the impossible case that a response
/// does not serialize.
pub fn serialized(value: &impl Serialize) -> Arc<RawValue> {
    serde_json::value::to_raw_value(value)
        .map_or_else(|_| Arc::from(RawValue::NULL.to_owned()), Arc::from)
}

/// Whether a first result is a refusal before execution (parse,
/// validation, limits): no data, and errors that belong to no field.
fn is_refusal(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// The root field of a subscription operation.
struct RootField {
    name: String,
    /// Whether it is given an `after` cursor: a replay of its own.
    resumes: bool,
}

/// The root field of a subscription operation; `None` for queries,
/// mutations and documents that do not parse.
fn subscription_field(request: &mut async_graphql::Request) -> Option<RootField> {
    let name = request.operation_name.clone();
    let variables = request.variables.clone();
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
            Selection::Field(field) => Some(RootField {
                name: field.node.name.node.to_string(),
                resumes: field.node.get_argument("after").is_some_and(|after| {
                    let after = after.node.clone().into_const_with(|name| {
                        Ok::<_, Infallible>(variable(&name, &operation.node, &variables))
                    });
                    after.is_ok_and(|after| after != Value::Null)
                }),
            }),
            _ => None,
        })
}

/// The value of a variable of `operation`: the request's, else its default.
fn variable(name: &Name, operation: &OperationDefinition, variables: &Variables) -> Value {
    variables.get(name).cloned().unwrap_or_else(|| {
        operation
            .variable_definitions
            .iter()
            .find(|definition| definition.node.name.node == *name)
            .and_then(|definition| definition.node.default_value())
            .cloned()
            .unwrap_or(Value::Null)
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
