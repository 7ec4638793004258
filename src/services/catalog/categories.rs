//! Creating, renaming and moving categories in the two-level tree.

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set, Unchanged},
    ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::slug_taken;
use crate::{
    cache::{Table, Tag},
    db::CountedTransaction,
    domain::{CategoryName, CategorySlug, clock::now},
    entities::categories,
    error::{AppError, AppResult, DbResultExt, UniqueKey},
};

const CATEGORY_SLUG: UniqueKey = UniqueKey {
    name: "categories_slug_key",
    columns: "categories.slug",
};
const PARENT_FIELD: &str = "parentId";

/// A checked new category.
#[derive(Clone, Debug)]
pub struct NewCategory {
    /// Display name.
    pub name: CategoryName,
    /// Unique URL slug, given or derived from the name.
    pub slug: CategorySlug,
    /// The top-level category to nest under, if any.
    pub parent_id: Option<i64>,
}

/// Checked changes to a category; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct CategoryChanges {
    /// New display name.
    pub name: Option<CategoryName>,
    /// New slug.
    pub slug: Option<CategorySlug>,
    /// New parent; `Some(None)` makes the category top-level.
    pub parent_id: Option<Option<i64>>,
}

/// The categories with these ids, locked until the transaction ends (on
/// PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises writers), in id
/// order so that concurrent moves cannot deadlock.
async fn lock_categories(
    tx: &CountedTransaction,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<categories::Model>> {
    Ok(categories::Entity::find()
        .filter(categories::Column::Id.is_in(ids))
        .order_by_asc(categories::Column::Id)
        .lock_exclusive()
        .all(tx)
        .await?)
}

/// The catalog is two levels deep: a parent must exist and be top-level.
/// `child` is the category being moved, if it exists already.
fn check_parent(parent: Option<&categories::Model>, child: Option<i64>) -> AppResult<()> {
    let Some(parent) = parent else {
        return Err(AppError::bad_input(PARENT_FIELD, "no category has this ID"));
    };
    match parent.parent_id {
        None => Ok(()),
        Some(grandparent) if Some(grandparent) == child => Err(AppError::bad_input(
            PARENT_FIELD,
            "a category cannot move under its own subcategory",
        )),
        Some(_) => Err(AppError::bad_input(
            PARENT_FIELD,
            format!(
                "\"{}\" is a subcategory, and categories nest only two levels deep",
                parent.name
            ),
        )),
    }
}

/// Creates a category, top-level or under a top-level parent.
#[tracing::instrument(skip(tx, new), fields(slug = new.slug.as_str()))]
pub async fn create_category(
    tx: &CountedTransaction,
    new: NewCategory,
) -> AppResult<categories::Model> {
    tx.touches([Tag::List(Table::Category)]);
    if let Some(parent_id) = new.parent_id {
        let parent = lock_categories(tx, [parent_id]).await?;
        check_parent(parent.first(), None)?;
    }
    let now = now();
    let message = slug_taken(new.slug.as_str());
    categories::ActiveModel {
        id: NotSet,
        name: Set(new.name.into_string()),
        slug: Set(new.slug.into_string()),
        parent_id: Set(new.parent_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx)
    .await
    .conflict_on(CATEGORY_SLUG, "slug", &message)
}

/// Checks that category `id` may move under `parent_id`, locking both: the
/// parent is another, top-level category, and `id` has no subcategories.
async fn check_move(tx: &CountedTransaction, id: i64, parent_id: i64) -> AppResult<()> {
    if parent_id == id {
        return Err(AppError::bad_input(
            PARENT_FIELD,
            "a category cannot be its own parent",
        ));
    }
    let rows = lock_categories(tx, [id, parent_id]).await?;
    let row = |wanted: i64| rows.iter().find(|row| row.id == wanted);
    if row(id).is_none() {
        return Err(AppError::not_found("no category has this ID"));
    }
    check_parent(row(parent_id), Some(id))?;
    let child = categories::Entity::find()
        .filter(categories::Column::ParentId.eq(id))
        .one(tx)
        .await?;
    if child.is_some() {
        return Err(AppError::conflict_on(
            PARENT_FIELD,
            "the category has subcategories, so it must stay top-level",
        ));
    }
    Ok(())
}

/// Renames, re-slugs or moves a category. A category with subcategories
/// stays top-level; a parent must be top-level and not the category itself.
#[tracing::instrument(skip(tx, changes))]
pub async fn update_category(
    tx: &CountedTransaction,
    id: i64,
    changes: CategoryChanges,
) -> AppResult<categories::Model> {
    tx.touches([Tag::Row(Table::Category, id), Tag::List(Table::Category)]);
    if let Some(Some(parent_id)) = changes.parent_id {
        check_move(tx, id, parent_id).await?;
    }
    let slug = changes.slug.clone();
    let mut update = categories::ActiveModel {
        id: Unchanged(id),
        updated_at: Set(now()),
        ..Default::default()
    };
    if let Some(name) = changes.name {
        update.name = Set(name.into_string());
    }
    if let Some(slug) = changes.slug {
        update.slug = Set(slug.into_string());
    }
    if let Some(parent_id) = changes.parent_id {
        update.parent_id = Set(parent_id);
    }
    update.update(tx).await.map_err(|err| {
        if CATEGORY_SLUG.violated_by(&err) {
            AppError::conflict_on(
                "slug",
                slug_taken(slug.as_ref().map(CategorySlug::as_str).unwrap_or_default()),
            )
        } else if matches!(err, DbErr::RecordNotUpdated) {
            AppError::not_found("no category has this ID")
        } else {
            AppError::from(err)
        }
    })
}
