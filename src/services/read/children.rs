//! Lists that hang off a parent row through a foreign key (a product's
//! reviews, a category's products, a user's orders): the same page or count
//! for a whole level of parents in one statement.

use std::{collections::HashMap, hash::Hash};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, Select,
};

use super::{
    keyset::{Keyset, KeysetOrder, Page},
    one_of,
    orderings::{OrderOrdering, ProductOrdering, ReviewsNewestFirst},
    positional::Positional,
    products::ProductFilterSpec,
};
use crate::{
    entities::{orders, products, reviews},
    error::AppResult,
};

/// A list that hangs off a parent row through a foreign key.
pub trait ChildList: Clone + Eq + Hash + Send + Sync + 'static {
    /// The child table.
    type Entity: EntityTrait<Model = <Self::Order as KeysetOrder>::Model>;
    /// How children are ordered.
    type Order: KeysetOrder<Model: Positional>;
    /// Extra conditions every parent of a batch shares.
    type Filter: Clone + Eq + Hash + std::fmt::Debug + Send + Sync + 'static;
    /// The entity-cache name of its pages; `None` for lists that are not
    /// public (a user's orders), which are never cached.
    const CACHED_AS: Option<&'static str>;

    /// The foreign key to the parent.
    fn parent_column() -> <Self::Entity as EntityTrait>::Column;
    /// The parent id of a child row.
    fn parent_of(row: &<Self::Order as KeysetOrder>::Model) -> i64;
    /// The condition of `filter`.
    fn condition(filter: &Self::Filter) -> Condition;
}

/// The row type of `L`'s children.
pub type ChildModel<L> = <<L as ChildList>::Order as KeysetOrder>::Model;

/// Children that pass `filter`.
fn passing<L: ChildList>(filter: &L::Filter) -> Select<L::Entity> {
    L::Entity::find().filter(L::condition(filter))
}

/// Children of `parents` that pass `filter`.
fn select<L: ChildList>(
    backend: DbBackend,
    filter: &L::Filter,
    parents: &[i64],
) -> Select<L::Entity> {
    passing::<L>(filter).filter(one_of(backend, L::parent_column(), parents.iter().copied()))
}

/// A product's reviews.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProductReviews;
/// A user's reviews.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserReviews;
/// A category's products.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CategoryProducts;
/// A user's orders.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserOrders;

impl ChildList for ProductReviews {
    type Entity = reviews::Entity;
    type Order = ReviewsNewestFirst;
    type Filter = ();
    const CACHED_AS: Option<&'static str> = Some("ProductReviews");

    fn parent_column() -> reviews::Column {
        reviews::Column::ProductId
    }

    fn parent_of(row: &reviews::Model) -> i64 {
        row.product_id
    }

    fn condition(_: &()) -> Condition {
        Condition::all()
    }
}

impl ChildList for UserReviews {
    type Entity = reviews::Entity;
    type Order = ReviewsNewestFirst;
    type Filter = ();
    const CACHED_AS: Option<&'static str> = Some("UserReviews");

    fn parent_column() -> reviews::Column {
        reviews::Column::UserId
    }

    fn parent_of(row: &reviews::Model) -> i64 {
        row.user_id
    }

    fn condition(_: &()) -> Condition {
        Condition::all()
    }
}

impl ChildList for CategoryProducts {
    type Entity = products::Entity;
    type Order = ProductOrdering;
    type Filter = ProductFilterSpec;
    const CACHED_AS: Option<&'static str> = Some("CategoryProducts");

    fn parent_column() -> products::Column {
        products::Column::CategoryId
    }

    fn parent_of(row: &products::Model) -> i64 {
        row.category_id
    }

    fn condition(filter: &ProductFilterSpec) -> Condition {
        filter.condition()
    }
}

impl ChildList for UserOrders {
    type Entity = orders::Entity;
    type Order = OrderOrdering;
    type Filter = ();
    const CACHED_AS: Option<&'static str> = None;

    fn parent_column() -> orders::Column {
        orders::Column::UserId
    }

    fn parent_of(row: &orders::Model) -> i64 {
        row.user_id
    }

    fn condition(_: &()) -> Condition {
        Condition::all()
    }
}

/// The same page of `L` children for each of `parents`: one statement.
/// Every parent gets a page, empty when it has no children.
pub async fn pages<L: ChildList>(
    db: &impl ConnectionTrait,
    filter: &L::Filter,
    keyset: &Keyset<L::Order>,
    parents: &[i64],
) -> AppResult<HashMap<i64, Page<ChildModel<L>>>> {
    let mut found = keyset
        .fetch_per_parent(
            db,
            passing::<L>(filter),
            L::parent_column(),
            parents,
            L::parent_of,
        )
        .await?;
    Ok(parents
        .iter()
        .map(|parent| {
            let page = found.remove(parent).unwrap_or_else(|| keyset.empty_page());
            (*parent, page)
        })
        .collect())
}

#[derive(FromQueryResult)]
struct ParentCount {
    parent_id: i64,
    count: i64,
}

/// How many `L` children pass `filter` for each of `parents`: one grouped
/// count. Every parent gets a count, zero when it has no children.
pub async fn counts<L: ChildList>(
    db: &impl ConnectionTrait,
    filter: &L::Filter,
    parents: &[i64],
) -> AppResult<HashMap<i64, i64>> {
    let rows = select::<L>(db.get_database_backend(), filter, parents)
        .select_only()
        .column_as(L::parent_column(), "parent_id")
        .column_as(L::parent_column().count(), "count")
        .group_by(L::parent_column())
        .into_model::<ParentCount>()
        .all(db)
        .await?;
    let found: HashMap<i64, i64> = rows
        .into_iter()
        .map(|row| (row.parent_id, row.count))
        .collect();
    Ok(parents
        .iter()
        .map(|parent| (*parent, found.get(parent).copied().unwrap_or(0)))
        .collect())
}
