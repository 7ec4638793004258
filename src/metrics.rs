//! Prometheus metrics: one process-wide recorder, rendered at `/metrics`.

mod buffered;
pub mod cache;
pub mod events;

use std::{
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::http::Method;
use metrics::{Histogram, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use buffered::{Shard, Shards, ThreadShard};

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const STATEMENT_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 50.0, 100.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// How many histogram samples may wait at most before they are folded into
/// their buckets. The exporter keeps every sample (value and time, 16
/// bytes) in a list until a scrape or an upkeep run drains it; the buckets
/// only shape the drained result. An instance nobody scrapes would grow
/// forever; draining every so many samples bounds it whatever the load.
const DRAIN_EVERY: u64 = 4096;

/// Histogram samples recorded so far, counting towards the next drain.
static SAMPLES: AtomicU64 = AtomicU64::new(0);

/// The process-wide recorder, installed on first use. Several applications in
/// one process (the tests) share it.
pub fn handle() -> anyhow::Result<PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)?
        .set_buckets_for_metric(
            Matcher::Full("graphql_operation_sql_statements".to_owned()),
            STATEMENT_BUCKETS,
        )?
        .build_recorder();
    let handle = recorder.handle();
    if HANDLE.set(handle.clone()).is_ok() {
        metrics::set_global_recorder(recorder)?;
        return Ok(handle);
    }
    HANDLE
        .get()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("metrics recorder vanished"))
}

/// How a GraphQL operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperationOutcome {
    /// No errors.
    Ok,
    /// Executed, with field errors.
    Error,
    /// Refused before execution (parse or validation).
    Rejected,
}

/// What one GraphQL operation cost.
pub struct OperationRecord<'a> {
    /// Client-chosen operation name, if any.
    pub name: Option<&'a str>,
    /// `query`, `mutation` or `subscription`.
    pub operation_type: &'static str,
    /// How it ended.
    pub outcome: OperationOutcome,
    /// Wall time from request to response.
    pub elapsed: Duration,
    /// SQL statements sent.
    pub statements: u64,
    /// Entity-cache hits.
    pub cache_hits: u64,
    /// Entity-cache misses.
    pub cache_misses: u64,
}

/// Longest operation name kept as a label, bounding label size.
const MAX_NAME_LABEL: usize = 64;

/// The fixed labels of a counter that requests update; the free-form one
/// (operation name, route) goes beside it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum CountGroup {
    /// `graphql_operations_total` of one operation type and outcome.
    Operations(&'static str, OperationOutcome),
    /// `graphql_cache_hits_total`.
    CacheHits,
    /// `graphql_cache_misses_total`.
    CacheMisses,
    /// `http_requests_total` of one method and status.
    Http(Method, u16),
}

/// A histogram that requests add to, beside its free-form label (route).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum SampleGroup {
    /// `graphql_operation_duration_seconds` of one operation type.
    OperationDuration(&'static str),
    /// `graphql_operation_sql_statements` of one operation type.
    OperationStatements(&'static str),
    /// `http_request_duration_seconds`.
    HttpDuration,
}

/// Every thread's buffer of per-request metrics.
static SHARDS: Shards<CountGroup, SampleGroup> = Shards::new();

thread_local! {
    static SHARD: ThreadShard<CountGroup, SampleGroup> = SHARDS.join();
}

/// Runs `update` on this thread's buffer; on a thread that is exiting (its
/// buffer already gone) the updates are recorded at once.
fn buffer(update: impl FnOnce(&mut Shard<CountGroup, SampleGroup>)) {
    let mut update = Some(update);
    let _ = SHARD.try_with(|shard| {
        if let Some(update) = update.take() {
            shard.update(update);
        }
    });
    if let Some(update) = update {
        let mut shard = Shard::default();
        update(&mut shard);
        shard.flush();
    }
}

/// The text of `/metrics`, with every thread's buffered updates in it.
pub fn render(handle: &PrometheusHandle) -> String {
    SHARDS.flush_all();
    handle.render()
}

impl OperationOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Rejected => "rejected",
        }
    }
}

impl OperationRecord<'_> {
    /// Adds this operation to the metrics.
    pub fn record(&self) {
        let name = self.name.unwrap_or("anonymous");
        let name = match name.char_indices().nth(MAX_NAME_LABEL) {
            Some((end, _)) => &name[..end],
            None => name,
        };
        let operation_type = self.operation_type;
        let outcome = self.outcome;
        buffer(|shard| {
            shard.count(
                &CountGroup::Operations(operation_type, outcome),
                name,
                1,
                || {
                    counter!(
                        "graphql_operations_total",
                        "operation" => name.to_owned(),
                        "type" => operation_type,
                        "outcome" => outcome.label(),
                    )
                },
            );
            shard.sample(
                &SampleGroup::OperationDuration(operation_type),
                "",
                self.elapsed.as_secs_f64(),
                || histogram!("graphql_operation_duration_seconds", "type" => operation_type),
            );
            shard.sample(
                &SampleGroup::OperationStatements(operation_type),
                "",
                self.statements as f64,
                || histogram!("graphql_operation_sql_statements", "type" => operation_type),
            );
            if self.cache_hits > 0 {
                shard.count(&CountGroup::CacheHits, "", self.cache_hits, || {
                    counter!("graphql_cache_hits_total")
                });
            }
            if self.cache_misses > 0 {
                shard.count(&CountGroup::CacheMisses, "", self.cache_misses, || {
                    counter!("graphql_cache_misses_total")
                });
            }
        });
    }
}

/// Counts one HTTP request.
pub fn record_http(method: &Method, route: &str, status: u16, elapsed: Duration) {
    buffer(|shard| {
        shard.count(&CountGroup::Http(method.clone(), status), route, 1, || {
            counter!(
                "http_requests_total",
                "method" => method.to_string(),
                "route" => route.to_owned(),
                "status" => status.to_string(),
            )
        });
        shard.sample(
            &SampleGroup::HttpDuration,
            route,
            elapsed.as_secs_f64(),
            || histogram!("http_request_duration_seconds", "route" => route.to_owned()),
        );
    });
}

/// Records `values` in `histogram`; the sample that reaches each
/// `DRAIN_EVERY`th of the process folds all waiting samples into their
/// buckets.
fn observe(histogram: &Histogram, values: &[f64]) {
    for &value in values {
        histogram.record(value);
    }
    let count = values.len() as u64;
    let before = SAMPLES.fetch_add(count, Ordering::Relaxed);
    if (before + count) / DRAIN_EVERY != before / DRAIN_EVERY {
        if let Some(handle) = HANDLE.get() {
            handle.run_upkeep();
        }
    }
}

/// Current pool usage.
pub fn record_pool(size: u32, idle: usize) {
    gauge!("db_pool_connections", "state" => "open").set(f64::from(size));
    gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
}

/// A WebSocket was accepted.
pub fn record_ws_socket_opened() {
    gauge!("graphql_ws_sockets_open").increment(1.0);
}

/// A WebSocket ended.
pub fn record_ws_socket_closed() {
    gauge!("graphql_ws_sockets_open").decrement(1.0);
}

/// A WebSocket was closed with `code`, by the server or by the client.
pub fn record_ws_close(code: u16, by_server: bool) {
    let by = if by_server { "server" } else { "client" };
    counter!("graphql_ws_closes_total", "code" => code.to_string(), "by" => by).increment(1);
}

/// A subscription to the root field `field` started (`1.0`) or ended (`-1.0`).
pub fn record_ws_subscription(field: &str, delta: f64) {
    gauge!("graphql_ws_subscriptions_active", "field" => field.to_owned()).increment(delta);
}
