//! Opaque refresh tokens: 256 random bits for the client, a SHA-256 hash
//! for the database, so that a leaked table signs nobody in.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::domain::digest::sha256_hex;

/// A freshly generated refresh token.
pub struct NewRefreshToken {
    /// What the client keeps and presents (43 base64url characters).
    pub token: String,
    /// What the database keeps.
    pub hash: String,
}

/// A new random refresh token and its hash.
pub fn generate() -> NewRefreshToken {
    // `rand`'s thread generator is a CSPRNG seeded from the OS.
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    NewRefreshToken { token, hash }
}

/// The stored form of a presented token: lowercase hex SHA-256.
pub fn hash(token: &str) -> String {
    sha256_hex(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let first = generate();
        let second = generate();
        assert_ne!(first.token, second.token);
        assert_eq!(first.token.len(), 43);
        assert_eq!(first.hash, hash(&first.token));
        assert_eq!(first.hash.len(), 64);
        assert!(!first.hash.contains(&first.token));
    }
}
