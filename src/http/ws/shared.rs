//! Subscriptions shared between sockets. When sockets of one instance send
//! the same live operation (document, operation name, variables,
//! extensions) as the same viewer, one feed of events serves them all, and
//! each event is resolved and serialized once: the same payload goes to
//! every socket. A thousand tabs of one admin's dashboard cost one
//! execution per event, not a thousand.
//!
//! Between events a shared subscription holds no execution at all: each
//! event is resolved by a short run of the operation with that event
//! (`Delivered`), so an idle subscriber costs its socket and little more.
//!
//! Each socket is admitted on its own first, by a run of its request with
//! no event: limits, validation, its caller's cost budget and the
//! resolver's checks of viewer and arguments. Whatever that run answers (a
//! refusal, an error) is the socket's answer; a run that answers nothing
//! admits it. The runs per event carry `Admitted`, so nobody is charged
//! twice. Only fields with a shared audience share (see
//! `schema::subscription::shared_audience`); one that resumes with `after`
//! runs alone, since its replay is its own.
//!
//! A socket that falls too far behind the shared results is closed (see
//! `Outcome::Lagged`) rather than buffered: the shared execution never
//! waits for its slowest subscriber.

use std::{
    collections::HashMap,
    net::IpAddr,
    pin::pin,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError, Weak,
        atomic::{AtomicBool, Ordering},
    },
};

use async_graphql::{Extensions, Variables};
use async_stream::stream;
use futures_util::{
    StreamExt as _,
    stream::{AbortHandle, BoxStream},
};
use serde_json::json;
use tokio::sync::broadcast::{self, error::RecvError};

use super::operation::{self, Outcome};
use crate::{
    auth::Viewer,
    domain::event::Event,
    error::{AppError, ErrorCode, INTERNAL_MESSAGE},
    events::{Audience, Resume, feed},
    schema::{Admitted, subscription::Delivered},
    state::AppState,
};

/// Results a shared subscription holds for its slowest socket; one that
/// falls further behind is closed. Each holds an `Arc`, so the buffer is
/// small, and it is allocated once per shared subscription.
const BUFFER: usize = 16;

/// What makes two sockets' operations the same.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    viewer: Viewer,
    query: String,
    operation_name: Option<String>,
    variables: String,
    extensions: String,
}

impl Key {
    fn of(request: &async_graphql::Request, viewer: Viewer) -> Self {
        Self {
            viewer,
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).unwrap_or_default(),
            extensions: serde_json::to_string(&request.extensions).unwrap_or_default(),
        }
    }
}

/// The request a shared subscription runs once per event.
struct Template {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
    extensions: Extensions,
}

impl Template {
    fn of(request: &async_graphql::Request) -> Self {
        Self {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
            extensions: request.extensions.clone(),
        }
    }

    /// The request again, to run with `event`.
    fn with(&self, event: Arc<Event>) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(self.query.clone())
            .variables(self.variables.clone())
            .data(Delivered(Some(event)))
            .data(Admitted);
        request.operation_name.clone_from(&self.operation_name);
        request.extensions.clone_from(&self.extensions);
        request
    }
}

/// The shared subscriptions running on this instance, by operation.
#[derive(Clone, Default)]
pub struct SharedSubscriptions(Arc<Mutex<HashMap<Key, Weak<Group>>>>);

impl SharedSubscriptions {
    fn groups(&self) -> MutexGuard<'_, HashMap<Key, Weak<Group>>> {
        // The map holds only weak handles; a panic elsewhere leaves it usable.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The running group for `key` and a receiver of its next results, or
    /// a new group running `start()`.
    fn join(
        &self,
        key: Key,
        start: impl FnOnce() -> BoxStream<'static, Outcome>,
    ) -> (Arc<Group>, broadcast::Receiver<Outcome>) {
        let mut groups = self.groups();
        let running = groups.get(&key).and_then(Weak::upgrade);
        let stale = match running {
            Some(group) if !group.ended.load(Ordering::Acquire) => {
                let results = group.results.subscribe();
                return (group, results);
            }
            stale => stale,
        };
        let group = Group::start(self.clone(), key.clone(), start());
        let results = group.results.subscribe();
        groups.insert(key, Arc::downgrade(&group));
        drop(groups);
        // Dropped without the lock: its `Drop` takes it.
        drop(stale);
        (group, results)
    }
}

/// One shared execution: a task that runs the operation and broadcasts
/// its results, stopped when the last socket leaves.
struct Group {
    registry: SharedSubscriptions,
    key: Key,
    results: broadcast::Sender<Outcome>,
    ended: Arc<AtomicBool>,
    stop: AbortHandle,
}

impl Group {
    fn start(
        registry: SharedSubscriptions,
        key: Key,
        outcomes: BoxStream<'static, Outcome>,
    ) -> Arc<Self> {
        let (results, _) = broadcast::channel(BUFFER);
        let ended = Arc::new(AtomicBool::new(false));
        let (task, stop) = futures_util::future::abortable({
            let results = results.clone();
            let ended = Arc::clone(&ended);
            async move {
                let mut outcomes = outcomes;
                while let Some(outcome) = outcomes.next().await {
                    let last = matches!(outcome, Outcome::Done);
                    if last {
                        ended.store(true, Ordering::Release);
                    }
                    // No receiver is not an error: every socket may have
                    // left between two results.
                    let _ = results.send(outcome);
                    if last {
                        break;
                    }
                }
            }
        });
        tokio::spawn(task);
        Arc::new(Self {
            registry,
            key,
            results,
            ended,
            stop,
        })
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.stop.abort();
        let mut groups = self.registry.groups();
        if groups
            .get(&self.key)
            .is_some_and(|group| group.strong_count() == 0)
        {
            groups.remove(&self.key);
        }
    }
}

/// `request` for `viewer` as one more socket of its shared subscription:
/// admitted on its own first (what that run answers is its only answer),
/// then the shared results from the moment it joins.
pub fn join(
    state: AppState,
    viewer: Viewer,
    client_ip: IpAddr,
    audience: Audience,
    request: async_graphql::Request,
) -> BoxStream<'static, Outcome> {
    stream! {
        let key = Key::of(&request, viewer);
        let template = Template::of(&request);
        // Boxed, and collected: the run's state must not stay in every
        // idle subscriber's stream.
        let answers = Box::pin(admit(&state, viewer, client_ip, request)).await;
        if !answers.is_empty() {
            for answer in answers {
                yield answer;
            }
            yield Outcome::Done;
            return;
        }
        let (group, mut results) = state.sockets.shared().join(key, || {
            events(state.clone(), viewer, client_ip, audience, template)
        });
        loop {
            let outcome = match results.recv().await {
                Ok(outcome) => outcome,
                Err(RecvError::Lagged(missed)) => Outcome::Lagged(missed),
                Err(RecvError::Closed) => Outcome::Done,
            };
            let last = !matches!(outcome, Outcome::Next(_));
            yield outcome;
            if last {
                break;
            }
        }
        drop(group);
    }
    .boxed()
}

/// What the run of `request` with no event answers: nothing when the
/// socket is admitted.
async fn admit(
    state: &AppState,
    viewer: Viewer,
    client_ip: IpAddr,
    request: async_graphql::Request,
) -> Vec<Outcome> {
    let admission = request.data(Delivered(None));
    operation::results(state, viewer, client_ip, admission)
        .collect()
        .await
}

/// A shared subscription's results: the live events of `audience`, each
/// run through the operation once.
fn events(
    state: AppState,
    viewer: Viewer,
    client_ip: IpAddr,
    audience: Audience,
    template: Template,
) -> BoxStream<'static, Outcome> {
    stream! {
        match Box::pin(feed(state.db.clone(), &state.events, audience, Resume::Live)).await {
            Ok(events) => {
                let mut events = pin!(events);
                while let Some(event) = events.next().await {
                    let event = match event {
                        Ok(event) => event,
                        Err(err) => {
                            yield feed_failed(&err);
                            break;
                        }
                    };
                    let request = template.with(event);
                    let mut results = operation::results(&state, viewer, client_ip, request);
                    while let Some(result) = results.next().await {
                        yield result;
                    }
                }
            }
            Err(err) => yield feed_failed(&err),
        }
        yield Outcome::Done;
    }
    .boxed()
}

/// The result that tells every socket of a shared subscription that its
/// feed failed (a database error while catching up): resubscribe with the
/// last cursor.
fn feed_failed(err: &AppError) -> Outcome {
    tracing::error!(error = ?err, "a shared subscription's event feed failed");
    Outcome::Next(operation::serialized(&json!({
        "data": null,
        "errors": [{
            "message": format!(
                "{INTERNAL_MESSAGE}: the event feed failed; subscribe again with `after` set to the last cursor"
            ),
            "extensions": { "code": ErrorCode::InternalServerError.as_str() },
        }],
    })))
}
