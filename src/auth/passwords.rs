//! Password hashing with argon2id at OWASP's recommended cost, and a
//! constant-cost check for unknown accounts.

use std::sync::LazyLock;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::error::{AppError, AppResult};

/// argon2id, m = 19 MiB, t = 2, p = 1: OWASP's password storage minimum.
fn hasher() -> AppResult<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|err| AppError::internal(anyhow::anyhow!("argon2 parameters: {err}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password` with a fresh salt. CPU-heavy: runs on the
/// blocking pool so it never stalls the async workers.
pub async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()?
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| AppError::internal(anyhow::anyhow!("hashing a password: {err}")))
    })
    .await
    .map_err(AppError::internal)?
}

/// A hash of a password nobody knows, verified when the account does not
/// exist so that a failed login costs the same either way.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .ok()?
        .hash_password(b"no account has this password", &salt)
        .ok()
        .map(|hash| hash.to_string())
});

/// Computes the dummy hash before the first login, so that even the first
/// failed login for an unknown email costs one verification, like the rest.
pub async fn warm_up() -> AppResult<()> {
    tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY_HASH).is_some())
        .await
        .map_err(AppError::internal)?
        .then_some(())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the dummy password hash failed")))
}

/// Whether `password` matches `stored`; with no stored hash, burns the same
/// work against a dummy and answers false.
pub async fn verify(password: String, stored: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let (stored, known) = match stored {
            Some(stored) => (stored, true),
            None => (DUMMY_HASH.clone().unwrap_or_default(), false),
        };
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return Ok(false);
        };
        let matches = hasher()?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
    .map_err(AppError::internal)?
}
