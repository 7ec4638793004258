//! category→children, alphabetically.

use std::collections::HashMap;

use super::DbLoader;
use crate::{entities::categories, error::AppError, services::read};
use async_graphql::dataloader::Loader;

/// Key: the parent category whose children are wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChildrenOf(pub i64);

impl Loader<ChildrenOf> for DbLoader {
    type Value = Vec<categories::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ChildrenOf],
    ) -> Result<HashMap<ChildrenOf, Self::Value>, AppError> {
        let rows = read::categories::children_of(&self.db, keys.iter().map(|key| key.0)).await?;
        self.read_list(&rows);
        let mut children: HashMap<ChildrenOf, Self::Value> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for row in rows {
            if let Some(parent) = row.parent_id {
                children.entry(ChildrenOf(parent)).or_default().push(row);
            }
        }
        Ok(children)
    }
}
