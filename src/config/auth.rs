//! Access and refresh tokens: the keys that sign them and how long they live.

use std::{path::PathBuf, time::Duration};

use clap::Args;
use secrecy::SecretString;

use super::parse;

/// The token settings.
#[derive(Clone, Debug, Args)]
pub struct AuthSettings {
    /// HS256 secret for access tokens (at least 32 bytes). Required in
    /// production unless a private key file is set; development generates
    /// a random one.
    #[arg(
        long = "jwt-secret",
        env = "JWT_SECRET",
        hide_env_values = true,
        value_parser = parse::secret
    )]
    pub jwt_secret: Option<SecretString>,

    /// Retired HS256 secrets, comma-separated: still accepted, never used to sign.
    #[arg(
        long = "jwt-previous-secrets",
        env = "JWT_PREVIOUS_SECRETS",
        value_delimiter = ',',
        hide_env_values = true,
        value_parser = parse::secret
    )]
    pub jwt_previous_secrets: Vec<SecretString>,

    /// PEM private key (Ed25519 → EdDSA, RSA → RS256) that signs access
    /// tokens; takes precedence over `JWT_SECRET` for signing.
    #[arg(long = "jwt-private-key-file", env = "STOREFRONT_JWT_PRIVATE_KEY_FILE")]
    pub private_key_file: Option<PathBuf>,

    /// PEM public key matching the private key file.
    #[arg(long = "jwt-public-key-file", env = "STOREFRONT_JWT_PUBLIC_KEY_FILE")]
    pub public_key_file: Option<PathBuf>,

    /// Retired PEM public keys, comma-separated: still accepted for verification.
    #[arg(
        long = "jwt-previous-public-key-files",
        env = "STOREFRONT_JWT_PREVIOUS_PUBLIC_KEY_FILES",
        value_delimiter = ','
    )]
    pub previous_public_key_files: Vec<PathBuf>,

    /// `iss` of issued access tokens, and the only one accepted.
    #[arg(
        long = "jwt-issuer",
        env = "STOREFRONT_JWT_ISSUER",
        default_value = "storefront"
    )]
    pub issuer: String,

    /// `aud` of issued access tokens, and the only one accepted.
    #[arg(
        long = "jwt-audience",
        env = "STOREFRONT_JWT_AUDIENCE",
        default_value = "storefront"
    )]
    pub audience: String,

    /// Lifetime of access tokens (`900`, `15m`).
    #[arg(
        long = "access-token-ttl-secs",
        env = "STOREFRONT_ACCESS_TOKEN_TTL",
        default_value = "15m",
        value_parser = parse::duration
    )]
    pub access_token_ttl: Duration,

    /// Lifetime of refresh tokens (`2592000`, `30d`); every rotation starts
    /// a new one.
    #[arg(
        long = "refresh-token-ttl-secs",
        env = "STOREFRONT_REFRESH_TOKEN_TTL",
        default_value = "30d",
        value_parser = parse::duration
    )]
    pub refresh_token_ttl: Duration,

    /// How long after a rotation the rotated refresh token may be exchanged
    /// again (for a client that never received the answer); later reuse
    /// revokes the whole token family.
    #[arg(
        long = "refresh-reuse-grace-secs",
        env = "STOREFRONT_REFRESH_REUSE_GRACE",
        default_value = "10s",
        value_parser = parse::duration
    )]
    pub refresh_reuse_grace: Duration,
}
