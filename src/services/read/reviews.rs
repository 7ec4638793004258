//! Reading reviews by key; pages of them hang off products and users (see
//! [`super::children`]).

use sea_orm::ConnectionTrait;

use super::rows_where_in;
use crate::{entities::reviews, error::AppResult};

/// The reviews with these ids (those that exist).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<reviews::Model>> {
    rows_where_in::<reviews::Entity, _>(db, reviews::Column::Id, ids).await
}
