//! Rows decoded by position on PostgreSQL.
//!
//! SeaORM decodes every column by name: sqlx hashes the name to find the
//! column and checks the column's type against the Rust type, for every
//! column of every row. On the catalog page that was about a fifth of the
//! server's instructions. The read path selects an entity's columns in the
//! order of its model's fields, so on PostgreSQL the models it reads decode
//! by position instead. The first row's column names are compared with the
//! expected ones (every row of a statement has the same columns), so a
//! statement that selects columns in another order fails loudly instead of
//! misreading; the decoder checks each value's bytes. Other backends decode
//! by name, as SeaORM does.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QuerySelect, QueryTrait,
    Select, Statement,
    sqlx::{
        Column as _, Decode, Postgres, Row as _, ValueRef as _,
        error::BoxDynError,
        postgres::{PgRow, PgValueFormat, PgValueRef},
    },
};

use super::{
    categories::CategoryColumns,
    products::{CATEGORY_ALIAS, InCategory, PRODUCT_ALIAS, ProductColumns},
    users::{UserColumns, UserRecord},
};
use crate::{
    domain::OrderStatus,
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
    /// Whether each column's name is compared with the expected one: on the
    /// first row of a statement, whose columns every other row shares.
    check_names: bool,
    /// What the expected column names are prefixed with: the alias of the
    /// entity being read in a statement that selects two (`A_`, `B_`).
    prefix: &'static str,
}

impl<'r> Columns<'r> {
    /// The next column's value, which must be the column called `name`.
    pub fn read<T: FromColumn<'r>>(&mut self, name: &str) -> Result<T, DbErr> {
        let index = self.next;
        self.next += 1;
        if self.check_names {
            let found = self.row.columns().get(index).map(|column| column.name());
            let unprefixed = found.and_then(|found| found.strip_prefix(self.prefix));
            if unprefixed != Some(name) {
                return Err(DbErr::Type(format!(
                    "column {index} of the row is {found:?}, where `{}{name}` was expected",
                    self.prefix
                )));
            }
        }
        self.row
            .try_get_raw(index)
            .map_err(BoxDynError::from)
            .and_then(T::from_column)
            .map_err(|err| DbErr::Type(format!("column `{name}`: {err}")))
    }

    /// The next column's value when the statement `selects` it, which then
    /// must be the column called `name`; the type's default otherwise, for
    /// a row read without the columns its reader will not show.
    pub fn read_if<T: FromColumn<'r> + Default>(
        &mut self,
        selects: bool,
        name: &str,
    ) -> Result<T, DbErr> {
        if selects {
            self.read(name)
        } else {
            Ok(T::default())
        }
    }

    /// Reads `M` from the next columns, which carry SeaORM's alias `prefix`
    /// (`A_`, `B_`) in a statement that selects two entities.
    pub fn read_aliased<M: Positional>(&mut self, prefix: &'static str) -> Result<M, DbErr> {
        self.aliased(prefix, M::from_columns)
    }

    /// Runs `read` on the next columns, which carry the alias `prefix`.
    pub fn aliased<M>(
        &mut self,
        prefix: &'static str,
        read: impl FnOnce(&mut Self) -> Result<M, DbErr>,
    ) -> Result<M, DbErr> {
        let outer = std::mem::replace(&mut self.prefix, prefix);
        let model = read(self);
        self.prefix = outer;
        model
    }

    /// The next column's value as the enum stored in it.
    pub fn read_enum<E: ActiveEnum<Value = String>>(&mut self, name: &str) -> Result<E, DbErr> {
        E::try_from_value(&self.read::<String>(name)?)
    }
}

/// A type the read path decodes from a PostgreSQL column. Most decode as
/// sqlx decodes them; the two that fill most columns of a page take a
/// shorter way from the binary wire format.
pub trait FromColumn<'r>: Sized {
    /// The value of one column of a row.
    fn from_column(value: PgValueRef<'r>) -> Result<Self, BoxDynError>;
}

macro_rules! decoded_by_sqlx {
    ($($ty:ty),*) => {$(
        impl<'r> FromColumn<'r> for $ty {
            fn from_column(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                <$ty as Decode<'r, Postgres>>::decode(value)
            }
        }
    )*};
}

decoded_by_sqlx!(String, Option<String>, i16, i32);

/// A `bigint`: its eight big-endian bytes, without sqlx's general integer
/// decoder, which accepts any width.
impl FromColumn<'_> for i64 {
    fn from_column(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        match value.format() {
            PgValueFormat::Binary => binary_i64(&value),
            PgValueFormat::Text => <i64 as Decode<Postgres>>::decode(value),
        }
    }
}

impl FromColumn<'_> for Option<i64> {
    fn from_column(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        if value.is_null() {
            Ok(None)
        } else {
            i64::from_column(value).map(Some)
        }
    }
}

/// A `timestamptz`: on the wire, the microseconds since 2000-01-01 UTC.
/// sqlx adds them to that date as a `chrono::Duration`, calendar arithmetic
/// that cost about 400 instructions a value; the catalog page reads 700.
impl FromColumn<'_> for DateTime<Utc> {
    fn from_column(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        match value.format() {
            PgValueFormat::Binary => {
                let micros = binary_i64(&value)?;
                from_postgres_micros(micros)
                    .ok_or_else(|| format!("{micros} µs after 2000-01-01 is out of range").into())
            }
            PgValueFormat::Text => <DateTime<Utc> as Decode<Postgres>>::decode(value),
        }
    }
}

/// The eight big-endian bytes of a binary `bigint` or `timestamptz`.
fn binary_i64(value: &PgValueRef<'_>) -> Result<i64, BoxDynError> {
    Ok(i64::from_be_bytes(value.as_bytes()?.try_into()?))
}

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01 UTC.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// The instant `micros` after PostgreSQL's epoch; `None` past chrono's range
/// (PostgreSQL's `infinity` among others).
fn from_postgres_micros(micros: i64) -> Option<DateTime<Utc>> {
    micros
        .checked_add(POSTGRES_EPOCH_MICROS)
        .and_then(DateTime::from_timestamp_micros)
}

/// Every row of `select` as `M`, by position where the backend allows it.
pub async fn all<E: EntityTrait, M: Positional>(
    db: &impl ConnectionTrait,
    select: Select<E>,
) -> Result<Vec<M>, DbErr> {
    all_of_statement(db, select.build(db.get_database_backend())).await
}

/// Every row of a hand-built `statement` as `M`, by position where the
/// backend allows it.
pub async fn all_of_statement<M: Positional>(
    db: &impl ConnectionTrait,
    statement: Statement,
) -> Result<Vec<M>, DbErr> {
    all_read_by(db, statement, M::from_columns).await
}

/// Every row of `statement` as `M`: read by `read` on PostgreSQL, by name
/// (SeaORM's way) elsewhere.
pub async fn all_read_by<M: FromQueryResult>(
    db: &impl ConnectionTrait,
    statement: Statement,
    read: impl Fn(&mut Columns<'_>) -> Result<M, DbErr>,
) -> Result<Vec<M>, DbErr> {
    let results = db.query_all_raw(statement).await?;
    // Filled by pushes: collecting `Result`s would grow the vector from
    // empty, copying the rows read so far at every doubling.
    let mut models = Vec::with_capacity(results.len());
    for (index, result) in results.iter().enumerate() {
        models.push(match result.try_as_pg_row() {
            Some(row) => read(&mut Columns {
                row,
                next: 0,
                check_names: index == 0,
                prefix: "",
            })?,
            None => M::from_query_result(result, "")?,
        });
    }
    Ok(models)
}

/// `select` reduced to the columns of the partial model `M`, in its field
/// order (what SeaORM's `into_partial_model` selects).
pub fn partial<E: EntityTrait, M: Positional + sea_orm::PartialModelTrait>(
    select: Select<E>,
) -> Select<E> {
    M::select_cols(select.select_only())
}

impl Positional for products::Model {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        ProductColumns::ALL.read(columns)
    }
}

impl Positional for categories::Model {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        CategoryColumns::ALL.read(columns)
    }
}

impl Positional for InCategory {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            product: columns.read_aliased(PRODUCT_ALIAS)?,
            category: columns.read_aliased(CATEGORY_ALIAS)?,
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
        UserColumns::ALL.read(columns)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate, TimeZone};

    use super::*;

    /// What sqlx computes: the epoch date plus a `Duration`.
    fn as_sqlx_does(micros: i64) -> Option<DateTime<Utc>> {
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1)?.and_hms_opt(0, 0, 0)?;
        epoch
            .checked_add_signed(Duration::microseconds(micros))
            .map(|naive| Utc.from_utc_datetime(&naive))
    }

    #[test]
    fn timestamps_decode_to_the_instants_sqlx_decodes() {
        let day = 86_400_000_000_i64;
        let mut micros = vec![0, 1, -1, day - 1, day, -day, i64::MAX, i64::MIN];
        // Every 37 days and a few microseconds from 1900 to 2200: leap
        // years, century years and both sides of the epoch.
        micros.extend(
            (-36_600..73_200)
                .step_by(37)
                .map(|days| days * day + days * 7_919),
        );
        for micros in micros {
            assert_eq!(
                from_postgres_micros(micros),
                as_sqlx_does(micros),
                "{micros} µs"
            );
        }
        assert_eq!(
            from_postgres_micros(0).map(|at| at.to_rfc3339()),
            Some("2000-01-01T00:00:00+00:00".to_owned())
        );
    }
}
