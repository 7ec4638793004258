//! Who is calling: password hashing, signed access tokens, the request's
//! `Viewer` and the guards that check it.

pub mod guards;
pub mod passwords;
pub mod refresh;
pub mod tokens;
pub mod viewer;

pub use guards::{AdminOnly, SignedIn};
pub use tokens::{AccessClaims, IssuedToken, KeyRing};
pub use viewer::{Role, Viewer};
