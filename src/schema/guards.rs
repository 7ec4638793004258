//! Field guards: the role check written once, attached with
//! `#[graphql(guard = "AdminOnly")]`.

use async_graphql::{Context, Guard};

use super::context::viewer;

/// Admins only: anonymous callers get `UNAUTHENTICATED`, customers `FORBIDDEN`.
pub struct AdminOnly;

impl Guard for AdminOnly {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        viewer(ctx)?.require_admin()?;
        Ok(())
    }
}

/// Any signed-in user; anonymous callers get `UNAUTHENTICATED`.
pub struct SignedIn;

impl Guard for SignedIn {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        viewer(ctx)?.require_user()?;
        Ok(())
    }
}
