//! Reading users: their public columns only, never the password hash.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DbErr, DerivePartialModel, EntityTrait, FromQueryResult, IdenStatic,
    PaginatorTrait, QueryFilter, QueryResult, QuerySelect,
    sea_query::{Expr, ExprTrait, IntoColumnRef, JoinType, SelectStatement},
};

use super::{
    keyset::{Keyset, Page},
    one_of,
    orderings::UsersNewestFirst,
    positional::{self, Columns, Positional},
    total,
};
use crate::{domain::Role, entities::users, error::AppResult};

/// The columns of `users` that the API may show; the password hash is never
/// read for a query. Cached without its address (`email` is then `None`).
#[derive(Clone, Debug, DerivePartialModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(entity = "users::Entity", from_query_result)]
pub struct UserRecord {
    /// Primary key.
    pub id: i64,
    /// Normalized address; shown only to the user and to admins. `None`
    /// where the record came through a shared cache, which never holds
    /// addresses: read it with [`emails`] then.
    #[serde(skip)]
    pub email: Option<String>,
    /// Display name.
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// Sign-up time.
    pub created_at: DateTime<Utc>,
    /// Set when this operation has just proven that the caller is this
    /// user (register, login, refresh), although its request carried no
    /// token for them. Never read from the database.
    #[sea_orm(skip)]
    #[serde(skip)]
    pub just_authenticated: bool,
}

/// What the user columns of a row joined to its user are prefixed with.
const JOINED_USER: &str = "joined_user_";

/// Joins the rows of `statement` to the users that `user_id` names and
/// selects those users' [`UserRecord`] columns after the statement's own,
/// for [`WithUser`] to decode. The column is a foreign key, so the inner
/// join keeps every row. Addresses are read only `with_email`; otherwise
/// the column is a null, and a viewer allowed to see one reads it through
/// [`emails`].
pub(super) fn join_users(
    statement: &mut SelectStatement,
    user_id: impl IntoColumnRef,
    with_email: bool,
) {
    statement.join(
        JoinType::InnerJoin,
        users::Entity,
        Expr::col((users::Entity, users::Column::Id)).equals(user_id),
    );
    for column in [
        users::Column::Id,
        users::Column::Email,
        users::Column::Name,
        users::Column::Role,
        users::Column::CreatedAt,
    ] {
        let alias = format!("{JOINED_USER}{}", column.as_str());
        let value = if matches!(column, users::Column::Email) && !with_email {
            Expr::cust("NULL").cast_as("text")
        } else {
            Expr::col((users::Entity, column))
        };
        statement.expr_as(value, alias);
    }
}

/// A row read with its user in one statement (see [`join_users`]).
pub(super) struct WithUser<M> {
    /// The row.
    pub row: M,
    /// The user it names.
    pub user: UserRecord,
}

impl<M: FromQueryResult> FromQueryResult for WithUser<M> {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Self {
            row: M::from_query_result(row, prefix)?,
            user: UserRecord::from_query_result(row, &format!("{prefix}{JOINED_USER}"))?,
        })
    }
}

impl<M: Positional> Positional for WithUser<M> {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            row: M::from_columns(columns)?,
            user: columns.read_aliased(JOINED_USER)?,
        })
    }
}

/// The users with these ids (those that exist).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<UserRecord>> {
    let condition = one_of(db.get_database_backend(), users::Column::Id, ids);
    let select = users::Entity::find().filter(condition);
    Ok(positional::all(db, positional::partial::<_, UserRecord>(select)).await?)
}

/// The addresses of the users with these ids (those that exist).
pub async fn emails(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<(i64, String)>> {
    let rows = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Email)
        .filter(one_of(db.get_database_backend(), users::Column::Id, ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows)
}

/// One page of every user, newest first.
pub async fn page(
    db: &impl ConnectionTrait,
    keyset: &Keyset<UsersNewestFirst>,
) -> AppResult<Page<UserRecord>> {
    keyset.fetch_partial(db, users::Entity::find()).await
}

/// How many users exist.
pub async fn count(db: &impl ConnectionTrait) -> AppResult<i64> {
    Ok(total(users::Entity::find().count(db).await?))
}

#[cfg(test)]
mod tests {
    use sea_orm::DbBackend;

    use super::*;

    #[test]
    fn user_records_never_select_the_password_hash() {
        let sql = users::Entity::find()
            .into_partial_model::<UserRecord>()
            .into_statement(DbBackend::Postgres)
            .to_string();
        assert!(sql.contains("\"email\""), "{sql}");
        assert!(!sql.contains("password_hash"), "{sql}");
    }
}
