//! Query protection: every document is measured before anything executes.
//! Over the token limit (a cheap lexer scan before parsing), the alias or
//! directive limit (after parsing), or the depth or cost limit (after
//! validation) it is refused with `QUERY_TOO_COMPLEX`; `login`/`register`
//! attempts over their limits and operations over the caller's cost budget
//! are refused with `RATE_LIMITED`. No statement is sent for a refusal.
//!
//! async-graphql limits depth and complexity (with a message but no code)
//! and has no alias or token limit, so the checks live here, fed by what
//! parsing and validation already computed.

mod attempts;
mod document;
mod recursion;
mod tokens;

use std::{
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_graphql::{
    ErrorExtensionValues, Response, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
    },
    parser::types::ExecutableDocument,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};

use super::context::{Admitted, QueryLimits, RequestContext};
use crate::{
    error::{AppError, ErrorCode},
    ratelimit::{Budget, LimitKey, Limiter, RateLimits},
    sync::lock,
};

/// Response header: the caller's whole cost budget per window.
pub const LIMIT_HEADER: &str = "x-ratelimit-limit";
/// Response header: cost points left after this operation.
pub const REMAINING_HEADER: &str = "x-ratelimit-remaining";
/// Response header: Unix time (seconds) when the budget is whole again.
pub const RESET_HEADER: &str = "x-ratelimit-reset";

/// Whether `query` has at most `max` lexical tokens (a cheap scan, no parse).
pub fn within_token_limit(query: &str, max: usize) -> bool {
    // Every token takes at least one byte: a document no longer than the
    // limit cannot exceed it, and most documents are far shorter.
    query.len() <= max || tokens::count_up_to(query, max) <= max
}

fn too_complex(message: String) -> ServerError {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", ErrorCode::QueryTooComplex.as_str());
    let mut error = ServerError::new(message, None);
    error.extensions = Some(extensions);
    error
}

fn rate_limited(retry_after_secs: u64) -> ServerError {
    let error = async_graphql::Error::from(AppError::RateLimited { retry_after_secs });
    let mut server_error = ServerError::new(error.message, None);
    server_error.extensions = error.extensions;
    server_error
}

/// Installs the protection on every request; register it before the
/// observer so that the observer has recorded an operation's cost by the
/// time it is checked.
pub struct QueryProtection;

impl ExtensionFactory for QueryProtection {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Protection::default())
    }
}

/// What the limiters said during one operation, for its response headers.
#[derive(Default)]
struct Spent {
    budget: Option<Budget>,
    retry_after_secs: Option<u64>,
}

#[derive(Default)]
struct Protection {
    spent: Mutex<Spent>,
}

impl Protection {
    fn spent(&self) -> MutexGuard<'_, Spent> {
        lock(&self.spent)
    }

    /// Records a refusal for the response headers and logs it once.
    fn refuse(&self, key: &LimitKey, cost: u32, retry_after_secs: u64) -> ServerError {
        log_refusal(key, cost, retry_after_secs);
        self.spent().retry_after_secs = Some(retry_after_secs);
        rate_limited(retry_after_secs)
    }

    /// Spends `cost` from `key`'s budget, or refuses with `RATE_LIMITED`.
    async fn spend(&self, limiter: &dyn Limiter, key: &LimitKey, cost: u32) -> ServerResult<()> {
        match limiter.spend(key, cost).await.retry_after_secs() {
            None => Ok(()),
            Some(retry_after_secs) => Err(self.refuse(key, cost, retry_after_secs)),
        }
    }

    /// Throttles the `login`/`register` attempts of `document` per client
    /// IP and per account, counting every aliased field.
    async fn throttle_credentials(
        &self,
        ctx: &ExtensionContext<'_>,
        document: &ExecutableDocument,
        variables: &Variables,
    ) -> ServerResult<()> {
        let Some(limits) = ctx.data_opt::<RateLimits>() else {
            return Ok(());
        };
        let found = attempts::count(document, variables);
        if found.total == 0 {
            return Ok(());
        }
        let client_ip = ctx
            .data_opt::<RequestContext>()
            .and_then(|request| request.client_ip);
        if let (Some(limiter), Some(ip)) = (&limits.login_per_ip, client_ip) {
            self.spend(limiter.as_ref(), &LimitKey::client(ip), found.total)
                .await?;
        }
        if let Some(limiter) = &limits.login_per_account {
            for ((action, email), count) in found.per_account {
                self.spend(
                    limiter.as_ref(),
                    &LimitKey::Account { action, email },
                    count,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Spends the operation's cost from its caller's budget (unless an
    /// earlier run already did).
    async fn spend_budget(
        &self,
        ctx: &ExtensionContext<'_>,
        complexity: usize,
    ) -> ServerResult<()> {
        if ctx.data_opt::<Admitted>().is_some() {
            return Ok(());
        }
        let charged = charge_cost(
            ctx.data_opt::<RateLimits>(),
            ctx.data_opt::<RequestContext>(),
            complexity,
        )
        .await;
        let mut spent = self.spent();
        spent.budget = charged.budget;
        match charged.retry_after_secs {
            None => Ok(()),
            Some(retry_after_secs) => {
                spent.retry_after_secs = Some(retry_after_secs);
                Err(rate_limited(retry_after_secs))
            }
        }
    }
}

fn log_refusal(key: &LimitKey, cost: u32, retry_after_secs: u64) {
    tracing::info!(%key, cost, retry_after_secs, "rate limited");
}

/// Spends an operation's cost (its `complexity`) from its caller's budget:
/// the signed-in user's, else the client IP's. Nothing is spent without a
/// cost limiter or a caller to charge.
async fn charge_cost(
    limits: Option<&RateLimits>,
    request: Option<&RequestContext>,
    complexity: usize,
) -> Spent {
    let Some(limiter) = limits.and_then(|limits| limits.cost.as_ref()) else {
        return Spent::default();
    };
    let Some(key) = request.and_then(|request| {
        request
            .viewer
            .user_id()
            .map(LimitKey::User)
            .or_else(|| request.client_ip.map(LimitKey::client))
    }) else {
        return Spent::default();
    };
    let cost = u32::try_from(complexity).unwrap_or(u32::MAX);
    let verdict = limiter.spend(&key, cost).await;
    let retry_after_secs = verdict.retry_after_secs();
    if let Some(retry_after_secs) = retry_after_secs {
        log_refusal(&key, cost, retry_after_secs);
    }
    Spent {
        budget: verdict.budget(),
        retry_after_secs,
    }
}

/// Charges an operation admitted without the checked run (the same inputs
/// passed it before, see `executor`) as that run would have: spends its
/// cost, and gives the response headers of the budget and, when it is
/// spent, the refusal.
pub(super) async fn charge_readmitted(
    limits: &RateLimits,
    request: &RequestContext,
    complexity: usize,
) -> (HeaderMap, Option<ServerError>) {
    let spent = charge_cost(Some(limits), Some(request), complexity).await;
    let mut headers = HeaderMap::new();
    insert_headers(&mut headers, &spent);
    (headers, spent.retry_after_secs.map(rate_limited))
}

fn unix_secs_after(delay: Duration) -> u64 {
    let at = SystemTime::now() + delay;
    let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    since_epoch.as_secs() + u64::from(since_epoch.subsec_nanos() > 0)
}

fn insert_headers(headers: &mut HeaderMap, spent: &Spent) {
    if let Some(budget) = spent.budget {
        for (name, value) in [
            (LIMIT_HEADER, u64::from(budget.limit)),
            (REMAINING_HEADER, u64::from(budget.remaining)),
            (RESET_HEADER, unix_secs_after(budget.full_in)),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
    if let Some(retry_after_secs) = spent.retry_after_secs {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    }
}

#[async_trait::async_trait]
impl Extension for Protection {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let spent = std::mem::take(&mut *self.spent());
        insert_headers(&mut response.http_headers, &spent);
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let limits = ctx.data_opt::<QueryLimits>();
        if let Some(limits) = limits {
            if !within_token_limit(query, limits.max_tokens) {
                return Err(too_complex(format!(
                    "the document has more than {} tokens",
                    limits.max_tokens
                )));
            }
        }
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(|error| recursion::reclassify(query, error))?;
        if let Some(limits) = limits {
            document::check_document(&document, limits)?;
        }
        self.throttle_credentials(ctx, &document, variables).await?;
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(limits) = ctx.data_opt::<QueryLimits>() {
            document::check_cost(&result, limits).map_err(|error| vec![error])?;
        }
        self.spend_budget(ctx, result.complexity)
            .await
            .map_err(|error| vec![error])?;
        Ok(result)
    }
}
