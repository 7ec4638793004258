//! Nested connections (`products { reviews(first: 3) }`): one windowed
//! statement per distinct page shape, for every parent of the level.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::{DbLoader, Tagged};
use crate::{
    error::AppError,
    services::read::{
        children::{self, ChildList, ChildModel},
        keyset::{Keyset, Page},
    },
};

/// Key: one page of `L` children of one parent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildPage<L: ChildList> {
    /// The parent row.
    pub parent: i64,
    /// Shared filter.
    pub filter: L::Filter,
    /// Page shape.
    pub keyset: Keyset<L::Order>,
}

/// What parents must share to be served by one statement.
type PageShape<'a, L> = (
    &'a <L as ChildList>::Filter,
    &'a Keyset<<L as ChildList>::Order>,
);

impl<L: ChildList> Loader<ChildPage<L>> for DbLoader
where
    ChildModel<L>: Tagged,
{
    type Value = Page<ChildModel<L>>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ChildPage<L>],
    ) -> Result<HashMap<ChildPage<L>, Self::Value>, AppError> {
        let mut shapes: HashMap<PageShape<'_, L>, Vec<i64>> = HashMap::new();
        for key in keys {
            shapes
                .entry((&key.filter, &key.keyset))
                .or_default()
                .push(key.parent);
        }
        let mut pages = HashMap::with_capacity(keys.len());
        for ((filter, keyset), parents) in shapes {
            let found = children::pages::<L>(&self.db, filter, keyset, &parents).await?;
            self.read_list(found.values().flat_map(Page::rows));
            pages.extend(found.into_iter().map(|(parent, page)| {
                let key = ChildPage {
                    parent,
                    filter: filter.clone(),
                    keyset: keyset.clone(),
                };
                (key, page)
            }));
        }
        Ok(pages)
    }
}
