//! Nested connections (`products { reviews(first: 3) }`): one windowed
//! statement per distinct page shape, for every parent of the level.

use std::{collections::HashMap, hash::Hash};

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, Select};

use super::DbLoader;
use crate::{
    entities::{orders, products, reviews},
    error::AppError,
    schema::{
        connection::{Keyset, KeysetOrder, Page},
        filters::ProductFilterSpec,
        orderings::{OrderOrder, ProductOrder, ReviewsNewestFirst},
    },
};

/// A list that hangs off a parent row through a foreign key.
pub trait ChildList: Clone + Eq + Hash + Send + Sync + 'static {
    /// The child table.
    type Entity: EntityTrait<Model = <Self::Order as KeysetOrder>::Model>;
    /// How children are ordered.
    type Order: KeysetOrder<Model: FromQueryResult>;
    /// Extra conditions every parent of a batch shares.
    type Filter: Clone + Eq + Hash + Send + Sync + 'static;

    /// The foreign key to the parent.
    fn parent_column() -> <Self::Entity as EntityTrait>::Column;
    /// The parent id of a child row.
    fn parent_of(row: &<Self::Order as KeysetOrder>::Model) -> i64;
    /// Children of `parents` that pass `filter`.
    fn select(filter: &Self::Filter, parents: Vec<i64>) -> Select<Self::Entity> {
        Self::Entity::find()
            .filter(Self::parent_column().is_in(parents))
            .filter(Self::condition(filter))
    }
    /// The condition of `filter`.
    fn condition(filter: &Self::Filter) -> sea_orm::Condition;
}

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

    fn parent_column() -> reviews::Column {
        reviews::Column::ProductId
    }

    fn parent_of(row: &reviews::Model) -> i64 {
        row.product_id
    }

    fn condition(_: &()) -> sea_orm::Condition {
        sea_orm::Condition::all()
    }
}

impl ChildList for UserReviews {
    type Entity = reviews::Entity;
    type Order = ReviewsNewestFirst;
    type Filter = ();

    fn parent_column() -> reviews::Column {
        reviews::Column::UserId
    }

    fn parent_of(row: &reviews::Model) -> i64 {
        row.user_id
    }

    fn condition(_: &()) -> sea_orm::Condition {
        sea_orm::Condition::all()
    }
}

impl ChildList for CategoryProducts {
    type Entity = products::Entity;
    type Order = ProductOrder;
    type Filter = ProductFilterSpec;

    fn parent_column() -> products::Column {
        products::Column::CategoryId
    }

    fn parent_of(row: &products::Model) -> i64 {
        row.category_id
    }

    fn condition(filter: &ProductFilterSpec) -> sea_orm::Condition {
        filter.condition()
    }
}

impl ChildList for UserOrders {
    type Entity = orders::Entity;
    type Order = OrderOrder;
    type Filter = ();

    fn parent_column() -> orders::Column {
        orders::Column::UserId
    }

    fn parent_of(row: &orders::Model) -> i64 {
        row.user_id
    }

    fn condition(_: &()) -> sea_orm::Condition {
        sea_orm::Condition::all()
    }
}

/// The row type of `L`'s children.
pub type ChildModel<L> = <<L as ChildList>::Order as KeysetOrder>::Model;

/// What parents must share to be served by one statement.
type PageShape<'a, L> = (
    &'a <L as ChildList>::Filter,
    &'a Keyset<<L as ChildList>::Order>,
);

impl<L: ChildList> Loader<ChildPage<L>> for DbLoader {
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
            let select = L::select(filter, parents.clone());
            let mut found = keyset
                .fetch_per_parent(&self.db, select, L::parent_column(), L::parent_of)
                .await?;
            for parent in parents {
                let page = found.remove(&parent).unwrap_or_else(|| keyset.empty_page());
                let key = ChildPage {
                    parent,
                    filter: filter.clone(),
                    keyset: keyset.clone(),
                };
                pages.insert(key, page);
            }
        }
        Ok(pages)
    }
}
