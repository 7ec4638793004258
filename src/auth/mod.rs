//! Who is calling: password hashing, signed access tokens and the request's
//! `Viewer` (the GraphQL guards that check it live in `schema::guards`).

pub mod connection_params;
pub mod passwords;
pub mod refresh;
pub mod tokens;
pub mod viewer;

pub use tokens::{AccessClaims, IssuedToken, KeyRing, Session};
pub use viewer::{Role, Viewer};
