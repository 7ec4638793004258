//! category→children, alphabetically.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::DbLoader;
use crate::{entities::categories, error::AppError};

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
        let rows = categories::Entity::find()
            .filter(categories::Column::ParentId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(categories::Column::Name)
            .order_by_asc(categories::Column::Id)
            .all(&self.db)
            .await?;
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
