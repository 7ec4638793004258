//! Reading users: their public columns only, never the password hash.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, DerivePartialModel, EntityTrait, FromQueryResult,
    IdenStatic, PaginatorTrait, QueryFilter, QueryResult, QuerySelect,
    sea_query::{Condition, Expr, ExprTrait, IntoColumnRef, JoinType, Query, SelectStatement},
};

use super::{
    flag_bits,
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

/// The columns of [`UserRecord`], in its field order.
const RECORD_COLUMNS: [users::Column; 5] = [
    users::Column::Id,
    users::Column::Email,
    users::Column::Name,
    users::Column::Role,
    users::Column::CreatedAt,
];

/// The columns of a user record that a read selects beyond its id and
/// name, which every read selects: the authors of a page of reviews shown
/// by name leave their role and sign-up time unread on PostgreSQL. There,
/// a record read without a column holds a placeholder (no address, the
/// customer role, the Unix epoch), so only the selection that chose the
/// columns may see it. Elsewhere rows decode by name, and only the address
/// is left out (a null).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserColumns {
    /// `email`.
    pub email: bool,
    /// `role`.
    pub role: bool,
    /// `created_at`.
    pub created_at: bool,
}

impl UserColumns {
    /// No optional column.
    pub const NONE: Self = Self {
        email: false,
        role: false,
        created_at: false,
    };

    /// Every column of the record.
    pub const ALL: Self = Self {
        email: true,
        role: true,
        created_at: true,
    };

    /// The set as bits, one per optional column: a short name for cache keys.
    pub fn bits(self) -> u8 {
        flag_bits([self.email, self.role, self.created_at])
    }

    /// Whether `column` of the record is selected.
    fn selects(self, column: users::Column) -> bool {
        match column {
            users::Column::Id | users::Column::Name => true,
            users::Column::Email => self.email,
            users::Column::Role => self.role,
            users::Column::CreatedAt => self.created_at,
            _ => false,
        }
    }

    /// Reads a record of these columns, in its field order.
    pub(super) fn read(self, columns: &mut Columns<'_>) -> Result<UserRecord, DbErr> {
        Ok(UserRecord {
            id: columns.read("id")?,
            email: columns.read_if(self.email, "email")?,
            name: columns.read("name")?,
            role: if self.role {
                columns.read_enum::<Role>("role")?
            } else {
                Role::Customer
            },
            created_at: columns.read_if(self.created_at, "created_at")?,
            just_authenticated: false,
        })
    }
}

/// Joins the rows of `statement` to the users that `user_id` names and
/// selects those users' [`UserRecord`] columns after the statement's own,
/// for [`WithUser`] to decode. The column is a foreign key, so the inner
/// join keeps every row. Only the record's `columns` are read (see
/// [`UserColumns`]); a viewer allowed to see an address that was not read
/// reads it through [`emails`].
///
/// On PostgreSQL each row looks its user up by primary key in a `LATERAL`
/// subquery, whose `LIMIT` keeps the planner from flattening it into a
/// plain join. Planned generically, with no idea how many rows a page of
/// each parent yields, the plain join hashed the page's rows and scanned
/// the whole `users` table for every review page: a cost that grew with
/// the number of users instead of the rows shown.
pub(super) fn join_users(
    statement: &mut SelectStatement,
    user_id: impl IntoColumnRef,
    columns: UserColumns,
    backend: DbBackend,
) {
    let key = Expr::col((users::Entity, users::Column::Id)).equals(user_id);
    if backend == DbBackend::Postgres {
        let mut user = Query::select();
        user.from(users::Entity).and_where(key).limit(1);
        for column in RECORD_COLUMNS.into_iter().filter(|c| columns.selects(*c)) {
            user.column((users::Entity, column));
        }
        statement.join_lateral(JoinType::InnerJoin, user, users::Entity, Condition::all());
    } else {
        statement.join(JoinType::InnerJoin, users::Entity, key);
    }
    for column in RECORD_COLUMNS {
        let value = if columns.selects(column) {
            Expr::col((users::Entity, column))
        } else if backend == DbBackend::Postgres {
            continue;
        } else if matches!(column, users::Column::Email) {
            Expr::cust("NULL").cast_as("text")
        } else {
            Expr::col((users::Entity, column))
        };
        statement.expr_as(value, format!("{JOINED_USER}{}", column.as_str()));
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

impl<M: Positional> WithUser<M> {
    /// Reads a row and the user `columns` joined to it.
    pub(super) fn read(columns: &mut Columns<'_>, user: UserColumns) -> Result<Self, DbErr> {
        Ok(Self {
            row: M::from_columns(columns)?,
            user: columns.aliased(JOINED_USER, |columns| user.read(columns))?,
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
    use crate::entities::reviews;

    #[test]
    fn user_records_never_select_the_password_hash() {
        let sql = users::Entity::find()
            .into_partial_model::<UserRecord>()
            .into_statement(DbBackend::Postgres)
            .to_string();
        assert!(sql.contains("\"email\""), "{sql}");
        assert!(!sql.contains("password_hash"), "{sql}");
    }

    fn joined_to_reviews(backend: DbBackend) -> String {
        let mut statement = Query::select()
            .column((reviews::Entity, reviews::Column::Id))
            .from(reviews::Entity)
            .to_owned();
        let author = (reviews::Entity, reviews::Column::UserId);
        join_users(&mut statement, author, UserColumns::ALL, backend);
        backend.build(&statement).sql
    }

    #[test]
    fn postgresql_looks_each_user_up_by_key() {
        let sql = joined_to_reviews(DbBackend::Postgres);
        let lateral = r#"INNER JOIN LATERAL (SELECT "users"."id", "users"."email", "users"."name", "users"."role", "users"."created_at" FROM "users" WHERE "users"."id" = "reviews"."user_id" LIMIT $1) AS "users" ON TRUE"#;
        assert!(sql.contains(lateral), "{sql}");
        assert!(
            sql.contains(r#""users"."name" AS "joined_user_name""#),
            "{sql}"
        );
    }

    #[test]
    fn other_backends_join_users_plainly() {
        let sql = joined_to_reviews(DbBackend::Sqlite);
        let join = r#"INNER JOIN "users" ON "users"."id" = "reviews"."user_id""#;
        assert!(sql.contains(join), "{sql}");
    }
}
