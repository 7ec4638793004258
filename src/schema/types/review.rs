//! `Review`.

use std::borrow::Cow;

use async_graphql::{Context, ID, Object};

use super::{Product, Row, User};
use crate::{
    entities::reviews,
    error::AppResult,
    schema::{
        context::{loaders, required},
        ids::{self, NodeKind},
        loaders::{ProductId, UserId},
        scalars::Timestamp,
    },
    services::read::users::UserRecord,
};

/// A customer's rating of a product.
pub struct Review {
    row: reviews::Model,
    /// Its author, when the list it came in loaded them all at once.
    author: Option<Row<User>>,
}

impl Review {
    /// A review whose relations load when selected.
    pub fn new(row: reviews::Model) -> Self {
        Self { row, author: None }
    }

    /// A review of a page that loaded its rows' `authors`.
    pub fn with_author(row: reviews::Model, authors: &[UserRecord]) -> Self {
        let author = authors
            .iter()
            .find(|author| author.id == row.user_id)
            .map(|author| Row(User(author.clone())));
        Self { row, author }
    }
}

#[Object(serial)]
impl Review {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Review, self.row.id)
    }

    /// From 1 to 5.
    async fn rating(&self) -> i32 {
        i32::from(self.row.rating)
    }

    /// The review text.
    async fn body(&self) -> &str {
        &self.row.body
    }

    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> AppResult<Cow<'_, Row<User>>> {
        if let Some(author) = &self.author {
            return Ok(Cow::Borrowed(author));
        }
        let row = loaders(ctx)?.load_one(UserId(self.row.user_id)).await?;
        Ok(Cow::Owned(Row(User(required(row, "review author")?))))
    }

    /// What it rates.
    async fn product(&self, ctx: &Context<'_>) -> AppResult<Row<Product>> {
        let row = loaders(ctx)?
            .load_one(ProductId(self.row.product_id))
            .await?;
        Ok(Row(Product::new(required(row, "reviewed product")?)))
    }

    /// When it was written.
    async fn created_at(&self) -> Timestamp {
        self.row.created_at.into()
    }
}
