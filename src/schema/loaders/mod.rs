//! Per-request DataLoaders: every relation and nested list goes through one
//! of these, so an operation costs one statement per level, never per row.
//!
//! One `DbLoader` implements `Loader<K>` for each key type (one file per
//! relation); async-graphql batches each key type separately, and each batch
//! is one call into the read path (`services::read`).

mod by_id;
mod by_slug;
mod children;
mod counts;
mod in_task;
mod order_items;
mod pages;
mod rating;
mod tagged;

pub use by_id::{CategoryId, OrderId, OrderItemId, ProductId, ReviewId, UserId};
pub use by_slug::{CategorySlug, ProductSlug};
pub use children::ChildrenOf;
pub use counts::ChildCount;
pub use in_task::BatchQueue;
pub use order_items::ItemsOf;
pub use pages::ChildPage;
pub use rating::RatingOf;
pub use tagged::Tagged;

use std::time::Duration;

use async_graphql::{Context, dataloader::DataLoader};

use crate::{
    cache::{Table, Tag, TagSet},
    db::CountedConnection,
    error::AppResult,
    schema::context::{loaders, required},
    services::read::{
        children::{ChildList, ChildModel},
        keyset::{Keyset, Page},
    },
};

/// Loads rows for one operation, counting its statements and recording
/// what it read for the response cache.
pub struct DbLoader {
    db: CountedConnection,
    read: TagSet,
}

impl DbLoader {
    /// Records rows of `table` read by key: each row, and the table's
    /// lists when some of the `asked` keys matched nothing (a row created
    /// later could fill that gap).
    fn read_rows(&self, table: Table, asked: usize, ids: impl ExactSizeIterator<Item = i64>) {
        if ids.len() < asked {
            self.read.add([Tag::List(table)]);
        }
        self.read.add(ids.map(|id| Tag::Row(table, id)));
    }

    /// Records rows read as members of a list of their table.
    fn read_list<'a, M: Tagged + 'a>(&self, rows: impl IntoIterator<Item = &'a M>) {
        self.read.add([Tag::List(M::TABLE)]);
        self.read.add(rows.into_iter().map(Tagged::tag));
    }
}

/// The loaders of one request.
pub type Loaders = DataLoader<DbLoader>;

/// Fresh loaders for one request, and the queue their batches run from
/// (drive the request with [`BatchQueue::drive`]). Batching needs no delay:
/// a batch starts once the executor has registered a whole level of keys.
pub fn for_request(db: CountedConnection, read: TagSet) -> (Loaders, BatchQueue) {
    let batches = BatchQueue::default();
    let loaders = DataLoader::new(DbLoader { db, read }, batches.spawner()).delay(Duration::ZERO);
    (loaders, batches)
}

/// One page of `L` children of `parent`, batched with its siblings.
pub async fn child_page<L: ChildList>(
    ctx: &Context<'_>,
    parent: i64,
    filter: L::Filter,
    keyset: Keyset<L::Order>,
) -> AppResult<Page<ChildModel<L>>>
where
    ChildModel<L>: Tagged,
{
    let key = ChildPage::<L> {
        parent,
        filter,
        keyset,
    };
    required(loaders(ctx)?.load_one(key).await?, "child page")
}
