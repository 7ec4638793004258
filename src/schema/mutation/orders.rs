//! Order writes: `placeOrder`, `cancelOrder`, `updateOrderStatus`.

use async_graphql::{Context, ID, InputObject, Object};

use crate::{
    domain::{IdempotencyKey, OrderRequest, RequestedLine, order::line_field},
    error::{AppError, AppResult},
    schema::{
        context::{db, events, viewer},
        enums::GraphqlOrderStatus,
        guards::{AdminOnly, SignedIn},
        ids::{self, NodeKind},
        types::{Order, Row},
    },
    services::orders::{self, Placement},
};

/// What to order.
#[derive(InputObject)]
pub struct PlaceOrderInput {
    /// 1 to 100 lines; lines naming the same product are merged.
    pub items: Vec<OrderLineInput>,
}

/// One product and how many of it.
#[derive(InputObject)]
pub struct OrderLineInput {
    /// The product's global ID.
    pub product_id: ID,
    /// 1 to 1000 units.
    pub quantity: i32,
}

impl PlaceOrderInput {
    /// The order as the domain sees it, with `key` beside it; fields are
    /// named as the domain names them (`items.2.quantity`).
    fn parse(self, key: Option<String>) -> AppResult<OrderRequest> {
        let lines = self
            .items
            .iter()
            .enumerate()
            .map(|(index, line)| {
                Ok(RequestedLine {
                    product_id: ids::decode_as(
                        &line.product_id,
                        NodeKind::Product,
                        &line_field(index, "productId"),
                    )?,
                    quantity: line.quantity,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(OrderRequest::new(&lines, key)?)
    }
}

/// Where a field of an order request sits among `placeOrder`'s arguments:
/// the key is an argument of its own, everything else is in `input`.
fn place_order_argument(err: AppError) -> AppError {
    err.map_field(|field| {
        if field == IdempotencyKey::FIELD {
            field.to_owned()
        } else {
            format!("input.{field}")
        }
    })
}

/// Order entry points that write.
#[derive(Default)]
pub struct OrderMutation;

#[Object(serial)]
impl OrderMutation {
    /// Places an order at the products' current prices, taking their stock.
    /// Too little stock is `CONFLICT` on the line's `quantity`
    /// (`input.items.N.quantity`). With an `idempotencyKey` (1 to 255
    /// characters, scoped to the caller), a repeat returns the order the key
    /// placed, also when the requests race; the same key with other lines is
    /// `CONFLICT`.
    #[graphql(guard = "SignedIn")]
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        input: PlaceOrderInput,
        idempotency_key: Option<String>,
    ) -> AppResult<Row<Order>> {
        let user_id = viewer(ctx)?.require_user()?;
        let request = input.parse(idempotency_key).map_err(place_order_argument)?;
        let txn = db(ctx)?.begin_write().await?;
        let placement = orders::place_order(&txn, user_id, &request)
            .await
            .map_err(place_order_argument)?;
        let order = match placement {
            Placement::Placed(placed) => {
                txn.commit().await?;
                events(ctx)?.committed();
                placed.order
            }
            // Dropping the transaction rolls back whatever the replay wrote.
            Placement::Replayed(order) => order,
        };
        Ok(Row(Order::new(order)))
    }

    /// Cancels an order and puts its stock back: its customer while it is
    /// PENDING, an admin while it is PENDING or PAID (`CONFLICT` otherwise).
    /// Someone else's order is `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn cancel_order(&self, ctx: &Context<'_>, id: ID) -> AppResult<Row<Order>> {
        let id = ids::decode_as(&id, NodeKind::Order, "id")?;
        let txn = db(ctx)?.begin_write().await?;
        let change = orders::cancel_order(&txn, viewer(ctx)?, id).await?;
        txn.commit().await?;
        events(ctx)?.committed();
        Ok(Row(Order::new(change.order)))
    }

    /// Moves an order along PENDING → PAID → SHIPPED → DELIVERED, or
    /// cancels it while PENDING or PAID (putting its stock back). Any other
    /// move is `CONFLICT` on `status`. Admins only.
    #[graphql(guard = "AdminOnly")]
    async fn update_order_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: GraphqlOrderStatus,
    ) -> AppResult<Row<Order>> {
        let id = ids::decode_as(&id, NodeKind::Order, "id")?;
        let txn = db(ctx)?.begin_write().await?;
        let change = orders::update_order_status(&txn, id, status.into()).await?;
        txn.commit().await?;
        events(ctx)?.committed();
        Ok(Row(Order::new(change.order)))
    }
}
