//! Subscriptions shared between sockets. When sockets of one instance send
//! the same operation (document, operation name, variables, extensions)
//! for the same viewer, it runs once: each event is resolved and
//! serialized once, and the same payload goes to every socket. A thousand
//! tabs of one admin's dashboard then cost one execution per event, not a
//! thousand.
//!
//! Each socket is still admitted on its own: its request is parsed,
//! validated, held to the limits and charged to its caller's budget (an
//! `Admission::CheckOnly` run) before it joins. The shared execution runs
//! with `Admission::Granted`, so nobody is charged twice. Only operations
//! that start with the next live event share (see
//! `schema::subscription::SHAREABLE`); one that resumes with `after` runs
//! alone, since its replay is its own.
//!
//! A socket that falls too far behind the shared results is closed (see
//! `Outcome::Lagged`) rather than buffered: the shared execution never
//! waits for its slowest subscriber.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError, Weak,
        atomic::{AtomicBool, Ordering},
    },
};

use async_stream::stream;
use futures_util::{
    StreamExt as _,
    stream::{AbortHandle, BoxStream},
};
use tokio::sync::broadcast::{self, error::RecvError};

use super::operation::{self, Outcome};
use crate::{auth::Viewer, schema::Admission, state::AppState};

/// Results a shared subscription holds for its slowest socket; one that
/// falls further behind is closed. Each holds an `Arc`, so the buffer is
/// small, and it is allocated once per shared subscription.
const BUFFER: usize = 64;

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
/// admitted on its own first (a refusal is its only result), then the
/// shared results from the moment it joins.
pub fn join(
    state: AppState,
    viewer: Viewer,
    client_ip: IpAddr,
    request: async_graphql::Request,
) -> BoxStream<'static, Outcome> {
    stream! {
        if let Err(refused) = admit(&state, viewer, client_ip, &request).await {
            yield refused;
            return;
        }
        let key = Key::of(&request, viewer);
        let (group, mut results) = state.sockets.shared().join(key, || {
            operation::run(&state, viewer, client_ip, request, Some(Admission::Granted))
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

/// Runs everything that may refuse `request` for this socket (limits,
/// validation, the caller's cost budget) without executing it.
async fn admit(
    state: &AppState,
    viewer: Viewer,
    client_ip: IpAddr,
    request: &async_graphql::Request,
) -> Result<(), Outcome> {
    let mut check = async_graphql::Request::new(request.query.clone())
        .variables(request.variables.clone())
        .data(operation::request_context(state, viewer, client_ip))
        .data(Admission::CheckOnly);
    check.operation_name.clone_from(&request.operation_name);
    check.extensions.clone_from(&request.extensions);
    let response = state.schema.execute(check).await;
    if response.errors.is_empty() {
        Ok(())
    } else {
        Err(Outcome::Refused(operation::serialized(&response.errors)))
    }
}
