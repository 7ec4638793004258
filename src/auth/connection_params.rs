//! The access token of a WebSocket connection: browsers cannot set headers
//! on a WebSocket handshake, so clients send it in `connection_init`'s
//! payload, the way they would send the header.

use serde_json::Value as Json;

use crate::error::{AppError, AppResult};

/// The `Authorization` value in a `connection_init` payload:
/// `{"authorization": "Bearer <token>"}`, the key in any case
/// (`Authorization` is what clients copying their HTTP headers send), or
/// `{"token": "<token>"}`. No payload, or one without either key, is
/// anonymous; a value that is not a string, or several of them, is refused.
pub fn authorization(payload: Option<&Json>) -> AppResult<Option<String>> {
    let Some(payload) = payload else {
        return Ok(None);
    };
    let Json::Object(fields) = payload else {
        return match payload {
            Json::Null => Ok(None),
            _ => Err(AppError::unauthenticated(
                "the connection_init payload must be an object",
            )),
        };
    };
    let mut entries = fields.iter().filter(|(key, value)| {
        (key.eq_ignore_ascii_case("authorization") || key.as_str() == "token") && !value.is_null()
    });
    let first = entries.next();
    if entries.next().is_some() {
        return Err(AppError::unauthenticated(
            "send one authorization entry, not several",
        ));
    }
    match first {
        None => Ok(None),
        Some((key, Json::String(token))) if key == "token" => Ok(Some(format!("Bearer {token}"))),
        Some((_, Json::String(value))) => Ok(Some(value.clone())),
        Some(_) => Err(AppError::unauthenticated(
            "`authorization` must be the string `Bearer <token>`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_token_is_found_under_authorization_in_any_case() {
        let lower = json!({ "authorization": "Bearer a" });
        let upper = json!({ "Authorization": "Bearer b" });
        let bare = json!({ "token": "c" });
        for (payload, expected) in [(lower, "Bearer a"), (upper, "Bearer b"), (bare, "Bearer c")] {
            assert_eq!(
                authorization(Some(&payload)).ok(),
                Some(Some(expected.to_owned()))
            );
        }
    }

    #[test]
    fn no_payload_or_no_key_is_anonymous() {
        assert_eq!(authorization(None).ok(), Some(None));
        assert_eq!(authorization(Some(&Json::Null)).ok(), Some(None));
        assert_eq!(authorization(Some(&json!({ "x": 1 }))).ok(), Some(None));
    }

    #[test]
    fn a_malformed_entry_is_refused() {
        for payload in [
            json!({ "authorization": 7 }),
            json!({ "authorization": "Bearer a", "AUTHORIZATION": "Bearer b" }),
            json!({ "authorization": "Bearer a", "token": "b" }),
            json!("Bearer a"),
        ] {
            assert!(authorization(Some(&payload)).is_err(), "{payload}");
        }
    }
}
