//! Signed access tokens and the key ring that signs and checks them.
//!
//! Every key has a `kid`; a token names the key it was signed with and is
//! checked only against that key, with that key's algorithm pinned, so an
//! HS256 token can never be checked with an RSA public key as its secret.
//! Old keys stay in the ring for verification while new tokens use the
//! signing key: keys rotate without signing everyone out.

use std::{collections::HashMap, time::Duration};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Role, Viewer};
use crate::{
    domain::clock,
    error::{AppError, AppResult},
};

/// The `typ` header of access tokens (RFC 9068); nothing else is accepted
/// as one.
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
/// Shortest accepted HS256 secret.
pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 5;

/// The claims of an access token; every one is required.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id, as a decimal string.
    pub sub: String,
    /// The user's role when the token was issued.
    pub role: Role,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not valid before (Unix seconds).
    pub nbf: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// Who issued it.
    pub iss: String,
    /// Who it is for.
    pub aud: String,
    /// Unique token id.
    pub jti: String,
}

/// A freshly signed access token.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// The compact JWT.
    pub token: String,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

struct VerifyingKey {
    key: DecodingKey,
    validation: Validation,
}

/// Where the signing and verification keys come from.
#[derive(Clone, Debug, Default)]
pub struct KeySources {
    /// HS256 secret (`JWT_SECRET`), at least 32 bytes.
    pub secret: Option<SecretString>,
    /// Retired HS256 secrets still accepted for verification.
    pub previous_secrets: Vec<SecretString>,
    /// PEM private key (Ed25519 or RSA) that signs new tokens.
    pub private_key_pem: Option<Vec<u8>>,
    /// The PEM public key matching `private_key_pem`.
    pub public_key_pem: Option<Vec<u8>>,
    /// Retired PEM public keys still accepted for verification.
    pub previous_public_key_pems: Vec<Vec<u8>>,
}

/// Token lifetimes and audience.
#[derive(Clone, Debug)]
pub struct TokenPolicy {
    /// `iss` of issued tokens, and the only one accepted.
    pub issuer: String,
    /// `aud` of issued tokens, and the only one accepted.
    pub audience: String,
    /// Lifetime of access tokens.
    pub access_ttl: Duration,
    /// Lifetime of each refresh token.
    pub refresh_ttl: Duration,
    /// How long a rotated refresh token may still be exchanged once more.
    pub refresh_reuse_grace: Duration,
}

/// The keys that sign new access tokens and verify presented ones.
pub struct KeyRing {
    signing_kid: String,
    signing_algorithm: Algorithm,
    signing_key: EncodingKey,
    verifying: HashMap<String, VerifyingKey>,
    policy: TokenPolicy,
}

fn key_id(prefix: &str, material: &[u8]) -> String {
    let digest = Sha256::digest(material);
    format!("{prefix}-{}", URL_SAFE_NO_PAD.encode(&digest[..9]))
}

fn config_error(message: String) -> anyhow::Error {
    anyhow::anyhow!(message)
}

impl KeyRing {
    /// Builds the ring. The asymmetric key signs when configured, else the
    /// HS256 secret; every configured key verifies.
    pub fn new(sources: &KeySources, policy: TokenPolicy) -> anyhow::Result<Self> {
        let mut verifying = HashMap::new();
        let mut signing = None;

        let mut add_verifier = |kid: String, algorithm: Algorithm, key: DecodingKey| {
            let mut validation = Validation::new(algorithm);
            validation.algorithms = vec![algorithm];
            validation.leeway = LEEWAY_SECS;
            validation.validate_exp = true;
            validation.validate_nbf = true;
            validation.set_issuer(&[policy.issuer.as_str()]);
            validation.set_audience(&[policy.audience.as_str()]);
            validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
            verifying.insert(kid, VerifyingKey { key, validation });
        };

        for (index, secret) in sources
            .secret
            .iter()
            .chain(sources.previous_secrets.iter())
            .enumerate()
        {
            let secret = secret.expose_secret();
            if secret.len() < MIN_SECRET_BYTES {
                return Err(config_error(format!(
                    "JWT secrets must be at least {MIN_SECRET_BYTES} bytes"
                )));
            }
            let kid = key_id("hs", secret.as_bytes());
            add_verifier(
                kid.clone(),
                Algorithm::HS256,
                DecodingKey::from_secret(secret.as_bytes()),
            );
            if index == 0 && sources.secret.is_some() {
                signing = Some((
                    kid,
                    Algorithm::HS256,
                    EncodingKey::from_secret(secret.as_bytes()),
                ));
            }
        }

        let public_keys = sources
            .public_key_pem
            .iter()
            .chain(sources.previous_public_key_pems.iter());
        for pem in public_keys {
            let (algorithm, key) = decoding_key(pem)?;
            add_verifier(key_id("pk", pem), algorithm, key);
        }

        if let Some(private) = &sources.private_key_pem {
            let public = sources.public_key_pem.as_ref().ok_or_else(|| {
                config_error("a JWT private key needs its public key file too".to_owned())
            })?;
            let (algorithm, _) = decoding_key(public)?;
            let key = match algorithm {
                Algorithm::EdDSA => EncodingKey::from_ed_pem(private),
                _ => EncodingKey::from_rsa_pem(private),
            }
            .map_err(|err| config_error(format!("reading the JWT private key: {err}")))?;
            signing = Some((key_id("pk", public), algorithm, key));
        }

        let (signing_kid, signing_algorithm, signing_key) = signing.ok_or_else(|| {
            config_error("no JWT signing key: set JWT_SECRET or a private key file".to_owned())
        })?;
        let ring = Self {
            signing_kid,
            signing_algorithm,
            signing_key,
            verifying,
            policy,
        };
        // A private key paired with the wrong public key would sign tokens
        // that nothing accepts: refuse to start instead.
        let probe = ring
            .issue(0, Role::Customer)
            .map_err(|_| config_error("the JWT signing key cannot sign a token".to_owned()))?;
        ring.verify(&probe.token).map_err(|_| {
            config_error(
                "the JWT private key does not match the public key file: its tokens do not verify"
                    .to_owned(),
            )
        })?;
        Ok(ring)
    }

    /// A ring with a random HS256 secret: development only, tokens die with
    /// the process.
    pub fn ephemeral(policy: TokenPolicy) -> anyhow::Result<Self> {
        let secret: [u8; 32] = rand::random();
        let sources = KeySources {
            secret: Some(SecretString::from(URL_SAFE_NO_PAD.encode(secret))),
            ..KeySources::default()
        };
        Self::new(&sources, policy)
    }

    /// The `kid` new tokens carry.
    pub fn signing_kid(&self) -> &str {
        &self.signing_kid
    }

    /// The lifetime and audience in force.
    pub fn policy(&self) -> &TokenPolicy {
        &self.policy
    }

    /// Signs an access token for `user_id` with `role`.
    pub fn issue(&self, user_id: i64, role: Role) -> AppResult<IssuedToken> {
        let now = clock::now();
        let ttl = chrono::Duration::from_std(self.policy.access_ttl).map_err(AppError::internal)?;
        let expires_at = now + ttl;
        let claims = AccessClaims {
            sub: user_id.to_string(),
            role,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            iss: self.policy.issuer.clone(),
            aud: self.policy.audience.clone(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(self.signing_algorithm);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        header.kid = Some(self.signing_kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.signing_key)
            .map_err(|err| AppError::internal(anyhow::anyhow!("signing a token: {err}")))?;
        Ok(IssuedToken {
            token,
            expires_at: DateTime::from_timestamp(claims.exp, 0).unwrap_or(expires_at),
        })
    }

    /// Checks a presented access token: known `kid` (an unknown one is
    /// refused without any lookup), that key's algorithm, `typ`, signature,
    /// every claim, `exp`/`nbf` within the leeway, `iat` not in the future.
    pub fn verify(&self, token: &str) -> AppResult<AccessClaims> {
        let invalid = || AppError::unauthenticated("the access token is invalid or expired");
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        if !header.typ.as_deref().is_some_and(is_access_token_type) {
            return Err(invalid());
        }
        let verifier = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying.get(kid))
            .ok_or_else(invalid)?;
        let data = jsonwebtoken::decode::<AccessClaims>(token, &verifier.key, &verifier.validation)
            .map_err(|_| invalid())?;
        let latest_iat = clock::now().timestamp() + LEEWAY_SECS as i64;
        if data.claims.iat > latest_iat {
            return Err(invalid());
        }
        Ok(data.claims)
    }

    /// The viewer an `Authorization` header value stands for. The scheme is
    /// case-insensitive (RFC 9110); anything but `Bearer <token>` fails.
    pub fn viewer_from_header(&self, authorization: Option<&str>) -> AppResult<Viewer> {
        Ok(self.session_from_header(authorization)?.viewer)
    }

    /// The viewer an `Authorization` value stands for and when their token
    /// expires: a long-lived connection (a WebSocket) must end by then.
    pub fn session_from_header(&self, authorization: Option<&str>) -> AppResult<Session> {
        let Some(value) = authorization else {
            return Ok(Session {
                viewer: Viewer::Anonymous,
                expires_at: None,
            });
        };
        let token = value
            .trim()
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                AppError::unauthenticated("the Authorization header must be `Bearer <token>`")
            })?;
        let claims = self.verify(token)?;
        let id = claims
            .sub
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| AppError::unauthenticated("the access token is invalid or expired"))?;
        Ok(Session {
            viewer: Viewer::User {
                id,
                role: claims.role,
            },
            expires_at: DateTime::from_timestamp(claims.exp, 0),
        })
    }
}

/// Who a presented token stands for, and until when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    /// The caller.
    pub viewer: Viewer,
    /// The token's `exp`; `None` when anonymous.
    pub expires_at: Option<DateTime<Utc>>,
}

/// RFC 9068 §4: `at+jwt`, or its full media type, in any case.
fn is_access_token_type(typ: &str) -> bool {
    let typ = typ.to_ascii_lowercase();
    typ == ACCESS_TOKEN_TYPE || typ.strip_prefix("application/") == Some(ACCESS_TOKEN_TYPE)
}

fn decoding_key(pem: &[u8]) -> anyhow::Result<(Algorithm, DecodingKey)> {
    if let Ok(key) = DecodingKey::from_ed_pem(pem) {
        return Ok((Algorithm::EdDSA, key));
    }
    DecodingKey::from_rsa_pem(pem)
        .map(|key| (Algorithm::RS256, key))
        .map_err(|err| {
            config_error(format!(
                "a JWT public key is neither Ed25519 nor RSA PEM: {err}"
            ))
        })
}
