//! The request body, read up to the configured limit. A body announced as
//! larger is refused before any of it is read (so a client waiting for
//! `100 Continue` never sends it); either way the refusal closes the
//! connection, whose unread bytes could not be told from the next request.

use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, header},
};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::error::{AppError, Refusal};

/// The whole body, or `BodyTooLarge` once it exceeds `limit` bytes.
pub(super) async fn read(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, AppError> {
    let too_large = AppError::Refused(Refusal::BodyTooLarge { limit_bytes: limit });
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return Err(too_large);
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(too_large),
        Err(err) => Err(AppError::malformed(format!(
            "the request body could not be read: {err}"
        ))),
    }
}
