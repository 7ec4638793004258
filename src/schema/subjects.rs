//! The subject of a delivered event (its order or product row), loaded
//! once per instance and event and shared by every subscriber on the
//! instance that delivers it.
//!
//! Every subscription resolves its events with its own loaders, so without
//! this N admins watching `orderEvents` would send N identical statements
//! per order. The first subscriber to resolve an event's subject loads it
//! through its loaders (so the statement counts against its operation); the
//! others wait for that load and share its row. Entries are keyed by event
//! position, live a few seconds (long enough for every subscriber of the
//! instance to resolve a live event, short enough that a replay much later
//! reads the row afresh) and are bounded in number.

use std::{future::Future, sync::Arc, time::Duration};

use moka::future::Cache;

use crate::{
    entities::{orders, products},
    error::{AppError, AppResult},
};

/// How long a loaded subject is shared.
const TIME_TO_LIVE: Duration = Duration::from_secs(5);

/// Most subjects of each kind kept at once.
const CAPACITY: u64 = 10_000;

/// The instance's shared event subjects, one entry per event position;
/// clones share the entries.
#[derive(Clone)]
pub struct EventSubjects {
    orders: Cache<i64, Option<Arc<orders::Model>>>,
    products: Cache<i64, Option<Arc<products::Model>>>,
}

impl Default for EventSubjects {
    fn default() -> Self {
        Self {
            orders: cache(),
            products: cache(),
        }
    }
}

impl EventSubjects {
    /// The order of the event at `position`: from the first subscriber's
    /// `load`, which runs once while concurrent callers wait for it.
    pub async fn order(
        &self,
        position: i64,
        load: impl Future<Output = AppResult<Option<orders::Model>>>,
    ) -> AppResult<Option<Arc<orders::Model>>> {
        shared(&self.orders, position, load).await
    }

    /// The product of the event at `position`, as [`Self::order`].
    pub async fn product(
        &self,
        position: i64,
        load: impl Future<Output = AppResult<Option<products::Model>>>,
    ) -> AppResult<Option<Arc<products::Model>>> {
        shared(&self.products, position, load).await
    }
}

fn cache<V: Clone + Send + Sync + 'static>() -> Cache<i64, V> {
    Cache::builder()
        .max_capacity(CAPACITY)
        .time_to_live(TIME_TO_LIVE)
        .build()
}

/// A failed load is not cached: every waiter gets its error, and the next
/// subscriber tries again.
async fn shared<T: Send + Sync + 'static>(
    cache: &Cache<i64, Option<Arc<T>>>,
    position: i64,
    load: impl Future<Output = AppResult<Option<T>>>,
) -> AppResult<Option<Arc<T>>> {
    cache
        .try_get_with(position, async { Ok(load.await?.map(Arc::new)) })
        .await
        .map_err(|err: Arc<AppError>| (*err).clone())
}
