//! Runs operations in two passes over one set of types.
//!
//! async-graphql wraps every field and list item of an operation in its
//! extensions' `resolve` chain (boxed futures and a registry lookup each)
//! as soon as the schema has any extension, even one that never looks at
//! fields. Protection and observation need only the phases before and after
//! execution, so a query or mutation is first run on the checked schema,
//! which has them and stops the operation once it is admitted (see
//! [`Preflight`]), then executed on a bare schema without extensions and
//! finished by the observer. Streams (subscriptions over WebSocket) run whole
//! on the checked schema.
//!
//! A query whose inputs (document, operation name, variables) passed the
//! checks before is readmitted without the checked pass: every check but
//! the cost budget gives the same answer for the same inputs, and the budget
//! is charged here. That pass is most of the work of a small query.
//!
//! An admitted query whose document reads only public fields is looked up
//! in the response cache first; a hit is answered without executing it,
//! and a miss that executes without errors is stored with the tags of what
//! it read.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use async_graphql::{Request, Response, Schema, Value, futures_util::stream::BoxStream};

use crate::{cache::Cache, ratelimit::RateLimits};

use super::{
    RequestContext,
    limits::charge_readmitted,
    loaders::Loaders,
    mutation::MutationRoot,
    observer::{OperationObserver, Preflight},
    query::QueryRoot,
    subscription::SubscriptionRoot,
};

/// The schema type both passes use.
pub(super) type RootSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The service's schema: the same types, data and settings twice, with and
/// without the extensions, and the cache of public responses.
#[derive(Clone)]
pub struct AppSchema {
    checked: RootSchema,
    bare: RootSchema,
    /// The checked schema's observer, which remembers admitted queries.
    observer: OperationObserver,
    /// The budgets a readmitted query is charged to.
    rate_limits: RateLimits,
    cache: Cache,
    /// Pause before storing a missed response (a test aid; zero otherwise).
    store_delay: Duration,
}

/// One operation's outcome.
pub struct Executed {
    /// The response; its `data` is `null` when `data_json` carries it.
    pub response: Response,
    /// The response's `data`, serialized, for a public answer (from or
    /// for the response cache).
    pub data_json: Option<Arc<str>>,
    /// A query of public fields only, answered without errors: the same
    /// for every caller, so shared caches may keep it.
    pub public: bool,
}

impl From<Response> for Executed {
    fn from(response: Response) -> Self {
        Self {
            response,
            data_json: None,
            public: false,
        }
    }
}

impl AppSchema {
    pub(super) fn new(
        checked: RootSchema,
        observer: OperationObserver,
        bare: RootSchema,
        rate_limits: RateLimits,
        cache: Cache,
        store_delay: Duration,
    ) -> Self {
        Self {
            checked,
            bare,
            observer,
            rate_limits,
            cache,
            store_delay,
        }
    }

    /// Runs one query or mutation for the caller of `context`, with its
    /// request's `loaders`.
    ///
    /// An `async` block rather than an `async fn`: the future of an
    /// `async fn` stores each argument twice (as passed, and as bound), and
    /// the request and context alone are about 500 bytes, copied with the
    /// future into its box on every operation.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn would store its arguments twice"
    )]
    pub fn execute(
        &self,
        request: Request,
        context: RequestContext,
        loaders: Loaders,
    ) -> impl Future<Output = Executed> {
        async move {
            let started = Instant::now();
            let variables = request.variables.clone();
            let key = self.cache.caches_responses().then(|| {
                Cache::key(
                    &request.query,
                    request.operation_name.as_deref(),
                    &variables,
                )
            });
            let readmitted = self.observer.readmit(
                &request.query,
                request.operation_name.as_deref(),
                &variables,
                &context,
            );
            let (admission, headers) = match readmitted.await {
                Some(admission) => {
                    let (headers, refusal) =
                        charge_readmitted(&self.rate_limits, &context, admission.complexity())
                            .await;
                    if let Some(error) = refusal {
                        let mut response = admission.refuse(error, started.elapsed());
                        response.http_headers = headers;
                        return response.into();
                    }
                    (admission, headers)
                }
                None => {
                    let preflight = Preflight::new(request.operation_name.as_deref());
                    // Boxed: a document's first request comes this way,
                    // its later ones do not, and this pass's future would
                    // otherwise widen every operation's.
                    let checked = Box::pin(
                        self.checked
                            .execute(request.data(context.clone()).data(preflight.clone())),
                    )
                    .await;
                    let Some(admission) = preflight.admission() else {
                        return checked.into();
                    };
                    (admission, checked.http_headers)
                }
            };
            let public = admission.is_public_query(&variables);
            let key = key.filter(|_| public);
            let mut stamp = None;
            if let Some(key) = &key {
                let stats = context.db.stats();
                let lookup = self.cache.lookup(key).await;
                if let Some(data) = lookup.data {
                    stats.count_cache_hit();
                    let mut response = Response::new(Value::Null);
                    response.http_headers = headers;
                    return Executed {
                        response: admission.finish(response, started.elapsed()),
                        data_json: Some(data),
                        public: true,
                    };
                }
                stats.count_cache_miss();
                stamp = lookup.stamp;
            }
            let read = context.read.clone();
            // The request is moved into the bare pass's future and kept
            // nowhere else while that runs.
            let bare_pass = {
                let mut request = Request::new(String::new())
                    .variables(variables)
                    .data(context)
                    .data(loaders);
                request.operation_name = admission.operation_name().map(str::to_owned);
                request.set_parsed_query(admission.document());
                self.bare.execute(request)
            };
            let mut response = bare_pass.await;
            response.http_headers.extend(headers);
            let response = admission.finish(response, started.elapsed());
            let public = public && response.errors.is_empty();
            let uncached = |response| Executed {
                response,
                data_json: None,
                public,
            };
            if !public {
                return uncached(response);
            }
            // Public data is serialized here once: for the cache, for the
            // body, and for the HTTP validator.
            let Ok(json) = serde_json::to_string(&response.data) else {
                return uncached(response);
            };
            let data: Arc<str> = json.into();
            if let (Some(key), Some(stamp)) = (key, stamp) {
                if !self.store_delay.is_zero() {
                    tokio::time::sleep(self.store_delay).await;
                }
                self.cache
                    .store(key, data.clone(), read.distinct(), stamp)
                    .await;
            }
            Executed {
                response,
                data_json: Some(data),
                public,
            }
        }
    }

    /// Runs an operation as a stream of responses (subscriptions, and any
    /// operation sent over a WebSocket); its request carries its own data.
    pub fn execute_stream(&self, request: Request) -> BoxStream<'static, Response> {
        self.checked.execute_stream(request)
    }

    /// Every type name of the schema.
    pub fn names(&self) -> Vec<String> {
        self.checked.names()
    }
}
