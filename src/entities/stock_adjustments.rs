//! One manual change of a product's stock: who, by how much, why, and the
//! stock it left.

use sea_orm::entity::prelude::*;

/// A row of `stock_adjustments`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_adjustments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub product_id: i64,
    /// The admin who made the change; null once their account is gone.
    pub user_id: Option<i64>,
    /// Units added (positive) or removed (negative); never zero.
    pub delta: i32,
    pub reason: Option<String>,
    /// The product's stock right after this change.
    pub stock_after: i32,
    pub created_at: DateTimeUtc,
}

/// Relations of `stock_adjustments`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::products::Entity",
        from = "Column::ProductId",
        to = "super::products::Column::Id"
    )]
    Product,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id"
    )]
    User,
}

impl Related<super::products::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Product.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
