//! Persisted queries. Apollo's automatic protocol: a request may carry
//! `extensions.persistedQuery { version: 1, sha256Hash }` instead of its
//! document. A known hash runs the registered document; an unknown one is
//! `PERSISTED_QUERY_NOT_FOUND`, and the client sends the document with the
//! hash once, which registers it (for every instance, with Redis). Over GET
//! this keeps URLs short and cacheable by a CDN.
//!
//! Trusted documents (`storefront persisted add`) resolve by hash too; with
//! `STOREFRONT_PERSISTED_ONLY` they are the only documents that run, sent
//! by hash or in full, and nothing registers automatically.

use async_graphql::Value;

use crate::{domain::digest::sha256_hex, error::AppError, state::AppState};

const FIELD: &str = "extensions.persistedQuery";

/// True when the request names a persisted query, so that it may come
/// without a document.
pub(super) fn is_persisted(params: &serde_json::Map<String, serde_json::Value>) -> bool {
    params
        .get("extensions")
        .and_then(|extensions| extensions.get("persistedQuery"))
        .is_some()
}

/// The hash a well-formed `persistedQuery` extension names.
fn requested_hash(persisted: &Value) -> Result<String, AppError> {
    let Value::Object(fields) = persisted else {
        return Err(AppError::bad_input(FIELD, "must be an object"));
    };
    match fields.get("version") {
        Some(Value::Number(version)) if version.as_u64() == Some(1) => {}
        _ => {
            return Err(AppError::bad_input(
                FIELD,
                "unsupported persisted query version: send version 1",
            ));
        }
    }
    match fields.get("sha256Hash") {
        Some(Value::String(hash))
            if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Ok(hash.to_ascii_lowercase())
        }
        _ => Err(AppError::bad_input(
            FIELD,
            "`sha256Hash` must be the 64 hex digits of the document's SHA-256",
        )),
    }
}

/// Fills in the document of a persisted query, or registers the document
/// sent with its hash; in trusted-documents mode, refuses any document that
/// is not registered. Other requests pass unchanged.
///
/// The lookups run in a box of their own, made only for a request they
/// concern: their futures (cache reads, the store) are large, and inline
/// they would make every operation's future larger, copied as it moves.
pub(super) async fn resolve(
    state: &AppState,
    request: &mut async_graphql::Request,
) -> Result<(), AppError> {
    if !state.settings.persisted.only && !request.extensions.contains_key("persistedQuery") {
        return Ok(());
    }
    Box::pin(look_up(state, request)).await
}

async fn look_up(state: &AppState, request: &mut async_graphql::Request) -> Result<(), AppError> {
    let trusted_only = state.settings.persisted.only;
    let Some(persisted) = request.extensions.get("persistedQuery") else {
        if trusted_only {
            admit_trusted(state, &request.query).await?;
        }
        return Ok(());
    };
    let hash = requested_hash(persisted)?;
    if request.query.is_empty() {
        let automatic = if trusted_only {
            None
        } else {
            state.documents.get(&hash).await
        };
        let text = match automatic {
            Some(text) => text,
            None => state
                .trusted
                .get(&hash)
                .await?
                .ok_or(AppError::PersistedQueryNotFound)?,
        };
        request.query = text.to_string();
        return Ok(());
    }
    if sha256_hex(&request.query) != hash {
        return Err(AppError::bad_input(
            FIELD,
            "provided sha256Hash does not match the query",
        ));
    }
    if trusted_only {
        admit_trusted(state, &request.query).await
    } else {
        state.documents.put(&hash, &request.query).await;
        Ok(())
    }
}

/// In trusted-documents mode: `query` runs only if it is registered.
pub(super) async fn admit_trusted(state: &AppState, query: &str) -> Result<(), AppError> {
    match state.trusted.get(&sha256_hex(query)).await? {
        Some(_) => Ok(()),
        None => Err(AppError::PersistedQueryNotInList),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_the_documents_sha256_in_hex() {
        assert_eq!(
            sha256_hex("{ __typename }"),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
    }

    #[test]
    fn the_extension_must_name_version_1_and_a_sha256() {
        let extension = |json: serde_json::Value| Value::from_json(json).expect("a value");
        let hash = sha256_hex("{ __typename }");
        let upper = hash.to_ascii_uppercase();
        assert_eq!(
            requested_hash(&extension(
                serde_json::json!({ "version": 1, "sha256Hash": upper })
            ))
            .ok(),
            Some(hash.clone())
        );
        for wrong in [
            serde_json::json!({ "version": 2, "sha256Hash": hash }),
            serde_json::json!({ "version": 1, "sha256Hash": "abc" }),
            serde_json::json!("a string"),
        ] {
            assert!(requested_hash(&extension(wrong)).is_err());
        }
    }
}
