//! `node(id:)` and `nodes(ids:)`: refetch anything by global ID.

use async_graphql::{Context, ID, Object};
use futures_util::future::try_join_all;

use crate::{
    error::AppResult,
    schema::{
        context::{loaders, viewer},
        ids::{self, NodeKind},
        loaders::{CategoryId, OrderId, OrderItemId, ProductId, ReviewId, UserId},
        types::{Category, Node, Order, OrderItem, Product, Review, Row, User},
    },
};

/// Global-ID lookups.
#[derive(Default)]
pub struct NodeQuery;

/// Orders and their items are visible to their customer and admins only;
/// to anyone else they are null, exactly like an ID that names nothing.
async fn load_node(ctx: &Context<'_>, kind: NodeKind, id: i64) -> AppResult<Option<Row<Node>>> {
    let loaders = loaders(ctx)?;
    let viewer = viewer(ctx)?;
    let node = match kind {
        NodeKind::Product => loaders
            .load_one(ProductId(id))
            .await?
            .map(|row| Node::Product(Product::new(row))),
        NodeKind::Category => loaders
            .load_one(CategoryId(id))
            .await?
            .map(|row| Node::Category(Category(row))),
        NodeKind::Review => loaders
            .load_one(ReviewId(id))
            .await?
            .map(|row| Node::Review(Review::new(row))),
        NodeKind::User => loaders
            .load_one(UserId(id))
            .await?
            .map(|row| Node::User(User(row))),
        NodeKind::Order => loaders
            .load_one(OrderId(id))
            .await?
            .filter(|order| viewer.can_see_owned_by(order.user_id))
            .map(|row| Node::Order(Order::new(row))),
        NodeKind::OrderItem => {
            let Some(item) = loaders.load_one(OrderItemId(id)).await? else {
                return Ok(None);
            };
            loaders
                .load_one(OrderId(item.order_id))
                .await?
                .filter(|order| viewer.can_see_owned_by(order.user_id))
                .map(|_| Node::OrderItem(OrderItem::new(item)))
        }
    };
    Ok(node.map(Row))
}

#[Object]
impl NodeQuery {
    /// The object with this global ID; null when it does not exist or the
    /// caller may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Row<Node>>> {
        let (kind, row_id) = ids::decode(&id, "id")?;
        load_node(ctx, kind, row_id).await
    }

    /// The objects with these global IDs, in order; null for each that does
    /// not exist or the caller may not see. Lookups of one type share one
    /// statement.
    #[graphql(complexity = "ids.len() * child_complexity + 1")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> AppResult<Vec<Option<Row<Node>>>> {
        let decoded = ids
            .iter()
            .map(|id| ids::decode(id, "ids"))
            .collect::<AppResult<Vec<_>>>()?;
        try_join_all(
            decoded
                .into_iter()
                .map(|(kind, id)| load_node(ctx, kind, id)),
        )
        .await
    }
}
