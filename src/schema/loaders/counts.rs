//! `totalCount` of nested connections: one grouped count per level, and
//! only when the field is selected.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, FromQueryResult, QuerySelect};

use super::{DbLoader, pages::ChildList};
use crate::error::AppError;

/// Key: how many `L` children one parent has under a filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildCount<L: ChildList> {
    /// The parent row.
    pub parent: i64,
    /// Shared filter.
    pub filter: L::Filter,
}

#[derive(FromQueryResult)]
struct ParentCount {
    parent_id: i64,
    count: i64,
}

impl<L: ChildList> Loader<ChildCount<L>> for DbLoader {
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[ChildCount<L>]) -> Result<HashMap<ChildCount<L>, i64>, AppError> {
        let mut by_filter: HashMap<&L::Filter, Vec<i64>> = HashMap::new();
        for key in keys {
            by_filter.entry(&key.filter).or_default().push(key.parent);
        }
        let mut counts = HashMap::with_capacity(keys.len());
        for (filter, parents) in by_filter {
            let rows = L::select(filter, parents.clone())
                .select_only()
                .column_as(L::parent_column(), "parent_id")
                .column_as(L::parent_column().count(), "count")
                .group_by(L::parent_column())
                .into_model::<ParentCount>()
                .all(&self.db)
                .await?;
            let found: HashMap<i64, i64> = rows
                .into_iter()
                .map(|row| (row.parent_id, row.count))
                .collect();
            for parent in parents {
                let key = ChildCount {
                    parent,
                    filter: filter.clone(),
                };
                counts.insert(key, found.get(&parent).copied().unwrap_or(0));
            }
        }
        Ok(counts)
    }
}
