//! The orderings clients can ask for, each a keyset ordering with the row id
//! as tie-breaker so that equal prices or ratings still page stably.

use async_graphql::{Enum, InputObject};
use sea_orm::{
    EntityTrait,
    sea_query::{Expr, SimpleExpr},
};

use super::connection::{KeysetOrder, SortValue};
use super::types::UserRecord;
use crate::entities::{categories, orders, products, reviews, users};

/// Sort direction.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OrderDirection {
    /// Lowest first.
    #[default]
    Asc,
    /// Highest first.
    Desc,
}

/// What products can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProductOrderField {
    /// Alphabetically by name.
    Name,
    /// By price.
    Price,
    /// By creation time.
    CreatedAt,
    /// By average review rating (unrated products count as lowest).
    Rating,
}

/// How to order a product list.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProductOrder {
    /// The sort key.
    pub field: ProductOrderField,
    /// The direction; ascending when omitted.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl Default for ProductOrder {
    /// Newest products first.
    fn default() -> Self {
        Self {
            field: ProductOrderField::CreatedAt,
            direction: OrderDirection::Desc,
        }
    }
}

fn column<E: EntityTrait>(column: E::Column) -> SimpleExpr {
    Expr::col((E::default(), column))
}

impl KeysetOrder for ProductOrder {
    type Model = products::Model;

    fn tag(&self) -> &'static str {
        match self.field {
            ProductOrderField::Name => "product:name",
            ProductOrderField::Price => "product:price",
            ProductOrderField::CreatedAt => "product:created",
            ProductOrderField::Rating => "product:rating",
        }
    }

    fn sort_column(&self) -> SimpleExpr {
        column::<products::Entity>(match self.field {
            ProductOrderField::Name => products::Column::Name,
            ProductOrderField::Price => products::Column::PriceCents,
            ProductOrderField::CreatedAt => products::Column::CreatedAt,
            ProductOrderField::Rating => products::Column::RatingAverageMilli,
        })
    }

    fn id_column(&self) -> SimpleExpr {
        column::<products::Entity>(products::Column::Id)
    }

    fn descending(&self) -> bool {
        self.direction == OrderDirection::Desc
    }

    fn sort_value(&self, row: &products::Model) -> SortValue {
        match self.field {
            ProductOrderField::Name => SortValue::Text(row.name.clone()),
            ProductOrderField::Price => SortValue::Int(row.price_cents),
            ProductOrderField::CreatedAt => SortValue::Time(row.created_at),
            ProductOrderField::Rating => SortValue::Int(row.rating_average_milli),
        }
    }

    fn accepts(&self, key: &SortValue) -> bool {
        matches!(
            (self.field, key),
            (ProductOrderField::Name, SortValue::Text(_))
                | (
                    ProductOrderField::Price | ProductOrderField::Rating,
                    SortValue::Int(_)
                )
                | (ProductOrderField::CreatedAt, SortValue::Time(_))
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

/// What orders can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderOrderField {
    /// By placement time.
    CreatedAt,
    /// By order total.
    Total,
    /// By order number.
    Number,
}

/// How to order an order list.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrderOrder {
    /// The sort key.
    pub field: OrderOrderField,
    /// The direction; ascending when omitted.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl Default for OrderOrder {
    /// Newest orders first.
    fn default() -> Self {
        Self {
            field: OrderOrderField::CreatedAt,
            direction: OrderDirection::Desc,
        }
    }
}

impl KeysetOrder for OrderOrder {
    type Model = orders::Model;

    fn tag(&self) -> &'static str {
        match self.field {
            OrderOrderField::CreatedAt => "order:created",
            OrderOrderField::Total => "order:total",
            OrderOrderField::Number => "order:number",
        }
    }

    fn sort_column(&self) -> SimpleExpr {
        column::<orders::Entity>(match self.field {
            OrderOrderField::CreatedAt => orders::Column::CreatedAt,
            OrderOrderField::Total => orders::Column::TotalCents,
            OrderOrderField::Number => orders::Column::Number,
        })
    }

    fn id_column(&self) -> SimpleExpr {
        column::<orders::Entity>(orders::Column::Id)
    }

    fn descending(&self) -> bool {
        self.direction == OrderDirection::Desc
    }

    fn sort_value(&self, row: &orders::Model) -> SortValue {
        match self.field {
            OrderOrderField::CreatedAt => SortValue::Time(row.created_at),
            OrderOrderField::Total => SortValue::Int(row.total_cents),
            OrderOrderField::Number => SortValue::Text(row.number.clone()),
        }
    }

    fn accepts(&self, key: &SortValue) -> bool {
        matches!(
            (self.field, key),
            (OrderOrderField::CreatedAt, SortValue::Time(_))
                | (OrderOrderField::Total, SortValue::Int(_))
                | (OrderOrderField::Number, SortValue::Text(_))
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
