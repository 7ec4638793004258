//! Automatic persisted queries, Apollo's protocol: a request may carry
//! `extensions.persistedQuery { version: 1, sha256Hash }` instead of its
//! document. A known hash runs the registered document; an unknown one is
//! `PERSISTED_QUERY_NOT_FOUND`, and the client sends the document with the
//! hash once, which registers it (for every instance, with Redis). Over GET
//! this keeps URLs short and cacheable by a CDN.

use async_graphql::Value;
use sha2::{Digest, Sha256};

use crate::{cache::PersistedDocuments, error::AppError};

const FIELD: &str = "extensions.persistedQuery";

/// The SHA-256 of `text`, as lowercase hex.
pub(super) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

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
/// sent with its hash; requests without the extension pass unchanged.
pub(super) async fn resolve(
    documents: &PersistedDocuments,
    request: &mut async_graphql::Request,
) -> Result<(), AppError> {
    let Some(persisted) = request.extensions.get("persistedQuery") else {
        return Ok(());
    };
    let hash = requested_hash(persisted)?;
    if request.query.is_empty() {
        let text = documents
            .get(&hash)
            .await
            .ok_or(AppError::PersistedQueryNotFound)?;
        request.query = text.to_string();
        return Ok(());
    }
    if sha256_hex(&request.query) != hash {
        return Err(AppError::bad_input(
            FIELD,
            "provided sha256Hash does not match the query",
        ));
    }
    documents.put(&hash, &request.query).await;
    Ok(())
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

    #[tokio::test]
    async fn an_unknown_hash_is_not_found_and_a_sent_document_registers() {
        let documents = PersistedDocuments::in_process();
        let text = "{ __typename }";
        let request = |query: &str| {
            let json = serde_json::json!({ "version": 1, "sha256Hash": sha256_hex(text) });
            let mut request = async_graphql::Request::new(query);
            request.extensions.insert(
                "persistedQuery".into(),
                Value::from_json(json).expect("a value"),
            );
            request
        };
        let refused = resolve(&documents, &mut request("")).await;
        assert!(matches!(refused, Err(AppError::PersistedQueryNotFound)));

        assert!(resolve(&documents, &mut request(text)).await.is_ok());
        let mut by_hash = request("");
        assert!(resolve(&documents, &mut by_hash).await.is_ok());
        assert_eq!(by_hash.query, text);

        let mismatch = resolve(&documents, &mut request("{ products { totalCount } }")).await;
        assert!(matches!(mismatch, Err(AppError::BadUserInput { .. })));
    }
}
