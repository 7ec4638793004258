//! Reading categories: by key, the children of parents, and the list.

use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, Iterable, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::{
    flag_bits,
    keyset::{Keyset, Page},
    one_of,
    orderings::CategoryByName,
    positional::Columns,
    rows_where_in, total,
};
use crate::{entities::categories, error::AppResult};

/// The columns of a category row that a read selects beyond its id and
/// name, which every read selects: a list that shows its items' categories
/// by name alone leaves the rest unread on PostgreSQL. Rows read without a
/// column hold its type's default there, so only the selection that chose
/// the columns may see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CategoryColumns {
    /// `slug`.
    pub slug: bool,
    /// `parent_id`.
    pub parent: bool,
    /// `created_at`.
    pub created_at: bool,
    /// `updated_at`.
    pub updated_at: bool,
}

impl CategoryColumns {
    /// No optional column.
    pub const NONE: Self = Self {
        slug: false,
        parent: false,
        created_at: false,
        updated_at: false,
    };

    /// Every column.
    pub const ALL: Self = Self {
        slug: true,
        parent: true,
        created_at: true,
        updated_at: true,
    };

    /// The set as bits, one per optional column: a short name for cache keys.
    pub fn bits(self) -> u8 {
        flag_bits([self.slug, self.parent, self.created_at, self.updated_at])
    }

    /// The columns of either set.
    pub fn union(self, other: Self) -> Self {
        Self {
            slug: self.slug || other.slug,
            parent: self.parent || other.parent,
            created_at: self.created_at || other.created_at,
            updated_at: self.updated_at || other.updated_at,
        }
    }

    /// Whether `column` is selected.
    pub fn selects(self, column: categories::Column) -> bool {
        match column {
            categories::Column::Id | categories::Column::Name => true,
            categories::Column::Slug => self.slug,
            categories::Column::ParentId => self.parent,
            categories::Column::CreatedAt => self.created_at,
            categories::Column::UpdatedAt => self.updated_at,
        }
    }

    /// The selected columns, in the model's field order.
    pub(super) fn columns(self) -> impl Iterator<Item = categories::Column> {
        categories::Column::iter().filter(move |column| self.selects(*column))
    }

    /// Reads a row of these columns, in the model's field order.
    pub(super) fn read(self, columns: &mut Columns<'_>) -> Result<categories::Model, DbErr> {
        use categories::Column as C;
        Ok(categories::Model {
            id: columns.read("id")?,
            name: columns.read("name")?,
            slug: columns.read_if(self.selects(C::Slug), "slug")?,
            parent_id: columns.read_if(self.selects(C::ParentId), "parent_id")?,
            created_at: columns.read_if(self.selects(C::CreatedAt), "created_at")?,
            updated_at: columns.read_if(self.selects(C::UpdatedAt), "updated_at")?,
        })
    }
}

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
