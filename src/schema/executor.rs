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

use std::time::Instant;

use async_graphql::{Request, Response, Schema, futures_util::stream::BoxStream};

use super::{
    RequestContext, loaders::Loaders, mutation::MutationRoot, observer::Preflight,
    query::QueryRoot, subscription::SubscriptionRoot,
};

/// The schema type both passes use.
pub(super) type RootSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The service's schema: the same types, data and settings twice, with and
/// without the extensions.
#[derive(Clone)]
pub struct AppSchema {
    checked: RootSchema,
    bare: RootSchema,
}

impl AppSchema {
    pub(super) fn new(checked: RootSchema, bare: RootSchema) -> Self {
        Self { checked, bare }
    }

    /// Runs one query or mutation for the caller of `context`, with its
    /// request's `loaders`.
    pub async fn execute(
        &self,
        request: Request,
        context: RequestContext,
        loaders: Loaders,
    ) -> Response {
        let started = Instant::now();
        let preflight = Preflight::default();
        let variables = request.variables.clone();
        let checked = self
            .checked
            .execute(request.data(context.clone()).data(preflight.clone()))
            .await;
        let Some(admission) = preflight.admission() else {
            return checked;
        };
        let mut request = Request::new(String::new())
            .variables(variables)
            .data(context)
            .data(loaders);
        request.operation_name = admission.operation_name().map(str::to_owned);
        request.set_parsed_query(admission.document());
        let mut response = self.bare.execute(request).await;
        response.http_headers.extend(checked.http_headers);
        admission.finish(response, started.elapsed())
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
