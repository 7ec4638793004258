//! `POST /graphql` and `GET /graphql` per the GraphQL over HTTP spec.
//!
//! async-graphql-axum answers 200 to everything, parses any body as JSON and
//! runs mutations over GET; this edge negotiates media types, refuses
//! non-JSON bodies (415), mutations over GET (405) and malformed requests
//! (400), gives request errors a 400 under
//! `application/graphql-response+json`, answers 429 (both media types) to
//! an operation refused as rate limited, and runs batches (JSON arrays)
//! when they are enabled.

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::{
    body::Bytes,
    extract::{ConnectInfo, RawQuery, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value as Json, json};

use super::{
    REQUEST_ID_HEADER, batch, graphiql,
    negotiate::{self, ResponseMedia},
};
use crate::{
    auth::Viewer,
    db::{CountedConnection, OperationStats},
    error::ErrorCode,
    schema::{RequestContext, loaders, within_token_limit},
    state::AppState,
};

/// A failure answered before any GraphQL runs.
pub(super) struct Rejection {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    header: Option<(HeaderName, &'static str)>,
}

impl Rejection {
    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: ErrorCode::BadUserInput,
            message: message.into(),
            header: None,
        }
    }

    /// A missing-scheme, malformed, expired or forged access token fails the
    /// whole request: it is never treated as anonymous.
    fn bad_token(message: String) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: ErrorCode::Unauthenticated,
            message,
            header: Some((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")),
        }
    }

    /// The same rejection, naming the batch entry at fault.
    pub(super) fn in_batch(mut self, index: usize) -> Self {
        self.message = format!("operation {index} of the batch: {}", self.message);
        self
    }

    pub(super) fn into_response(self, media: ResponseMedia) -> Response {
        let body = json!({
            "errors": [{ "message": self.message, "extensions": { "code": self.code.as_str() } }]
        });
        let mut response = json_response(self.status, media, &body);
        if let Some((name, value)) = self.header {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
        response
    }
}

/// A JSON body with the negotiated content type.
pub(super) fn json_response(status: StatusCode, media: ResponseMedia, body: &Json) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, media.content_type())],
        body.to_string(),
    )
        .into_response()
}

/// The request id the request-id layer put on the request.
pub(super) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Checks the JSON types of the request parameters, then builds the request.
pub(super) fn graphql_request(
    mut params: Map<String, Json>,
) -> Result<async_graphql::Request, Rejection> {
    match params.get("query") {
        Some(Json::String(_)) => {}
        None | Some(Json::Null) => {
            return Err(Rejection::bad_request("the `query` parameter is missing"));
        }
        Some(_) => return Err(Rejection::bad_request("`query` must be a string")),
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
            return Err(Rejection::bad_request(format!(
                "`{name}` must be {expected} or null"
            )));
        }
    }
    params.retain(|_, value| !value.is_null());
    serde_json::from_value(Json::Object(params))
        .map_err(|err| Rejection::bad_request(format!("invalid GraphQL request: {err}")))
}

/// Who the request's `Authorization` header says is calling. Two such
/// headers are refused: a proxy and the server could each pick another.
pub(super) fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Viewer, Rejection> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(Rejection::bad_token(
            "send one Authorization header, not several".to_owned(),
        ));
    }
    let authorization = first
        .map(|value| {
            value.to_str().map_err(|_| {
                Rejection::bad_token("the Authorization header is not valid text".to_owned())
            })
        })
        .transpose()?;
    state
        .keys
        .viewer_from_header(authorization)
        .map_err(|err| Rejection::bad_token(err.client_message()))
}

/// One operation's answer, before it becomes (part of) an HTTP response.
pub(super) struct Answer {
    status: StatusCode,
    /// The response body of this operation.
    pub(super) body: Json,
    /// Its response headers (rate-limit figures, `Retry-After`).
    pub(super) headers: HeaderMap,
}

fn has_code(response: &async_graphql::Response, codes: &[ErrorCode]) -> bool {
    response.errors.iter().any(|error| {
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"));
        matches!(
            code,
            Some(async_graphql::Value::String(code))
                if codes.iter().any(|expected| code == expected.as_str())
        )
    })
}

/// Runs one operation with fresh per-request loaders and statement counter.
pub(super) async fn run(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    viewer: Viewer,
    request: async_graphql::Request,
    media: ResponseMedia,
) -> Answer {
    let db = CountedConnection::new(state.db.clone(), Arc::new(OperationStats::default()));
    let (loaders, batches) = loaders::for_request(db.clone());
    let request = request.data(loaders).data(RequestContext {
        db,
        request_id: request_id(headers),
        viewer,
        client_ip: Some(peer.ip()),
        keys: state.keys.clone(),
    });
    let response = batches.drive(state.schema.execute(request)).await;

    let rate_limited = has_code(&response, &[ErrorCode::RateLimited]);
    let request_error = has_code(
        &response,
        &[
            ErrorCode::GraphqlParseFailed,
            ErrorCode::GraphqlValidationFailed,
            ErrorCode::QueryTooComplex,
        ],
    );
    let refused = rate_limited || request_error;
    let mut body = Map::new();
    if !(refused && media == ResponseMedia::GraphqlResponseJson) {
        body.insert(
            "data".to_owned(),
            serde_json::to_value(&response.data).unwrap_or(Json::Null),
        );
    }
    if !response.errors.is_empty() {
        body.insert(
            "errors".to_owned(),
            serde_json::to_value(&response.errors).unwrap_or_default(),
        );
    }
    if !response.extensions.is_empty() {
        body.insert(
            "extensions".to_owned(),
            serde_json::to_value(&response.extensions).unwrap_or_default(),
        );
    }
    let status = if rate_limited {
        StatusCode::TOO_MANY_REQUESTS
    } else if request_error && media == ResponseMedia::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Answer {
        status,
        body: Json::Object(body),
        headers: response.http_headers,
    }
}

/// Runs one operation and answers it.
async fn execute(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    request: async_graphql::Request,
    media: ResponseMedia,
) -> Response {
    let viewer = match viewer(state, headers) {
        Ok(viewer) => viewer,
        Err(rejection) => return rejection.into_response(media),
    };
    let answer = run(state, peer, headers, viewer, request, media).await;
    let mut http = json_response(answer.status, media, &answer.body);
    http.headers_mut().extend(answer.headers);
    http
}

fn not_acceptable() -> Response {
    Rejection {
        status: StatusCode::NOT_ACCEPTABLE,
        code: ErrorCode::BadUserInput,
        message:
            "only application/graphql-response+json and application/json responses are available"
                .to_owned(),
        header: None,
    }
    .into_response(ResponseMedia::Json)
}

/// `POST /graphql`: a JSON body with `query`, `operationName`, `variables`,
/// `extensions`, or an array of them when batching is enabled.
pub async fn post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(media) = negotiate::response_media(&headers) else {
        return not_acceptable();
    };
    if !negotiate::is_json_body(&headers) {
        return Rejection {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: ErrorCode::BadUserInput,
            message: "send the request as `Content-Type: application/json`".to_owned(),
            header: None,
        }
        .into_response(media);
    }
    let params = match serde_json::from_slice::<Json>(&body) {
        Ok(Json::Object(params)) => params,
        Ok(Json::Array(entries)) => {
            return batch::execute(&state, peer, &headers, entries, media).await;
        }
        Ok(_) => {
            return Rejection::bad_request("the body must be a JSON object").into_response(media);
        }
        Err(err) => {
            return Rejection::bad_request(format!("the body is not valid JSON: {err}"))
                .into_response(media);
        }
    };
    match graphql_request(params) {
        Ok(request) => execute(&state, peer, &headers, request, media).await,
        Err(rejection) => rejection.into_response(media),
    }
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

/// `GET /graphql`: queries in the URL; a browser asking for HTML gets GraphiQL.
pub async fn get(
    state: State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params: HashMap<String, String> =
        match serde_urlencoded::from_str(query.as_deref().unwrap_or_default()) {
            Ok(params) => params,
            Err(err) => {
                return Rejection::bad_request(format!("malformed query string: {err}"))
                    .into_response(
                        negotiate::response_media(&headers).unwrap_or(ResponseMedia::Json),
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
    let mut json = Map::new();
    for (name, value) in params {
        let value = match name.as_str() {
            "variables" | "extensions" => match serde_json::from_str(&value) {
                Ok(parsed) => parsed,
                Err(_) => {
                    return Rejection::bad_request(format!("`{name}` must be URL-encoded JSON"))
                        .into_response(media);
                }
            },
            _ => Json::String(value),
        };
        json.insert(name, value);
    }
    let mut request = match graphql_request(json) {
        Ok(request) => request,
        Err(rejection) => return rejection.into_response(media),
    };
    // Finding the operation type parses the document, so an oversized one
    // goes straight to the schema, whose token limit refuses it unparsed.
    if within_token_limit(&request.query, state.settings.limits.max_tokens)
        && selected_operation_type(&mut request) == Some(OperationType::Mutation)
    {
        return Rejection {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: ErrorCode::BadUserInput,
            message: "mutations must be sent with POST".to_owned(),
            header: Some((header::ALLOW, "POST")),
        }
        .into_response(media);
    }
    execute(&state, peer, &headers, request, media).await
}
