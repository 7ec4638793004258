//! `User`: its public face.

use async_graphql::{Context, ID, Object, connection::Connection};
use chrono::{DateTime, Utc};
use sea_orm::{DerivePartialModel, EntityTrait, PaginatorTrait};

use super::{Order, OrderConnection, OrderTotal, Review, ReviewConnection, ReviewTotal};
use crate::{
    domain::Role,
    entities::users,
    error::AppResult,
    schema::{
        connection::{Cursor, Keyset, PageArgs},
        context::{db, viewer},
        enums::GraphqlRole,
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
    /// Normalized address; shown only to the user and to admins.
    pub email: String,
    /// Display name.
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// Sign-up time.
    pub created_at: DateTime<Utc>,
    /// Set when this operation has just proven that the caller is this
    /// user (register, login, refresh), although its request carried no
    /// token for them. Never read from the database.
    #[sea_orm(skip)]
    pub just_authenticated: bool,
}

/// A registered user.
pub struct User(pub UserRecord);

#[Object]
impl User {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::User, self.0.id)
    }

    /// The email address: only for the user themselves and for admins,
    /// null for anyone else.
    async fn email(&self, ctx: &Context<'_>) -> AppResult<Option<&str>> {
        let visible = self.0.just_authenticated || viewer(ctx)?.can_see_owned_by(self.0.id);
        Ok(visible.then_some(self.0.email.as_str()))
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the user may do.
    async fn role(&self) -> GraphqlRole {
        self.0.role.into()
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

/// A page of users.
pub type UserConnection = Connection<Cursor, User, UserTotal>;

/// Counts every user.
pub struct UserTotal;

#[Object]
impl UserTotal {
    /// Number of users in the whole list, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> AppResult<i64> {
        let count = users::Entity::find().count(db(ctx)?).await?;
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::DbBackend;

    use super::*;

    #[test]
    fn user_records_never_select_the_password_hash() {
        let sql = users::Entity::find()
            .into_partial_model::<UserRecord>()
            .into_statement(DbBackend::Postgres)
            .to_string();
        assert!(sql.contains("\"email\""), "{sql}");
        assert!(!sql.contains("password_hash"), "{sql}");
    }
}
