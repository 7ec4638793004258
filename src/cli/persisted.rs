//! `storefront persisted add FILE…`: registers trusted documents, from
//! GraphQL files (each file one document) or Apollo persisted-query
//! manifests (`.json`).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use migration::{Migrator, MigratorTrait};
use serde::Deserialize;

use crate::{
    config::DatabaseSettings,
    services::persisted::{self, TrustedDocument},
    startup::connect,
};

/// What `storefront persisted` does.
#[derive(Subcommand)]
pub enum PersistedCommand {
    /// Register trusted documents: `.graphql` files (one document each) or
    /// Apollo persisted-query manifests (`.json`).
    Add(AddArgs),
}

/// Flags of `storefront persisted add`.
#[derive(Args)]
pub struct AddArgs {
    /// The files to register.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The database to register them in.
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Apollo's `persisted-query-manifest.json`.
#[derive(Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    operations: Vec<ManifestOperation>,
}

#[derive(Deserialize)]
struct ManifestOperation {
    id: String,
    name: Option<String>,
    body: String,
}

/// Runs a `storefront persisted` command.
pub async fn run(command: PersistedCommand) -> anyhow::Result<()> {
    match command {
        PersistedCommand::Add(args) => add(args).await,
    }
}

async fn add(args: AddArgs) -> anyhow::Result<()> {
    let mut documents = Vec::new();
    for file in &args.files {
        documents.extend(documents_in(file)?);
    }
    let db = connect(&args.database).await?;
    Migrator::up(&db, None).await?;
    let added = persisted::register(&db, &documents).await.map_err(|err| {
        anyhow::anyhow!("registering the documents failed: {}", err.client_message())
    })?;
    println!("{added} new of {} documents registered", documents.len());
    Ok(())
}

/// The documents `path` holds, each checked to be valid GraphQL syntax.
pub fn documents_in(path: &Path) -> anyhow::Result<Vec<TrustedDocument>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let documents = if path
        .extension()
        .is_some_and(|extension| extension == "json")
    {
        manifest_documents(&text)
            .with_context(|| format!("{} is not a manifest", path.display()))?
    } else {
        vec![TrustedDocument::new(text, None)]
    };
    for document in &documents {
        if let Err(err) = async_graphql::parser::parse_query(&document.body) {
            bail!("{}: a document does not parse: {err}", path.display());
        }
    }
    Ok(documents)
}

fn manifest_documents(text: &str) -> anyhow::Result<Vec<TrustedDocument>> {
    let manifest: Manifest = serde_json::from_str(text)?;
    if manifest.format != "apollo-persisted-query-manifest" || manifest.version != 1 {
        bail!("expected format \"apollo-persisted-query-manifest\", version 1");
    }
    manifest
        .operations
        .into_iter()
        .map(|operation| {
            let document = TrustedDocument::new(operation.body, operation.name);
            if document.hash != operation.id.to_ascii_lowercase() {
                bail!(
                    "operation {} has an id that is not the SHA-256 of its body",
                    operation.id
                );
            }
            Ok(document)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_id_must_be_the_hash_of_its_body() {
        let body = "query Q { __typename }";
        let id = TrustedDocument::new(body.to_owned(), None).hash;
        let manifest = |id: &str| {
            serde_json::json!({
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{ "id": id, "name": "Q", "type": "query", "body": body }],
            })
            .to_string()
        };
        let documents = manifest_documents(&manifest(&id)).expect("a valid manifest");
        assert_eq!(documents[0].name.as_deref(), Some("Q"));
        assert!(manifest_documents(&manifest(&"0".repeat(64))).is_err());
    }
}
