//! `User`: its public face.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use sea_orm::DerivePartialModel;

use super::{Order, OrderConnection, OrderTotal, Review, ReviewConnection, ReviewTotal};
use crate::{
    entities::users,
    error::AppResult,
    schema::{
        connection::{Keyset, PageArgs},
        context::viewer,
        ids::{self, NodeKind},
        loaders::{UserOrders, UserReviews, child_page},
        orderings::{OrderOrder, ReviewsNewestFirst},
    },
};

/// The columns of `users` that GraphQL may show; the password hash is never
/// read for a query.
#[derive(Clone, Debug, DerivePartialModel)]
#[sea_orm(entity = "users::Entity", from_query_result)]
pub struct UserRecord {
    /// Primary key.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Sign-up time.
    pub created_at: DateTime<Utc>,
}

/// A registered user.
pub struct User(pub UserRecord);

#[Object]
impl User {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::User, self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Reviews the user wrote, newest first.
    #[graphql(
        complexity = "crate::schema::connection::page_cost(first, last) * child_complexity + 1"
    )]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<ReviewConnection> {
        let keyset = Keyset::new(
            ReviewsNewestFirst,
            PageArgs::new(first, after, last, before),
        )?;
        let page = child_page::<UserReviews>(ctx, self.0.id, (), keyset).await?;
        Ok(page.into_connection(ReviewTotal::OfUser(self.0.id), Review))
    }

    /// The user's orders, newest first by default; null unless the caller
    /// is this user or an admin.
    #[graphql(
        complexity = "crate::schema::connection::page_cost(first, last) * child_complexity + 1"
    )]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<OrderOrder>,
    ) -> AppResult<Option<OrderConnection>> {
        if !viewer(ctx)?.can_see_owned_by(self.0.id) {
            return Ok(None);
        }
        let keyset = Keyset::new(
            order_by.unwrap_or_default(),
            PageArgs::new(first, after, last, before),
        )?;
        let page = child_page::<UserOrders>(ctx, self.0.id, (), keyset).await?;
        Ok(Some(
            page.into_connection(OrderTotal::OfUser(self.0.id), Order),
        ))
    }

    /// When the user signed up.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
