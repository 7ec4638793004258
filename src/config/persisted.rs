//! Trusted documents: whether only registered operations run, and which
//! manifests to register at start.

use std::path::PathBuf;

use clap::Args;

/// Settings of persisted (trusted) documents.
#[derive(Clone, Debug, Args)]
pub struct PersistedSettings {
    /// Run only registered documents (`storefront persisted add`, or
    /// `STOREFRONT_PERSISTED_MANIFEST`): any other operation, over HTTP or
    /// WebSocket, is refused with `PERSISTED_QUERY_NOT_IN_LIST`, and
    /// automatic persisted queries no longer register new documents.
    #[arg(
        long = "persisted-only",
        env = "STOREFRONT_PERSISTED_ONLY",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub only: bool,

    /// Files registered as trusted documents at start, comma-separated:
    /// Apollo persisted-query manifests (`.json`) or GraphQL files.
    #[arg(
        long = "persisted-manifest",
        env = "STOREFRONT_PERSISTED_MANIFEST",
        value_delimiter = ','
    )]
    pub manifests: Vec<PathBuf>,
}
