//! `Review`.

use async_graphql::{Context, ID, Object};

use super::{Product, User};
use crate::{
    entities::reviews,
    error::AppResult,
    schema::{
        context::{loaders, required},
        ids::{self, NodeKind},
        loaders::{ProductId, UserId},
        scalars::Timestamp,
    },
};

/// A customer's rating of a product.
pub struct Review(pub reviews::Model);

#[Object]
impl Review {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Review, self.0.id)
    }

    /// From 1 to 5.
    async fn rating(&self) -> i32 {
        i32::from(self.0.rating)
    }

    /// The review text.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> AppResult<User> {
        let row = loaders(ctx)?.load_one(UserId(self.0.user_id)).await?;
        Ok(User(required(row, "review author")?))
    }

    /// What it rates.
    async fn product(&self, ctx: &Context<'_>) -> AppResult<Product> {
        let row = loaders(ctx)?.load_one(ProductId(self.0.product_id)).await?;
        Ok(Product(required(row, "reviewed product")?))
    }

    /// When it was written.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}
