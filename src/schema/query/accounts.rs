//! Account reads: who is calling, and (for admins) every user.

use async_graphql::{Context, Object};

use crate::{
    error::AppResult,
    schema::{
        connection::{IntoConnection, PageArgs, as_selected},
        context::{db, loaders, viewer},
        guards::AdminOnly,
        loaders::UserId,
        types::{Row, User, UserConnection, UserTotal},
    },
    services::read::{self, keyset::Keyset, orderings::UsersNewestFirst},
};

/// Account entry points.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in user; null when anonymous (or when the account no
    /// longer exists).
    #[graphql(cache_control(private))]
    async fn viewer(&self, ctx: &Context<'_>) -> AppResult<Option<Row<User>>> {
        let Some(id) = viewer(ctx)?.user_id() else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(UserId(id))
            .await?
            .map(|record| Row(User(record))))
    }

    /// Every user, newest first. Admins only.
    #[graphql(
        guard = "AdminOnly",
        cache_control(private),
        complexity = "crate::schema::connection::page_cost(first, last) * child_complexity + 1"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<UserConnection> {
        let keyset = as_selected(
            ctx,
            Keyset::new(UsersNewestFirst, PageArgs::new(first, after, last, before))?,
        );
        let page = read::users::page(db(ctx)?, &keyset).await?;
        Ok(page.into_connection(UserTotal, User))
    }
}
