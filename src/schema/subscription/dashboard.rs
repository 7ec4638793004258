//! `dashboard`: the live figures for admins, shared by every subscriber of
//! the instance (see `events::dashboard`).

use async_graphql::{Context, Subscription};
use futures_util::{Stream, StreamExt, future::ready, stream};

use crate::{
    error::AppError,
    events::DashboardHub,
    metrics::events as metrics,
    schema::{
        context::{data, viewer},
        types::DashboardSnapshot,
    },
};

/// The dashboard's stream.
#[derive(Default)]
pub struct DashboardSubscription;

#[Subscription]
impl DashboardSubscription {
    /// Admins only. A snapshot at once, then one after each change (orders,
    /// stock) and at each new minute, at most one per
    /// `STOREFRONT_DASHBOARD_INTERVAL` (250 ms by default): changes arriving
    /// faster are coalesced, and a subscriber that reads slowly gets the
    /// newest snapshot, never a backlog.
    async fn dashboard(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = DashboardSnapshot> + use<>, AppError> {
        viewer(ctx)?.require_admin()?;
        let receiver = data::<DashboardHub>(ctx)?.follow();
        let snapshots = stream::unfold(receiver, |mut receiver| async move {
            receiver.changed().await.ok()?;
            let snapshot = receiver.borrow_and_update().clone();
            Some((snapshot, receiver))
        });
        Ok(snapshots.filter_map(|snapshot| {
            ready(snapshot.map(|figures| {
                metrics::record_delivered("dashboard");
                DashboardSnapshot(figures)
            }))
        }))
    }
}
