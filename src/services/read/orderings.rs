//! The orderings lists can be read in, each a keyset ordering with the row
//! id as tie-breaker so that equal prices or ratings still page stably.

use sea_orm::{
    EntityTrait,
    sea_query::{Expr, SimpleExpr},
};

use super::{
    keyset::{KeysetOrder, SortValue},
    users::UserRecord,
};
use crate::entities::{categories, orders, products, reviews, users};

/// Which way a sort key runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SortDirection {
    /// Lowest first.
    #[default]
    Asc,
    /// Highest first.
    Desc,
}

/// What products can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProductSortKey {
    /// Alphabetically by name.
    Name,
    /// By price.
    Price,
    /// By creation time.
    CreatedAt,
    /// By average review rating (unrated products count as lowest).
    Rating,
}

/// How a product list is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProductOrdering {
    /// The sort key.
    pub key: ProductSortKey,
    /// Its direction.
    pub direction: SortDirection,
}

impl Default for ProductOrdering {
    /// Newest products first.
    fn default() -> Self {
        Self {
            key: ProductSortKey::CreatedAt,
            direction: SortDirection::Desc,
        }
    }
}

fn column<E: EntityTrait>(column: E::Column) -> SimpleExpr {
    Expr::col((E::default(), column))
}

impl KeysetOrder for ProductOrdering {
    type Model = products::Model;

    fn tag(&self) -> &'static str {
        match self.key {
            ProductSortKey::Name => "product:name",
            ProductSortKey::Price => "product:price",
            ProductSortKey::CreatedAt => "product:created",
            ProductSortKey::Rating => "product:rating",
        }
    }

    fn sort_column(&self) -> SimpleExpr {
        column::<products::Entity>(match self.key {
            ProductSortKey::Name => products::Column::Name,
            ProductSortKey::Price => products::Column::PriceCents,
            ProductSortKey::CreatedAt => products::Column::CreatedAt,
            ProductSortKey::Rating => products::Column::RatingAverageMilli,
        })
    }

    fn id_column(&self) -> SimpleExpr {
        column::<products::Entity>(products::Column::Id)
    }

    fn descending(&self) -> bool {
        self.direction == SortDirection::Desc
    }

    fn sort_value(&self, row: &products::Model) -> SortValue {
        match self.key {
            ProductSortKey::Name => SortValue::Text(row.name.clone()),
            ProductSortKey::Price => SortValue::Int(row.price_cents),
            ProductSortKey::CreatedAt => SortValue::Time(row.created_at),
            ProductSortKey::Rating => SortValue::Int(row.rating_average_milli),
        }
    }

    fn accepts(&self, key: &SortValue) -> bool {
        matches!(
            (self.key, key),
            (ProductSortKey::Name, SortValue::Text(_))
                | (
                    ProductSortKey::Price | ProductSortKey::Rating,
                    SortValue::Int(_)
                )
                | (ProductSortKey::CreatedAt, SortValue::Time(_))
        )
    }

    fn row_id(row: &products::Model) -> i64 {
        row.id
    }
}

/// Categories are listed alphabetically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct CategoryByName;

impl KeysetOrder for CategoryByName {
    type Model = categories::Model;

    fn tag(&self) -> &'static str {
        "category:name"
    }

    fn sort_column(&self) -> SimpleExpr {
        column::<categories::Entity>(categories::Column::Name)
    }

    fn id_column(&self) -> SimpleExpr {
        column::<categories::Entity>(categories::Column::Id)
    }

    fn descending(&self) -> bool {
        false
    }

    fn sort_value(&self, row: &categories::Model) -> SortValue {
        SortValue::Text(row.name.clone())
    }

    fn accepts(&self, key: &SortValue) -> bool {
        matches!(key, SortValue::Text(_))
    }

    fn row_id(row: &categories::Model) -> i64 {
        row.id
    }
}

/// Reviews are listed newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ReviewsNewestFirst;

impl KeysetOrder for ReviewsNewestFirst {
    type Model = reviews::Model;

    fn tag(&self) -> &'static str {
        "review:created"
    }

    fn sort_column(&self) -> SimpleExpr {
        column::<reviews::Entity>(reviews::Column::CreatedAt)
    }

    fn id_column(&self) -> SimpleExpr {
        column::<reviews::Entity>(reviews::Column::Id)
    }

    fn descending(&self) -> bool {
        true
    }

    fn sort_value(&self, row: &reviews::Model) -> SortValue {
        SortValue::Time(row.created_at)
    }

    fn accepts(&self, key: &SortValue) -> bool {
        matches!(key, SortValue::Time(_))
    }

    fn row_id(row: &reviews::Model) -> i64 {
        row.id
    }
}

/// What orders can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderSortKey {
    /// By placement time.
    CreatedAt,
    /// By order total.
    Total,
    /// By order number.
    Number,
}

/// How an order list is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrderOrdering {
    /// The sort key.
    pub key: OrderSortKey,
    /// Its direction.
    pub direction: SortDirection,
}

impl Default for OrderOrdering {
    /// Newest orders first.
    fn default() -> Self {
        Self {
            key: OrderSortKey::CreatedAt,
            direction: SortDirection::Desc,
        }
    }
}

impl KeysetOrder for OrderOrdering {
    type Model = orders::Model;

    fn tag(&self) -> &'static str {
        match self.key {
            OrderSortKey::CreatedAt => "order:created",
            OrderSortKey::Total => "order:total",
            OrderSortKey::Number => "order:number",
        }
    }

    fn sort_column(&self) -> SimpleExpr {
        column::<orders::Entity>(match self.key {
            OrderSortKey::CreatedAt => orders::Column::CreatedAt,
            OrderSortKey::Total => orders::Column::TotalCents,
            OrderSortKey::Number => orders::Column::Number,
        })
    }

    fn id_column(&self) -> SimpleExpr {
        column::<orders::Entity>(orders::Column::Id)
    }

    fn descending(&self) -> bool {
        self.direction == SortDirection::Desc
    }

    fn sort_value(&self, row: &orders::Model) -> SortValue {
        match self.key {
            OrderSortKey::CreatedAt => SortValue::Time(row.created_at),
            OrderSortKey::Total => SortValue::Int(row.total_cents),
            OrderSortKey::Number => SortValue::Text(row.number.clone()),
        }
    }

    fn accepts(&self, key: &SortValue) -> bool {
        matches!(
            (self.key, key),
            (OrderSortKey::CreatedAt, SortValue::Time(_))
                | (OrderSortKey::Total, SortValue::Int(_))
                | (OrderSortKey::Number, SortValue::Text(_))
        )
    }

    fn row_id(row: &orders::Model) -> i64 {
        row.id
    }
}

/// Users are listed newest first (`users_created_at_id_idx`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct UsersNewestFirst;

impl KeysetOrder for UsersNewestFirst {
    type Model = UserRecord;

    fn tag(&self) -> &'static str {
        "user:created"
    }

    fn sort_column(&self) -> SimpleExpr {
        column::<users::Entity>(users::Column::CreatedAt)
    }

    fn id_column(&self) -> SimpleExpr {
        column::<users::Entity>(users::Column::Id)
    }

    fn descending(&self) -> bool {
        true
    }

    fn sort_value(&self, row: &UserRecord) -> SortValue {
        SortValue::Time(row.created_at)
    }

    fn accepts(&self, key: &SortValue) -> bool {
        matches!(key, SortValue::Time(_))
    }

    fn row_id(row: &UserRecord) -> i64 {
        row.id
    }
}
