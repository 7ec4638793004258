//! `POST /graphql` and `GET /graphql` per the GraphQL over HTTP spec.
//!
//! async-graphql-axum answers 200 to everything, parses any body as JSON and
//! runs mutations over GET; this edge negotiates media types, refuses
//! non-JSON bodies (415), mutations over GET (405) and malformed requests
//! (400), gives request errors (refused before execution) their code's
//! status under `application/graphql-response+json`, answers 429 (both
//! media types) to an operation refused as rate limited, and runs batches
//! (JSON arrays) when they are enabled. Every refusal is an [`AppError`]
//! rendered in the negotiated media type.

use std::{
    collections::{BTreeMap, HashMap},
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::{
    Extension,
    body::{Body, Bytes},
    extract::{
        ConnectInfo, RawQuery, Request, State,
        ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    },
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};

use super::{
    REQUEST_ID, batch, body, caching, client_address, graphiql,
    negotiate::{self, ResponseMedia},
    persisted,
    server::ConnectionSlot,
    ws,
};
use crate::{
    auth::Viewer,
    cache::TagSet,
    db::{CountedConnection, OperationStats},
    error::{AppError, ErrorCode, INTERNAL_MESSAGE, Refusal},
    schema::{Executed, RequestContext, loaders, within_token_limit},
    state::AppState,
};

/// Response headers a GraphQL answer may end up with: its content type,
/// the request id, the security headers, the rate-limit headers and
/// `Retry-After`, and the `Content-Length` axum adds last. A map sized for
/// them never grows: growing rehashes it, on every request.
const ANSWER_HEADERS: usize = 12;

/// A serialized JSON body with the negotiated content type.
pub(super) fn json_response(status: StatusCode, media: ResponseMedia, body: String) -> Response {
    let mut headers = HeaderMap::with_capacity(ANSWER_HEADERS);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The body of one operation's result, serialized straight from the
/// executor's values: `data` is left out of a request error under
/// `application/graphql-response+json`, `errors` and `extensions` when empty.
#[derive(Serialize)]
struct ResultBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
}

/// `body` (a serialized [`ResultBody`] without `data`) with `data`, already
/// serialized, put first.
fn with_data(body: &str, data: &str) -> String {
    let rest = body.strip_prefix('{').unwrap_or(body);
    let mut joined = String::with_capacity(body.len() + data.len() + 10);
    joined.push_str("{\"data\":");
    joined.push_str(data);
    if rest != "}" {
        joined.push(',');
    }
    joined.push_str(rest);
    joined
}

/// The request id the request-id layer put on the request.
pub(super) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Checks the JSON types of the request parameters, then builds the request.
pub(super) fn graphql_request(
    mut params: Map<String, Json>,
) -> Result<async_graphql::Request, AppError> {
    match params.get("query") {
        Some(Json::String(_)) => {}
        // A persisted query names its document by hash instead.
        None | Some(Json::Null) if persisted::is_persisted(&params) => {
            params.insert("query".to_owned(), Json::String(String::new()));
        }
        None | Some(Json::Null) => {
            return Err(AppError::malformed("the `query` parameter is missing"));
        }
        Some(_) => return Err(AppError::malformed("`query` must be a string")),
    }
    for (name, expected) in [
        ("operationName", "a string"),
        ("variables", "an object"),
        ("extensions", "an object"),
    ] {
        let valid = match params.get(name) {
            None | Some(Json::Null) => true,
            Some(Json::String(_)) => name == "operationName",
            Some(Json::Object(_)) => name != "operationName",
            Some(_) => false,
        };
        if !valid {
            return Err(AppError::malformed(format!(
                "`{name}` must be {expected} or null"
            )));
        }
    }
    params.retain(|_, value| !value.is_null());
    serde_json::from_value(Json::Object(params))
        .map_err(|err| AppError::malformed(format!("invalid GraphQL request: {err}")))
}

/// A request object whose parameters all have their expected JSON types,
/// the common case: read straight into a request, without the JSON tree
/// that [`graphql_request`] checks. Anything else (a missing `query`, a
/// mistyped or repeated parameter, a batch) fails to deserialize here and
/// takes that path, which accepts the same bodies and names what is wrong
/// with the others.
#[derive(Deserialize)]
struct WellTyped {
    query: String,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
    #[serde(default)]
    variables: async_graphql::Variables,
    #[serde(default)]
    extensions: async_graphql::Extensions,
}

impl WellTyped {
    fn into_request(self) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(self.query).variables(self.variables);
        request.operation_name = self.operation_name;
        request.extensions = self.extensions;
        request
    }
}

/// Who the request's `Authorization` header says is calling. Two such
/// headers are refused: a proxy and the server could each pick another. A
/// missing-scheme, malformed, expired or forged access token fails the
/// whole request (401): it is never treated as anonymous.
pub(super) fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Viewer, AppError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(AppError::unauthenticated(
            "send one Authorization header, not several",
        ));
    }
    let authorization = first
        .map(|value| {
            value.to_str().map_err(|_| {
                AppError::unauthenticated("the Authorization header is not valid text")
            })
        })
        .transpose()?;
    state.keys.viewer_from_header(authorization)
}

/// One operation's answer, before it becomes (part of) an HTTP response.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    /// The response body of this operation, serialized.
    pub(super) body: String,
    /// Its response headers (rate-limit figures, `Retry-After`).
    pub(super) headers: HeaderMap,
    /// A public operation answered without errors (see [`Executed`]).
    pub(super) public: bool,
    /// Its `data` as serialized for the response cache: what an `ETag`
    /// stands for (the rest of a body, such as `extensions.stats`, varies
    /// between identical answers).
    pub(super) data_json: Option<Arc<str>>,
}

/// The HTTP method an operation came with: GET answers may be cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// The contract code of a request error: the response has no data and
/// its errors belong to no field, because the operation was refused before
/// it executed (parse, validation, limits, coercion). Only refusals of the
/// client's request count; a server-side failure stays a 200 with the error
/// in the body.
fn request_error(response: &async_graphql::Response) -> Option<ErrorCode> {
    if response.data != async_graphql::Value::Null
        || response.errors.iter().any(|error| !error.path.is_empty())
    {
        return None;
    }
    response
        .errors
        .iter()
        .find_map(ErrorCode::of)
        .filter(|code| code.status().is_client_error())
}

/// The status of an executed (or refused) operation: a request error takes
/// its code's status under `application/graphql-response+json`; under
/// legacy `application/json` it is 200 like any well-formed request, except
/// a rate limit, which concerns the caller's traffic rather than the
/// document and keeps its 429 so that clients back off.
fn status_of(refused: Option<ErrorCode>, media: ResponseMedia) -> StatusCode {
    match (refused, media) {
        (Some(code), ResponseMedia::GraphqlResponseJson) => code.status(),
        (Some(ErrorCode::RateLimited), ResponseMedia::Json) => ErrorCode::RateLimited.status(),
        _ => StatusCode::OK,
    }
}

/// The one place that routes operations between databases: a query goes to
/// the read replica when one is configured; mutations (and every read inside
/// them), and any document whose operation type cannot be told, go to the
/// primary. Resolvers and services use the connection they are given.
fn pool_for<'s>(
    state: &'s AppState,
    request: &mut async_graphql::Request,
) -> &'s DatabaseConnection {
    match &state.read_db {
        Some(replica)
            if within_token_limit(&request.query, state.settings.limits.max_tokens)
                && selected_operation_type(request) == Some(OperationType::Query) =>
        {
            replica
        }
        _ => &state.db,
    }
}

/// Runs one operation with fresh per-request loaders and statement counter.
///
/// The operation's future is built and boxed before the returned one
/// exists, which holds only the box and what the answer needs: every
/// argument an `async fn` takes is stored twice in its future (once as
/// passed, once as bound), and the request alone is 344 bytes, moved with
/// every future that holds it.
pub(super) fn run(
    state: &AppState,
    client: IpAddr,
    headers: &HeaderMap,
    viewer: Viewer,
    mut request: async_graphql::Request,
    media: ResponseMedia,
) -> impl Future<Output = Answer> {
    let pool = pool_for(state, &mut request).clone();
    let db = CountedConnection::new(
        pool,
        Arc::new(OperationStats::default()),
        state.cache.clone(),
    )
    .reusing_connections();
    let operation_db = db.clone();
    let read = TagSet::default();
    let (loaders, batches) = loaders::for_request(db.clone(), read.clone());
    let context = RequestContext {
        db,
        request_id: request_id(headers),
        viewer,
        client_ip: Some(client),
        keys: state.keys.clone(),
        read,
    };
    // Boxed: an operation's future is kilobytes, and every layer above
    // (handler, middleware) would otherwise copy it when it moves.
    let operation = batches.drive(Box::pin(state.schema.execute(request, context, loaders)));
    async move {
        let executed = operation.await;
        operation_db.end();
        answer(executed, media)
    }
}

/// An executed operation's answer, its body serialized.
fn answer(executed: Executed, media: ResponseMedia) -> Answer {
    let Executed {
        response,
        data_json,
        public,
    } = executed;
    let refused = request_error(&response);
    let body = ResultBody {
        data: (data_json.is_none()
            && !(refused.is_some() && media == ResponseMedia::GraphqlResponseJson))
            .then_some(&response.data),
        errors: &response.errors,
        extensions: &response.extensions,
    };
    // Values, errors and extensions serialize infallibly; should one ever
    // fail, the client gets a valid error body rather than a broken one.
    let body = serde_json::to_string(&body).unwrap_or_else(|err| {
        tracing::error!(error = %err, "a GraphQL response did not serialize");
        json!({ "errors": [{ "message": INTERNAL_MESSAGE }] }).to_string()
    });
    // Cached (or stored) data was serialized once, by the executor.
    let body = match &data_json {
        Some(data) => with_data(&body, data),
        None => body,
    };
    Answer {
        status: status_of(refused, media),
        body,
        headers: response.http_headers,
        public,
        data_json,
    }
}

/// Runs one operation and answers it. Built eagerly, like [`run`], so that
/// the request is moved into the operation's box, not into this future.
fn execute(
    state: &AppState,
    client: IpAddr,
    headers: &HeaderMap,
    request: async_graphql::Request,
    media: ResponseMedia,
    method: Method,
) -> impl Future<Output = Response> {
    let running = viewer(state, headers)
        .map(|viewer| (viewer, run(state, client, headers, viewer, request, media)));
    async move {
        let (viewer, running) = match running {
            Ok(running) => running,
            Err(error) => return media.label(error.into_response()),
        };
        let answer = running.await;
        if method == Method::Get {
            let shared = answer.public && viewer.user_id().is_none();
            let max_age = state.settings.cache.http_max_age;
            return caching::get_response(headers, answer, media, shared, max_age);
        }
        let mut http = json_response(answer.status, media, answer.body);
        http.headers_mut().extend(answer.headers);
        http
    }
}

fn not_acceptable() -> Response {
    AppError::Refused(Refusal::NotAcceptable).into_response()
}

/// `POST /graphql`: a JSON body with `query`, `operationName`, `variables`,
/// `extensions`, or an array of them when batching is enabled.
///
/// It takes the whole request and keeps only its headers and body: a
/// `HeaderMap` extractor copies every header into a new map, on every
/// request, and the rest of the request would be stored in its future.
pub fn post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> impl Future<Output = Response> {
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    async move {
        let Some(media) = negotiate::response_media(&headers) else {
            return not_acceptable();
        };
        match post_request(&state, peer, &headers, body, media).await {
            Ok(response) => response,
            Err(error) => media.label(error.into_response()),
        }
    }
}

async fn post_request(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Body,
    media: ResponseMedia,
) -> Result<Response, AppError> {
    if !negotiate::is_json_body(headers) {
        return Err(AppError::Refused(Refusal::UnsupportedMediaType));
    }
    let body: Bytes = body::read(body, headers, state.settings.http.max_body_bytes).await?;
    let client = client_address::resolve(peer, headers, &state.settings.http.trusted_proxies);
    // The request lives in this block only: past it, it is in the
    // operation's box, and this future keeps no room for it while the
    // operation runs.
    let answering = {
        let mut request = match serde_json::from_slice::<WellTyped>(&body) {
            Ok(params) => params.into_request(),
            Err(_) => match serde_json::from_slice::<Json>(&body) {
                Ok(Json::Object(params)) => graphql_request(params)?,
                // Boxed, as a rare path whose future would make every request's larger.
                Ok(Json::Array(entries)) => {
                    return Box::pin(batch::execute(state, client, headers, entries, media)).await;
                }
                Ok(_) => return Err(AppError::malformed("the body must be a JSON object")),
                Err(err) => {
                    return Err(AppError::malformed(format!(
                        "the body is not valid JSON: {err}"
                    )));
                }
            },
        };
        persisted::resolve(state, &mut request).await?;
        execute(state, client, headers, request, media, Method::Post)
    };
    Ok(answering.await)
}

fn selected_operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation.node.ty),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get(name.as_str())
            .map(|operation| operation.node.ty),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .values()
            .next()
            .map(|operation| operation.node.ty),
        _ => None,
    }
}

/// `GET /graphql`: a WebSocket handshake upgrades; otherwise queries in the
/// URL, and a browser asking for HTML gets GraphiQL.
pub async fn get(
    state: State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    websocket: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    slot: Option<Extension<ConnectionSlot>>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Ok(upgrade) = websocket {
        let State(state) = state;
        return ws::upgrade(
            state,
            peer,
            &headers,
            upgrade,
            slot.map(|Extension(slot)| slot),
        );
    }
    let params: HashMap<String, String> =
        match serde_urlencoded::from_str(query.as_deref().unwrap_or_default()) {
            Ok(params) => params,
            Err(err) => {
                let media = negotiate::response_media(&headers).unwrap_or(ResponseMedia::Json);
                return media.label(
                    AppError::malformed(format!("malformed query string: {err}")).into_response(),
                );
            }
        };
    if negotiate::wants_html(&headers) && !params.contains_key("query") {
        return graphiql::page(state).await;
    }
    let State(state) = state;
    let Some(media) = negotiate::response_media(&headers) else {
        return not_acceptable();
    };
    match get_request(&state, peer, &headers, params, media).await {
        Ok(response) => response,
        Err(error) => media.label(error.into_response()),
    }
}

async fn get_request(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    params: HashMap<String, String>,
    media: ResponseMedia,
) -> Result<Response, AppError> {
    let mut json = Map::new();
    for (name, value) in params {
        let value = match name.as_str() {
            "variables" | "extensions" => serde_json::from_str(&value)
                .map_err(|_| AppError::malformed(format!("`{name}` must be URL-encoded JSON")))?,
            _ => Json::String(value),
        };
        json.insert(name, value);
    }
    let mut request = graphql_request(json)?;
    persisted::resolve(state, &mut request).await?;
    // Finding the operation type parses the document, so an oversized one
    // goes straight to the schema, whose token limit refuses it unparsed.
    if within_token_limit(&request.query, state.settings.limits.max_tokens)
        && selected_operation_type(&mut request) == Some(OperationType::Mutation)
    {
        return Err(AppError::Refused(Refusal::MutationOverGet));
    }
    let client = client_address::resolve(peer, headers, &state.settings.http.trusted_proxies);
    Ok(execute(state, client, headers, request, media, Method::Get).await)
}
