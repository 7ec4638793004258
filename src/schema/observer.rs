//! Watches every operation from parse to response: nulls what field errors
//! null, restores the selection order of response fields, gives each error its
//! contract code (an argument that fails coercion at execution is
//! `BAD_USER_INPUT`), attaches the request id to internal errors (logging their
//! cause once), and reports the operation's cost as `extensions.stats` (in
//! development) and to `/metrics` (always).
//!
//! An operation that carries a [`Preflight`] stops once it is admitted: the
//! observer leaves an [`Admission`] there instead of executing it, and the
//! caller runs it elsewhere and finishes its response through the admission
//! (see `executor`).

use std::{
    cell::RefCell,
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use async_graphql::{
    Response, SchemaEnv, ServerError, ServerResult, ValidationResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
        NextSubscribe, NextValidation,
    },
    parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, OperationType},
    registry::Registry,
};

use futures_util::stream::{BoxStream, StreamExt as _};
use moka::future::Cache;

use super::{
    argument_errors,
    context::{RequestContext, StoreSettings},
    field_errors,
    public_nodes::only_public_nodes,
    recent_documents::RecentDocuments,
    response_order,
};
use crate::{
    db::OperationStats,
    error::{ErrorCode, INTERNAL_MESSAGE, InternalCause},
    metrics::{OperationOutcome, OperationRecord},
    sync::lock,
};

/// Estimated bytes of parsed documents kept (see [`OperationObserver`]).
const PARSED_DOCUMENTS_BYTES: u64 = 32 << 20;

/// Installs an [`ObservedOperation`] on every request, and keeps the
/// parsed documents of recent queries by their text: frontends send the
/// same few documents again and again, and a clone of a parsed document
/// costs a fraction of parsing it. Operations also share the copy they
/// read at the end instead of cloning one each. Clones share the documents,
/// so that the executor can [readmit](OperationObserver::readmit) a query.
#[derive(Clone)]
pub struct OperationObserver {
    documents: Cache<String, Arc<Parsed>>,
    /// Tells this observer's documents apart from another schema's in
    /// [`RECENT`]; clones share it with the documents.
    id: u64,
}

/// The next [`OperationObserver::id`].
static NEXT_OBSERVER_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The documents this thread readmitted last, in front of the shared
    /// cache (see `recent_documents`).
    static RECENT: RefCell<RecentDocuments<Arc<Parsed>>> =
        const { RefCell::new(RecentDocuments::new()) };
}

impl Default for OperationObserver {
    fn default() -> Self {
        Self {
            documents: Cache::builder()
                .max_capacity(PARSED_DOCUMENTS_BYTES)
                // A parsed document takes roughly ten times its text.
                .weigher(|query: &String, _| {
                    u32::try_from(query.len().saturating_mul(10) + 1024).unwrap_or(u32::MAX)
                })
                .build(),
            id: NEXT_OBSERVER_ID.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl ExtensionFactory for OperationObserver {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ObservedOperation {
            facts: Arc::default(),
            documents: self.documents.clone(),
        })
    }
}

/// A parsed document and what the observer reads from it.
struct Parsed {
    document: ExecutableDocument,
    operation_types: HashMap<Option<String>, OperationType>,
    /// The last validation of this document that passed.
    validated: Mutex<Option<Arc<Validated>>>,
}

/// A validation that passed, with what it depended on. async-graphql's
/// rules and cost figures are a function of the schema, the document, the
/// operation name and the variables, so the same ones validate the same way
/// again: a frontend's repeated query skips the rules (a tenth of a small
/// operation's work).
struct Validated {
    operation_name: Option<Arc<str>>,
    variables: Variables,
    result: ValidationResult,
    /// Set once a query with these inputs was admitted.
    admitted: OnceLock<Readmission>,
}

/// What admitting a query found beyond its validation. Every check of the
/// checked run but the cost budget depends only on the schema, the limits
/// and the inputs of [`Validated`] (a document of queries alone throttles
/// no credentials), so the same inputs pass them again and the executor
/// may skip that run, charging the budget itself (see `executor`).
struct Readmission {
    /// The operation that executes (the only one, when the request names none).
    operation_name: Option<String>,
    env: SchemaEnv,
    report_stats: bool,
}

/// Most values (scalars, list items, fields) of variables kept beside a
/// document, and the longest string among them: the memo never holds a
/// client's megabytes.
const MEMO_MAX_VALUES: usize = 64;
const MEMO_MAX_STRING: usize = 256;

/// Whether `variables` are small enough to keep beside their document.
fn memo_sized(variables: &Variables) -> bool {
    fn fits(value: &Value, budget: &mut usize) -> bool {
        let Some(left) = budget.checked_sub(1) else {
            return false;
        };
        *budget = left;
        match value {
            Value::String(text) => text.len() <= MEMO_MAX_STRING,
            Value::Binary(_) => false,
            Value::List(items) => items.iter().all(|item| fits(item, budget)),
            Value::Object(fields) => fields.values().all(|field| fits(field, budget)),
            _ => true,
        }
    }
    let mut budget = MEMO_MAX_VALUES;
    variables.values().all(|value| fits(value, &mut budget))
}

/// How far an operation got; errors are coded by the phase that raised them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    Parsing,
    Validating,
    Executing,
}

#[derive(Default)]
struct Facts {
    phase: Phase,
    parsed: Option<Arc<Parsed>>,
    operation_name: Option<String>,
    complexity: usize,
    depth: usize,
    /// No selected field or type is `cache_control(private)`.
    public: bool,
    stats: Option<Arc<OperationStats>>,
    request_id: Option<String>,
    validated: bool,
    /// The validation of this operation's inputs kept beside its document:
    /// the last one, when they match it, from parsing on; the new one, once
    /// it passed.
    memo: Option<Arc<Validated>>,
    /// The inputs to remember once this operation's validation passes.
    memo_inputs: Option<(Option<Arc<str>>, Variables)>,
}

struct ObservedOperation {
    facts: Arc<Mutex<Facts>>,
    documents: Cache<String, Arc<Parsed>>,
}

impl ObservedOperation {
    fn facts(&self) -> MutexGuard<'_, Facts> {
        lock(&self.facts)
    }
}

/// Request data: stop the operation once it is admitted (parsed, validated,
/// within its limits and budget) and leave its [`Admission`] here.
#[derive(Clone, Default)]
pub struct Preflight {
    admission: Arc<Mutex<Option<Admission>>>,
    /// The operation the request names, which validation depends on.
    operation_name: Option<Arc<str>>,
}

impl Preflight {
    /// The preflight of a request naming `operation_name`.
    pub fn new(operation_name: Option<&str>) -> Self {
        Self {
            admission: Arc::default(),
            operation_name: operation_name.map(Arc::from),
        }
    }

    /// The admitted operation, if the run got that far.
    pub fn admission(&self) -> Option<Admission> {
        lock(&self.admission).take()
    }

    fn admit(&self, admission: Admission) {
        *lock(&self.admission) = Some(admission);
    }

    fn is_admitted(&self) -> bool {
        lock(&self.admission).is_some()
    }
}

/// An operation that passed every check but did not execute: its document,
/// and what finishing its response needs.
pub struct Admission {
    parsed: Arc<Parsed>,
    facts: Facts,
    env: SchemaEnv,
    report_stats: bool,
}

impl Admission {
    /// The parsed document, to execute without parsing it again.
    pub fn document(&self) -> ExecutableDocument {
        self.parsed.document.clone()
    }

    /// Whether the admitted operation is a query that selects only public
    /// fields (none marked `cache_control(private)`, on any type) and looks
    /// up only public nodes with `variables`, so that its result is the
    /// same for every caller.
    pub fn is_public_query(&self, variables: &Variables) -> bool {
        let document = &self.parsed.document;
        self.facts.public
            && operation(document, self.operation_name()).is_some_and(|operation| {
                operation.ty == OperationType::Query
                    && only_public_nodes(document, &operation.selection_set.node, variables)
            })
    }

    /// The cost the admitted operation is charged.
    pub fn complexity(&self) -> usize {
        self.facts.complexity
    }

    /// The name of the operation that was admitted.
    pub fn operation_name(&self) -> Option<&str> {
        self.facts.operation_name.as_deref()
    }

    /// Completes the `response` of the admitted operation as the contract
    /// wants it, and records its cost; `elapsed` counts from the start of
    /// its checks.
    pub fn finish(self, response: Response, elapsed: Duration) -> Response {
        finish(
            &self.facts,
            &self.env.registry,
            self.report_stats,
            elapsed,
            response,
        )
    }

    /// Answers the admitted operation with a refusal (its caller's budget
    /// is spent), as validation would have; `elapsed` counts from the start
    /// of its checks.
    pub fn refuse(mut self, error: ServerError, elapsed: Duration) -> Response {
        self.facts.phase = Phase::Validating;
        self.finish(Response::from_errors(vec![error]), elapsed)
    }
}

impl OperationObserver {
    /// Admits a query whose inputs (document text, operation name,
    /// variables) an earlier request passed every check with, without
    /// running the checks again; `None` sends the request through them.
    /// The caller still charges its cost.
    pub async fn readmit(
        &self,
        query: &str,
        operation_name: Option<&str>,
        variables: &Variables,
        request: &RequestContext,
    ) -> Option<Admission> {
        let parsed = match RECENT.with_borrow(|recent| recent.get(self.id, query)) {
            Some(parsed) => parsed,
            None => {
                let parsed = self.documents.get(query).await?;
                RECENT.with_borrow_mut(|recent| recent.put(self.id, query, Arc::clone(&parsed)));
                parsed
            }
        };
        let validated = lock(&parsed.validated).clone()?;
        let admitted = validated.admitted.get()?;
        if validated.operation_name.as_deref() != operation_name
            || validated.variables != *variables
        {
            return None;
        }
        let facts = Facts {
            phase: Phase::Executing,
            operation_name: admitted.operation_name.clone(),
            complexity: validated.result.complexity,
            depth: validated.result.depth,
            public: validated.result.cache_control.public,
            stats: Some(request.db.stats().clone()),
            request_id: Some(request.request_id.clone()),
            validated: true,
            parsed: Some(Arc::clone(&parsed)),
            ..Facts::default()
        };
        Some(Admission {
            parsed,
            facts,
            env: admitted.env.clone(),
            report_stats: admitted.report_stats,
        })
    }
}

fn operation_types(document: &ExecutableDocument) -> HashMap<Option<String>, OperationType> {
    match &document.operations {
        DocumentOperations::Single(operation) => HashMap::from([(None, operation.node.ty)]),
        DocumentOperations::Multiple(operations) => operations
            .iter()
            .map(|(name, operation)| (Some(name.to_string()), operation.node.ty))
            .collect(),
    }
}

/// The operation of `document` that ran.
fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(operations), None) => {
            operations.values().next().map(|operation| &operation.node)
        }
    }
}

fn code_of(error: &ServerError) -> Option<String> {
    match error.extensions.as_ref()?.get("code")? {
        Value::String(code) => Some(code.clone()),
        _ => None,
    }
}

fn set_extension(error: &mut ServerError, name: &str, value: impl Into<Value>) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set(name, value);
}

/// Whether responses carry `extensions.stats`.
fn reports_stats(ctx: &ExtensionContext<'_>) -> bool {
    ctx.data_opt::<StoreSettings>()
        .is_some_and(|settings| settings.report_stats)
}

/// Completes a response as the contract wants it (nulled fields, selection
/// order, error codes, internal errors hidden) and records its cost.
fn finish(
    facts: &Facts,
    registry: &Registry,
    report_stats: bool,
    elapsed: Duration,
    mut response: Response,
) -> Response {
    let request_id = facts.request_id.as_deref().unwrap_or("unknown");
    let document = facts.parsed.as_ref().map(|parsed| &parsed.document);
    if let Some(document) = document
        && let Some(operation) = operation(document, facts.operation_name.as_deref())
    {
        let scope = if response.errors.iter().any(|error| !error.path.is_empty()) {
            field_errors::complete(
                &mut response.data,
                &response.errors,
                registry,
                document,
                operation,
            );
            response_order::Scope::Everywhere
        } else {
            response_order::Scope::Concurrent
        };
        if let Some(root_type) = field_errors::root_type(registry, operation.ty) {
            response_order::restore(
                &mut response.data,
                registry,
                document,
                operation,
                root_type,
                scope,
            );
        }
    }

    for error in &mut response.errors {
        let code = match code_of(error) {
            Some(code) => code,
            None => {
                let argument = document
                    .filter(|_| facts.phase == Phase::Executing)
                    .and_then(|document| argument_errors::argument_at(document, error));
                let code = match (facts.phase, argument) {
                    (Phase::Parsing, _) => ErrorCode::GraphqlParseFailed,
                    (Phase::Validating, _) => ErrorCode::GraphqlValidationFailed,
                    (Phase::Executing, Some(argument)) => {
                        set_extension(error, "field", argument);
                        ErrorCode::BadUserInput
                    }
                    (Phase::Executing, None) => ErrorCode::InternalServerError,
                };
                set_extension(error, "code", code.as_str());
                code.as_str().to_owned()
            }
        };
        if code == ErrorCode::InternalServerError.as_str() {
            let cause = error
                .source
                .as_ref()
                .and_then(|source| source.downcast_ref::<InternalCause>())
                .map_or_else(|| error.message.clone(), |cause| format!("{:#}", cause.0));
            tracing::error!(request_id, path = ?error.path, %cause, "internal error");
            error.message = INTERNAL_MESSAGE.to_owned();
            set_extension(error, "requestId", request_id);
        }
    }

    let operation_types = facts.parsed.as_ref().map(|parsed| &parsed.operation_types);
    let operation_type = operation_types
        .and_then(|types| {
            types
                .get(&facts.operation_name)
                .or_else(|| types.values().next())
        })
        .map_or("unknown", |ty| match ty {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        });
    let (statements, cache_hits, cache_misses) = facts.stats.as_ref().map_or((0, 0, 0), |s| {
        (s.statements(), s.cache_hits(), s.cache_misses())
    });
    let outcome = if facts.phase != Phase::Executing {
        OperationOutcome::Rejected
    } else if response.errors.is_empty() {
        OperationOutcome::Ok
    } else {
        OperationOutcome::Error
    };
    OperationRecord {
        name: facts.operation_name.as_deref(),
        operation_type,
        outcome,
        elapsed,
        statements,
        cache_hits,
        cache_misses,
    }
    .record();

    if report_stats {
        let stats = serde_json::json!({
            "sqlStatements": statements,
            "cacheHits": cache_hits,
            "cacheMisses": cache_misses,
            "complexity": facts.complexity,
            "depth": facts.depth,
            "elapsedMs": (elapsed.as_secs_f64() * 1e6).round() / 1e3,
        });
        if let Ok(value) = Value::from_json(stats) {
            response.extensions.insert("stats".to_owned(), value);
        }
    }
    response
}

#[async_trait::async_trait]
impl Extension for ObservedOperation {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        if ctx
            .data_opt::<Preflight>()
            .is_some_and(Preflight::is_admitted)
        {
            return response;
        }
        let facts = std::mem::take(&mut *self.facts());
        finish(
            &facts,
            &ctx.schema_env.registry,
            reports_stats(ctx),
            started.elapsed(),
            response,
        )
    }

    /// Operations over a WebSocket run as streams, which skip the
    /// `request` hook: each of their results is finished here instead.
    /// Subscription events skip the `execute` hook too, so a validated
    /// subscription counts as executing from its first result on.
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let facts = Arc::clone(&self.facts);
        if let Some(request) = ctx.data_opt::<RequestContext>() {
            let mut facts = lock(&facts);
            facts.stats = Some(request.db.stats().clone());
            facts.request_id = Some(request.request_id.clone());
        }
        let env = ctx.schema_env.clone();
        let report_stats = reports_stats(ctx);
        let mut since = Instant::now();
        next.run(ctx, stream)
            .map(move |response| {
                let mut facts = lock(&facts);
                if facts.phase == Phase::Validating && facts.validated {
                    facts.phase = Phase::Executing;
                }
                let elapsed = std::mem::replace(&mut since, Instant::now()).elapsed();
                finish(&facts, &env.registry, report_stats, elapsed, response)
            })
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let parsed = match self.documents.get(query).await {
            Some(parsed) => parsed,
            None => {
                let document = next.run(ctx, query, variables).await?;
                let parsed = Arc::new(Parsed {
                    operation_types: operation_types(&document),
                    document,
                    validated: Mutex::default(),
                });
                self.documents
                    .insert(query.to_owned(), Arc::clone(&parsed))
                    .await;
                parsed
            }
        };
        let document = parsed.document.clone();
        let mut facts = self.facts();
        if let Some(preflight) = ctx.data_opt::<Preflight>() {
            let operation_name = &preflight.operation_name;
            let last = lock(&parsed.validated).clone();
            match last {
                Some(last)
                    if last.operation_name == *operation_name && last.variables == *variables =>
                {
                    facts.memo = Some(last);
                }
                _ if memo_sized(variables) => {
                    facts.memo_inputs = Some((operation_name.clone(), variables.clone()));
                }
                _ => {}
            }
        }
        facts.parsed = Some(parsed);
        facts.phase = Phase::Validating;
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let memo_hit = self.facts().memo.as_ref().map(|last| last.result);
        let result = match memo_hit {
            Some(result) => result,
            None => next.run(ctx).await?,
        };
        let mut facts = self.facts();
        if let (Some((operation_name, variables)), Some(parsed)) =
            (facts.memo_inputs.take(), &facts.parsed)
        {
            let validated = Arc::new(Validated {
                operation_name,
                variables,
                result,
                admitted: OnceLock::new(),
            });
            *lock(&parsed.validated) = Some(Arc::clone(&validated));
            facts.memo = Some(validated);
        }
        facts.validated = true;
        facts.complexity = result.complexity;
        facts.depth = result.depth;
        facts.public = result.cache_control.public;
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        {
            let mut facts = self.facts();
            facts.phase = Phase::Executing;
            facts.operation_name = operation_name.map(str::to_owned);
            if let Some(request) = ctx.data_opt::<RequestContext>() {
                facts.stats = Some(request.db.stats().clone());
                facts.request_id = Some(request.request_id.clone());
            }
        }
        if let Some(preflight) = ctx.data_opt::<Preflight>() {
            let mut facts = self.facts();
            if let Some(parsed) = facts.parsed.clone() {
                // Credentials are throttled for every mutation of a
                // document, even one that does not run: only documents of
                // queries alone pass their checks the same way every time.
                let only_queries = parsed
                    .operation_types
                    .values()
                    .all(|ty| *ty == OperationType::Query);
                if let Some(memo) = facts.memo.take().filter(|_| only_queries) {
                    memo.admitted.get_or_init(|| Readmission {
                        operation_name: facts.operation_name.clone(),
                        env: ctx.schema_env.clone(),
                        report_stats: reports_stats(ctx),
                    });
                }
                preflight.admit(Admission {
                    parsed,
                    facts: std::mem::take(&mut *facts),
                    env: ctx.schema_env.clone(),
                    report_stats: reports_stats(ctx),
                });
                return Response::default();
            }
        }
        next.run(ctx, operation_name).await
    }
}
