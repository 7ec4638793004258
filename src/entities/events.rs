//! One domain event in the transactional outbox; its `id` is its position.

use sea_orm::entity::prelude::*;

/// A row of `events`. Which optional columns are set depends on `kind`
/// (see `services::outbox`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// The position: increasing in commit order, never reused.
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub order_id: Option<i64>,
    /// The order's customer, so that authorization needs no lookup.
    pub user_id: Option<i64>,
    pub product_id: Option<i64>,
    /// The product's stock right after the change.
    pub stock: Option<i32>,
    /// Units added (negative: taken).
    pub delta: Option<i32>,
    pub occurred_at: DateTimeUtc,
}

/// `events` has no relations: the log outlives what it mentions.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
