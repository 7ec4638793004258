//! `stockChanges`: public, optionally narrowed to some products.

use std::collections::HashSet;

use async_graphql::{Context, ID, Subscription};
use futures_util::{Stream, StreamExt as _, TryStreamExt, future::ready};

use super::{cursor, delivered};
use crate::{
    error::{AppError, AppResult},
    events::{Audience, feed},
    metrics::events as metrics,
    schema::{
        context::{db, events},
        ids::{self, NodeKind},
        types::StockEvent,
    },
};

/// Catalog entry points that stream.
#[derive(Default)]
pub struct StockSubscription;

#[Subscription]
impl StockSubscription {
    /// Every change of a product's stock (orders, cancellations,
    /// `adjustStock`), or only those of `productIds`. `after` resumes as in
    /// `orderEvents`.
    async fn stock_changes(
        &self,
        ctx: &Context<'_>,
        product_ids: Option<Vec<ID>>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = AppResult<StockEvent>> + use<>, AppError> {
        let only = product_ids
            .map(|ids| {
                ids.iter()
                    .enumerate()
                    .map(|(index, id)| {
                        ids::decode_as(id, NodeKind::Product, &format!("productIds.{index}"))
                    })
                    .collect::<AppResult<HashSet<i64>>>()
            })
            .transpose()?;
        let resume = cursor::resume(after.as_deref())?;
        let events = match delivered(ctx) {
            Some(events) => events.left_stream(),
            None => feed(db(ctx)?.clone(), events(ctx)?, Audience::Everyone, resume)
                .await?
                .right_stream(),
        };
        Ok(events.try_filter_map(move |event| {
            let wanted = StockEvent::of(event).filter(|event| {
                only.as_ref()
                    .is_none_or(|only| only.contains(&event.product_id()))
            });
            if wanted.is_some() {
                metrics::record_delivered("stockChanges");
            }
            ready(Ok(wanted))
        }))
    }
}
