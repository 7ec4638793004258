//! `orderEvents`: admins see every order's events, customers their own.

use async_graphql::{Context, Subscription};
use futures_util::{Stream, StreamExt as _, TryStreamExt, future::ready};

use super::{cursor, delivered};
use crate::{
    auth::{Role, Viewer},
    error::{AppError, AppResult},
    events::{Audience, feed},
    metrics::events as metrics,
    schema::{
        context::{db, events, viewer},
        types::OrderEvent,
    },
};

/// Whose order events `viewer` listens to: admins every order's,
/// customers their own.
pub fn audience(viewer: Viewer) -> Audience {
    match viewer {
        Viewer::User { id, role } if role != Role::Admin => Audience::Customer(id),
        _ => Audience::Everyone,
    }
}

/// Order entry points that stream.
#[derive(Default)]
pub struct OrderSubscription;

#[Subscription]
impl OrderSubscription {
    /// Orders placed, changing status or cancelled: every order for admins,
    /// the caller's own for customers; anonymous callers are
    /// `UNAUTHENTICATED`. With `after` (an event's `cursor`), the events
    /// since that one are replayed first, in order; a cursor older than the
    /// event retention is `BAD_USER_INPUT` on `after`: refetch, then
    /// subscribe without it.
    async fn order_events(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = AppResult<OrderEvent>> + use<>, AppError> {
        let viewer = *viewer(ctx)?;
        viewer.require_user()?;
        let resume = cursor::resume(after.as_deref())?;
        let events = match delivered(ctx) {
            Some(events) => events.left_stream(),
            None => {
                let db = db(ctx)?.clone();
                feed(db, events(ctx)?, audience(viewer), resume)
                    .await?
                    .right_stream()
            }
        };
        Ok(events.try_filter_map(move |event| {
            let visible = OrderEvent::of(event).and_then(|(event, customer_id)| {
                viewer.can_see_owned_by(customer_id).then_some(event)
            });
            if visible.is_some() {
                metrics::record_delivered("orderEvents");
            }
            ready(Ok(visible))
        }))
    }
}
