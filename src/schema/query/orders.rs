//! Order reads: one order, order lists, and the sales summary.

use async_graphql::{Context, ID, Object};

use crate::{
    error::{AppError, AppResult},
    schema::{
        connection::{IntoConnection, PageArgs, as_selected},
        context::{db, loaders, viewer},
        guards::{AdminOnly, SignedIn},
        ids::{self, NodeKind},
        loaders::{OrderId, UserId},
        order_filter::{OrderFilter, order_listing},
        orderings::OrderOrder,
        prefetch,
        scalars::Timestamp,
        types::{Order, OrderConnection, OrderTotal, Row, SalesSummary, User, listed_lines},
    },
    services::read::{
        self,
        sales::{self, SalesRange},
    },
};

/// Order entry points.
#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// An order, for its customer or an admin. Anyone else gets `NOT_FOUND`,
    /// exactly as for an order that does not exist.
    #[graphql(guard = "SignedIn", cache_control(private))]
    async fn order(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Row<Order>>> {
        let id = ids::decode_as(&id, NodeKind::Order, "id")?;
        let viewer = viewer(ctx)?;
        loaders(ctx)?
            .load_one(OrderId(id))
            .await?
            .filter(|order| viewer.can_see_owned_by(order.user_id))
            .map(|order| Some(Row(Order::new(order))))
            .ok_or_else(|| AppError::not_found("no order has this ID"))
    }

    /// Orders, newest first by default: every order for admins, their own
    /// for customers.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        guard = "SignedIn",
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
        filter: Option<OrderFilter>,
        order_by: Option<OrderOrder>,
    ) -> AppResult<OrderConnection> {
        let (filter, keyset) = order_listing(
            viewer(ctx)?,
            filter,
            order_by,
            PageArgs::new(first, after, last, before),
        )?;
        let keyset = as_selected(ctx, keyset);
        let (page, customers) = if prefetch::on_nodes(ctx, "customer") {
            let items = prefetch::item_selections(ctx);
            let columns = User::columns_shown(prefetch::beneath(&items, "customer"));
            let (page, customers) =
                read::orders::page_with_customers(db(ctx)?, &filter, &keyset, columns).await?;
            let by_id = customers.into_iter().map(|user| (UserId(user.id), user));
            (page, Some(by_id.collect()))
        } else {
            (read::orders::page(db(ctx)?, &filter, &keyset).await?, None)
        };
        let mut lines = listed_lines(ctx, page.rows().map(|row| row.id)).await?;
        Ok(page.into_connection(OrderTotal::All(filter), |row| {
            let lines = lines.remove(&row.id);
            Order::with_customer(row, &customers).with_lines(lines)
        }))
    }

    /// Sales placed in `[since, until)` (either end open), for admins.
    #[graphql(guard = "AdminOnly", cache_control(private))]
    async fn sales_summary(
        &self,
        ctx: &Context<'_>,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> AppResult<SalesSummary> {
        let range = SalesRange::new(since.map(Into::into), until.map(Into::into))?;
        let totals = sales::totals(db(ctx)?, range).await?;
        Ok(SalesSummary::new(range, totals))
    }
}
