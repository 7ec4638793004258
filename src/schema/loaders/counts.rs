//! `totalCount` of nested connections: one grouped count per level, and
//! only when the field is selected.

use std::{
    collections::HashMap,
    hash::{Hash, Hasher},
};

use async_graphql::dataloader::Loader;

use super::{DbLoader, Tagged};
use crate::{
    cache::Tag,
    error::AppError,
    services::read::children::{self, ChildList, ChildModel},
};

/// Key: how many `L` children one parent has under a filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildCount<L: ChildList> {
    /// The parent row.
    pub parent: i64,
    /// Shared filter.
    pub filter: L::Filter,
}

/// Hashes the parent alone, as [`super::ChildPage`] does: the keys of a
/// level share their filter.
impl<L: ChildList> Hash for ChildCount<L> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parent.hash(state);
    }
}

impl<L: ChildList> Loader<ChildCount<L>> for DbLoader
where
    ChildModel<L>: Tagged,
{
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[ChildCount<L>]) -> Result<HashMap<ChildCount<L>, i64>, AppError> {
        self.read.add([Tag::List(ChildModel::<L>::TABLE)]);
        let mut by_filter: HashMap<&L::Filter, Vec<i64>> = HashMap::new();
        for key in keys {
            by_filter.entry(&key.filter).or_default().push(key.parent);
        }
        let mut counts = HashMap::with_capacity(keys.len());
        for (filter, parents) in by_filter {
            let found = children::counts::<L>(&self.db, filter, &parents).await?;
            counts.extend(found.into_iter().map(|(parent, count)| {
                let key = ChildCount {
                    parent,
                    filter: filter.clone(),
                };
                (key, count)
            }));
        }
        Ok(counts)
    }
}
