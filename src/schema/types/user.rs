//! `User`: its public face.

use async_graphql::{Context, ID, Object, SelectionField};

use super::{Order, OrderConnection, OrderTotal, Review, ReviewConnection, ReviewTotal};
use crate::{
    error::AppResult,
    schema::{
        connection::{IntoConnection, PageArgs, RowConnection},
        context::{db, loaders, viewer},
        enums::GraphqlRole,
        ids::{self, NodeKind},
        loaders::{EmailOf, child_page},
        orderings::{OrderOrder, ordering_or_default},
        scalars::Timestamp,
    },
    services::read::{
        self,
        children::{UserOrders, UserReviews},
        keyset::Keyset,
        orderings::ReviewsNewestFirst,
        users::{UserColumns, UserRecord},
    },
};

/// A registered user.
#[derive(Clone)]
pub struct User(pub UserRecord);

impl User {
    /// The optional columns of their records that the resolvers below read
    /// for the selections `users` of users: a list that reads its rows'
    /// users with them reads no others (see `Product::columns_shown`).
    pub fn columns_shown<'a>(users: impl IntoIterator<Item = SelectionField<'a>>) -> UserColumns {
        let mut columns = UserColumns::NONE;
        for user in users {
            for field in user.selection_set() {
                match field.name() {
                    "email" => columns.email = true,
                    "role" => columns.role = true,
                    "createdAt" => columns.created_at = true,
                    _ => {}
                }
            }
        }
        columns
    }
}

#[Object(serial)]
impl User {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::User, self.0.id)
    }

    /// The email address: only for the user themselves and for admins,
    /// null for anyone else.
    #[graphql(cache_control(private))]
    async fn email(&self, ctx: &Context<'_>) -> AppResult<Option<String>> {
        let visible = self.0.just_authenticated || viewer(ctx)?.can_see_owned_by(self.0.id);
        if !visible {
            return Ok(None);
        }
        match &self.0.email {
            Some(email) => Ok(Some(email.clone())),
            None => Ok(loaders(ctx)?.load_one(EmailOf(self.0.id)).await?),
        }
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
        Ok(page.into_connection(ReviewTotal::OfUser(self.0.id), Review::new))
    }

    /// The user's orders, newest first by default; null unless the caller
    /// is this user or an admin.
    #[graphql(
        cache_control(private),
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
            ordering_or_default(order_by),
            PageArgs::new(first, after, last, before),
        )?;
        let page = child_page::<UserOrders>(ctx, self.0.id, (), keyset).await?;
        Ok(Some(page.into_connection(
            OrderTotal::OfUser(self.0.id),
            Order::new,
        )))
    }

    /// When the user signed up.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A page of users.
pub type UserConnection = RowConnection<User, UserTotal>;

/// Counts every user.
pub struct UserTotal;

#[Object(serial)]
impl UserTotal {
    /// Number of users in the whole list, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> AppResult<i64> {
        read::users::count(db(ctx)?).await
    }
}
