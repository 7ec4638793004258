//! Reading categories: by key, the children of parents, and the list.

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::{
    keyset::{Keyset, Page},
    one_of,
    orderings::CategoryByName,
    rows_where_in, total,
};
use crate::{entities::categories, error::AppResult};

/// The categories with these ids (those that exist).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<categories::Model>> {
    rows_where_in::<categories::Entity, _>(db, categories::Column::Id, ids).await
}

/// The categories with these slugs (those that exist).
pub async fn by_slugs(
    db: &impl ConnectionTrait,
    slugs: impl IntoIterator<Item = String>,
) -> AppResult<Vec<categories::Model>> {
    rows_where_in::<categories::Entity, _>(db, categories::Column::Slug, slugs).await
}

/// The direct children of these parents, alphabetically.
pub async fn children_of(
    db: &impl ConnectionTrait,
    parent_ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<categories::Model>> {
    Ok(categories::Entity::find()
        .filter(one_of(
            db.get_database_backend(),
            categories::Column::ParentId,
            parent_ids,
        ))
        .order_by_asc(categories::Column::Name)
        .order_by_asc(categories::Column::Id)
        .all(db)
        .await?)
}

/// One page of every category, alphabetically.
pub async fn page(
    db: &impl ConnectionTrait,
    keyset: &Keyset<CategoryByName>,
) -> AppResult<Page<categories::Model>> {
    keyset.fetch(db, categories::Entity::find()).await
}

/// How many categories exist.
pub async fn count(db: &impl ConnectionTrait) -> AppResult<i64> {
    Ok(total(categories::Entity::find().count(db).await?))
}
