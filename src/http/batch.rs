//! Batched requests (a JSON array of operations), when enabled: the batch is
//! checked whole before anything runs, then each entry runs as its own
//! operation.

use std::net::IpAddr;

use axum::{
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde_json::Value as Json;

use super::{
    graphql::{graphql_request, json_response, run, viewer},
    negotiate::ResponseMedia,
    persisted,
};
use crate::{error::AppError, state::AppState};

/// The same refusal, naming the batch entry at fault.
fn in_batch(error: AppError, index: usize) -> AppError {
    match error {
        AppError::BadUserInput { message, field } => AppError::BadUserInput {
            message: format!("operation {index} of the batch: {message}"),
            field,
        },
        other => other,
    }
}

/// Runs a batch: every entry is checked before any runs, then each runs as
/// its own operation (limits, statement counter, budget spend) in order.
/// The answer is 200 with one result per operation; the headers are the
/// last operation's, so `Retry-After` shows when any was rate limited.
pub(super) async fn execute(
    state: &AppState,
    client: IpAddr,
    headers: &HeaderMap,
    entries: Vec<Json>,
    media: ResponseMedia,
) -> Result<Response, AppError> {
    let most = state.settings.limits.max_batch_operations;
    let refusal = if most == 0 {
        Some("batched requests are not enabled".to_owned())
    } else if entries.is_empty() {
        Some("a batch needs at least one operation".to_owned())
    } else if entries.len() > most {
        Some(format!(
            "a batch may hold at most {most} operations; this one has {}",
            entries.len()
        ))
    } else {
        None
    };
    if let Some(message) = refusal {
        return Err(AppError::malformed(message));
    }
    let requests = entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            match entry {
                Json::Object(params) => graphql_request(params),
                _ => Err(AppError::malformed("each entry must be a JSON object")),
            }
            .map_err(|error| in_batch(error, index))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let viewer = viewer(state, headers)?;
    let mut requests = requests;
    for (index, request) in requests.iter_mut().enumerate() {
        persisted::resolve(state, request)
            .await
            .map_err(|error| in_batch(error, index))?;
    }
    let mut bodies = Vec::with_capacity(requests.len());
    let mut answer_headers = HeaderMap::new();
    for request in requests {
        let answer = run(state, client, headers, viewer, request, media).await;
        bodies.push(answer.body);
        answer_headers.extend(answer.headers);
    }
    let mut http = json_response(StatusCode::OK, media, format!("[{}]", bodies.join(",")));
    http.headers_mut().extend(answer_headers);
    Ok(http)
}
