//! Nested connections (`products { reviews(first: 3) }`): one windowed
//! statement per distinct page shape, for every parent of the level; the
//! pages of public lists go through the entity cache.

use std::{
    collections::HashMap,
    fmt::Debug,
    hash::{Hash, Hasher},
    sync::Arc,
};

use async_graphql::dataloader::Loader;

use super::{DbLoader, Tagged, tagged::list_tags};
use crate::{
    cache::{Cacheable, Entry},
    domain::digest::sha256_hex,
    error::AppError,
    services::read::{
        children::{self, ChildList, ChildModel},
        keyset::{Keyset, Page},
    },
};

/// Key: one page of `L` children of one parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildPage<L: ChildList> {
    /// The parent row.
    pub parent: i64,
    /// Shared filter.
    pub filter: L::Filter,
    /// Page shape.
    pub keyset: Keyset<L::Order>,
}

/// Hashes the parent alone. The loader and async-graphql's `DataLoader`
/// hash each key several times, and SipHash over the whole page shape (the
/// order, the limits, the cursor) cost more than the rest of the lookup;
/// the keys of one level differ by parent, and equal keys still have equal
/// parents.
impl<L: ChildList> Hash for ChildPage<L> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parent.hash(state);
    }
}

/// What parents must share to be served by one statement.
type PageShape<'a, L> = (
    &'a <L as ChildList>::Filter,
    &'a Keyset<<L as ChildList>::Order>,
);

impl<L: ChildList> Loader<ChildPage<L>> for DbLoader
where
    ChildModel<L>: Tagged + Cacheable,
{
    /// Shared: the loader hands every requester a copy of its value.
    type Value = Arc<Page<ChildModel<L>>>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ChildPage<L>],
    ) -> Result<HashMap<ChildPage<L>, Self::Value>, AppError> {
        let shapes: Vec<(PageShape<'_, L>, Vec<ChildPage<L>>)> =
            by_shape(keys, |key| (&key.filter, &key.keyset));
        let mut pages = HashMap::with_capacity(keys.len());
        for ((filter, keyset), keys) in shapes {
            let load = |keys: Vec<ChildPage<L>>| async move {
                let parents: Vec<i64> = keys.iter().map(|key| key.parent).collect();
                let found = children::pages::<L>(&self.db, filter, keyset, &parents).await?;
                Ok(found
                    .into_iter()
                    .map(|(parent, page)| {
                        let key = ChildPage {
                            parent,
                            filter: filter.clone(),
                            keyset: keyset.clone(),
                        };
                        (key, page)
                    })
                    .collect())
            };
            let found: HashMap<ChildPage<L>, Page<ChildModel<L>>> = match L::CACHED_AS {
                Some(list) => {
                    let shape = shape_id(filter, keyset);
                    let entry = Entry {
                        entity: list,
                        key: |key: &ChildPage<L>| format!("{list}:{}:{shape}", key.parent),
                        tags: |page: &Page<ChildModel<L>>| list_tags(page.rows()).collect(),
                    };
                    self.cached(entry, &keys, load).await?
                }
                None => load(keys).await?,
            };
            self.read_list(found.values().flat_map(Page::rows));
            pages.extend(found.into_iter().map(|(key, page)| (key, Arc::new(page))));
        }
        Ok(pages)
    }
}

/// `keys` grouped by the page shape `shape_of` gives each, in the order
/// shapes first appear. A level's keys nearly always share one shape:
/// finding it by comparison is cheaper than hashing every key's shape.
pub(super) fn by_shape<'k, K: Clone, S: PartialEq>(
    keys: &'k [K],
    shape_of: impl Fn(&'k K) -> S,
) -> Vec<(S, Vec<K>)> {
    let mut shapes: Vec<(S, Vec<K>)> = Vec::new();
    for key in keys {
        let shape = shape_of(key);
        match shapes.iter_mut().find(|(known, _)| *known == shape) {
            Some((_, keys)) => keys.push(key.clone()),
            None => shapes.push((shape, vec![key.clone()])),
        }
    }
    shapes
}

/// A stable name for one page shape (filter, order, size and cursor), the
/// same on every instance of one build.
pub(super) fn shape_id(filter: &impl Debug, keyset: &impl Debug) -> String {
    let mut digest = sha256_hex(&format!("{filter:?}|{keyset:?}"));
    digest.truncate(24);
    digest
}
