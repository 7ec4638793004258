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
mod emails;
mod in_category;
mod in_task;
mod listings;
mod order_items;
mod order_lines;
mod pages;
mod rating;
mod review_pages;
mod tagged;

pub use by_id::{CategoryId, OrderId, OrderItemId, ProductId, ReviewId, RowKey, UserId};
pub use by_slug::{CategorySlug, ProductSlug};
pub use children::ChildrenOf;
pub use counts::ChildCount;
pub use emails::EmailOf;
pub use in_category::ProductInCategory;
pub use in_task::BatchQueue;
pub use listings::ProductPage;
pub use order_items::ItemsOf;
pub use order_lines::{OrderLines, lines_of, lines_of_each};
pub use pages::ChildPage;
pub use rating::RatingOf;
pub use review_pages::{ReviewPages, review_pages, reviews_with_authors};
pub use tagged::Tagged;

use std::{collections::HashMap, future::Future, hash::Hash, sync::Arc, time::Duration};

use async_graphql::{Context, dataloader::DataLoader};

use crate::{
    cache::{Cacheable, EntityReads, Entry, Table, Tag, TagSet},
    db::CountedConnection,
    error::AppResult,
    schema::{
        connection::as_selected,
        context::{loaders, required},
    },
    services::read::{
        children::{ChildList, ChildModel},
        keyset::{Keyset, Page},
    },
};

/// Loads rows for one operation through the entity cache, counting its
/// statements and recording what it read for the response cache.
pub struct DbLoader {
    db: CountedConnection,
    read: TagSet,
    entities: EntityReads,
}

impl DbLoader {
    /// The rows of `keys` through the entity cache, `load` reading the
    /// misses; counts the cache's hits and misses in the operation's stats.
    async fn cached<K, V, FK, FT, F, Fut>(
        &self,
        entry: Entry<FK, FT>,
        keys: &[K],
        load: F,
    ) -> AppResult<HashMap<K, V>>
    where
        K: Clone + Eq + Hash,
        V: Cacheable,
        FK: Fn(&K) -> String,
        FT: Fn(&V) -> Vec<Tag>,
        F: Fn(Vec<K>) -> Fut,
        Fut: Future<Output = AppResult<HashMap<K, V>>>,
    {
        let loaded = self.entities.load(entry, keys, load).await?;
        self.db
            .stats()
            .count_entity_reads(loaded.hits, loaded.misses);
        Ok(loaded.rows)
    }

    /// Rows of `M` by primary key through the entity cache, each entry
    /// under its row tag (`Product:42`); `fetch` reads the missing ids.
    async fn rows_by_id<K, M, F, Fut>(&self, keys: &[K], fetch: F) -> AppResult<HashMap<K, M>>
    where
        K: RowKey,
        M: Tagged + Cacheable,
        F: Fn(Vec<i64>) -> Fut,
        Fut: Future<Output = AppResult<Vec<M>>>,
    {
        let entry = Entry {
            entity: M::TABLE.name(),
            key: |key: &K| Tag::Row(M::TABLE, key.id()).to_string(),
            tags: |row: &M| vec![row.tag()],
        };
        let rows = self
            .cached(entry, keys, |keys| {
                let rows = fetch(keys.iter().map(|key| key.id()).collect());
                async move {
                    let rows = rows.await?;
                    Ok(rows.into_iter().map(|row| (K::of(row.id()), row)).collect())
                }
            })
            .await?;
        self.read_rows(M::TABLE, keys.len(), rows.values().map(Tagged::id));
        Ok(rows)
    }

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
    let entities = db.cache().entity_reads();
    with_entities(db, read, entities)
}

/// Loaders for an operation over a WebSocket, which may live for hours: as
/// [`for_request`], but each batch checks the entity cache against a fresh
/// stamp, so an event resolved after a write never reads what it replaced.
pub fn for_stream(db: CountedConnection, read: TagSet) -> (Loaders, BatchQueue) {
    let entities = db.cache().entity_reads_per_batch();
    with_entities(db, read, entities)
}

fn with_entities(
    db: CountedConnection,
    read: TagSet,
    entities: EntityReads,
) -> (Loaders, BatchQueue) {
    let batches = BatchQueue::default();
    let loader = DbLoader { db, read, entities };
    let loaders = DataLoader::new(loader, batches.spawner()).delay(Duration::ZERO);
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
    ChildModel<L>: Tagged + Cacheable,
{
    let key = ChildPage::<L> {
        parent,
        filter,
        keyset: as_selected(ctx, keyset),
    };
    // Boxed: the loader's future is most of this one, and every object type
    // with a connection field (a category's products, a user's orders)
    // would otherwise carry it inline in each of its objects' futures,
    // copied as they move, whether the field is selected or not.
    let load = Box::pin(loaders(ctx)?.load_one(key));
    let page = required(load.await?, "child page")?;
    Ok(Arc::unwrap_or_clone(page))
}
