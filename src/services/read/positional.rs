//! Rows decoded by position on PostgreSQL.
//!
//! SeaORM decodes every column by name: sqlx hashes the name to find the
//! column and checks the column's type against the Rust type, for every
//! column of every row. On the catalog page that was about a fifth of the
//! server's instructions. The read path selects an entity's columns in the
//! order of its model's fields, so on PostgreSQL the models it reads decode
//! by position instead. Each column's name is still compared with the
//! expected one, so a statement that selects columns in another order fails
//! loudly instead of misreading; the decoder checks each value's bytes.
//! Other backends decode by name, as SeaORM does.

use sea_orm::{
    ActiveEnum, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryResult, QuerySelect,
    Select, Statement,
    sqlx::{Column as _, Decode, Postgres, Row as _, postgres::PgRow},
};

use super::users::UserRecord;
use crate::{
    domain::{OrderStatus, Role},
    entities::{categories, order_items, orders, products, reviews},
};

/// A model the read path decodes by position on PostgreSQL.
pub trait Positional: FromQueryResult {
    /// Reads the model from its columns, in field order.
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr>;
}

/// The columns of one PostgreSQL row, read in order.
pub struct Columns<'r> {
    row: &'r PgRow,
    next: usize,
}

impl<'r> Columns<'r> {
    /// The next column's value, which must be the column called `name`.
    pub fn read<T: Decode<'r, Postgres>>(&mut self, name: &str) -> Result<T, DbErr> {
        let index = self.next;
        self.next += 1;
        let found = self.row.columns().get(index).map(|column| column.name());
        if found != Some(name) {
            return Err(DbErr::Type(format!(
                "column {index} of the row is {found:?}, where `{name}` was expected"
            )));
        }
        self.row
            .try_get_unchecked(index)
            .map_err(|err| DbErr::Type(format!("column `{name}`: {err}")))
    }

    /// The next column's value as the enum stored in it.
    pub fn read_enum<E: ActiveEnum<Value = String>>(&mut self, name: &str) -> Result<E, DbErr> {
        E::try_from_value(&self.read::<String>(name)?)
    }
}

/// Every row of `select` as `M`, by position where the backend allows it.
pub async fn all<E: EntityTrait, M: Positional>(
    db: &impl ConnectionTrait,
    select: Select<E>,
) -> Result<Vec<M>, DbErr> {
    let rows = select.into_model::<ByPosition<M>>().all(db).await?;
    Ok(rows.into_iter().map(|ByPosition(row)| row).collect())
}

/// Every row of a hand-built `statement` as `M`, by position where the
/// backend allows it.
pub async fn all_of_statement<M: Positional>(
    db: &impl ConnectionTrait,
    statement: Statement,
) -> Result<Vec<M>, DbErr> {
    let rows = ByPosition::<M>::find_by_statement(statement)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|ByPosition(row)| row).collect())
}

/// `select` reduced to the columns of the partial model `M`, in its field
/// order (what SeaORM's `into_partial_model` selects).
pub fn partial<E: EntityTrait, M: Positional + sea_orm::PartialModelTrait>(
    select: Select<E>,
) -> Select<E> {
    M::select_cols(select.select_only())
}

/// A row read through [`Positional`] where the backend allows it.
struct ByPosition<M>(M);

impl<M: Positional> FromQueryResult for ByPosition<M> {
    fn from_query_result(result: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        match result.try_as_pg_row() {
            Some(row) if prefix.is_empty() => {
                M::from_columns(&mut Columns { row, next: 0 }).map(ByPosition)
            }
            _ => M::from_query_result(result, prefix).map(ByPosition),
        }
    }
}

impl Positional for products::Model {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            id: columns.read("id")?,
            category_id: columns.read("category_id")?,
            sku: columns.read("sku")?,
            name: columns.read("name")?,
            slug: columns.read("slug")?,
            description: columns.read("description")?,
            price_cents: columns.read("price_cents")?,
            stock: columns.read("stock")?,
            rating_average_milli: columns.read("rating_average_milli")?,
            created_at: columns.read("created_at")?,
            updated_at: columns.read("updated_at")?,
        })
    }
}

impl Positional for categories::Model {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            id: columns.read("id")?,
            name: columns.read("name")?,
            slug: columns.read("slug")?,
            parent_id: columns.read("parent_id")?,
            created_at: columns.read("created_at")?,
            updated_at: columns.read("updated_at")?,
        })
    }
}

impl Positional for reviews::Model {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            id: columns.read("id")?,
            product_id: columns.read("product_id")?,
            user_id: columns.read("user_id")?,
            rating: columns.read("rating")?,
            body: columns.read("body")?,
            created_at: columns.read("created_at")?,
            updated_at: columns.read("updated_at")?,
        })
    }
}

impl Positional for orders::Model {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            id: columns.read("id")?,
            number: columns.read("number")?,
            user_id: columns.read("user_id")?,
            status: columns.read_enum::<OrderStatus>("status")?,
            total_cents: columns.read("total_cents")?,
            item_count: columns.read("item_count")?,
            created_at: columns.read("created_at")?,
            updated_at: columns.read("updated_at")?,
        })
    }
}

impl Positional for order_items::Model {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            id: columns.read("id")?,
            order_id: columns.read("order_id")?,
            product_id: columns.read("product_id")?,
            quantity: columns.read("quantity")?,
            unit_price_cents: columns.read("unit_price_cents")?,
        })
    }
}

impl Positional for UserRecord {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            id: columns.read("id")?,
            email: columns.read("email")?,
            name: columns.read("name")?,
            role: columns.read_enum::<Role>("role")?,
            created_at: columns.read("created_at")?,
            just_authenticated: false,
        })
    }
}
