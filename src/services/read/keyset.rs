//! Keyset paging, written once for every list, top-level and nested alike.
//!
//! A cursor carries the sort key and the id of its row, plus the name of the
//! ordering that produced it. Paging compares against that pair instead of
//! counting rows, so pages stay stable under inserts and cost the same at any
//! depth. Nested connections use the same keyset for a whole level of
//! parents in one statement: a `LATERAL` page per parent on PostgreSQL, a
//! `ROW_NUMBER() OVER (PARTITION BY parent …)` window elsewhere.

use std::hash::Hash;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PartialModelTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
    sea_query::{
        Alias, Asterisk, Condition, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement,
        SimpleExpr, WindowStatement,
    },
};
use serde::{Deserialize, Serialize};

use super::{
    IdMap,
    positional::{self, Positional},
};
use crate::{
    domain::PageSize,
    error::{AppError, AppResult},
};

const ROW_NUMBER: &str = "row_number";
const WINDOW: &str = "windowed";
/// The parent ids a lateral page query joins: `unnest` of one array
/// parameter, whose single column takes the alias's name.
const PARENTS: &str = "parents";

/// The sort-key value of one row, as stored in a cursor.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortValue {
    /// An integer column (prices, ratings).
    #[serde(rename = "i")]
    Int(i64),
    /// A text column (names).
    #[serde(rename = "s")]
    Text(String),
    /// A timestamp column.
    #[serde(rename = "t")]
    Time(DateTime<Utc>),
}

impl From<SortValue> for sea_orm::Value {
    fn from(value: SortValue) -> Self {
        match value {
            SortValue::Int(v) => v.into(),
            SortValue::Text(v) => v.into(),
            SortValue::Time(v) => v.into(),
        }
    }
}

/// An opaque position in one ordering of one list.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "o")]
    ordering: String,
    #[serde(rename = "k")]
    key: SortValue,
    id: i64,
}

impl Cursor {
    /// Reads a cursor a client sent back; any text not made by [`Cursor::encode`]
    /// is refused.
    pub fn decode(text: &str) -> Result<Self, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| "malformed cursor".to_owned())?;
        serde_json::from_slice(&bytes).map_err(|_| "malformed cursor".to_owned())
    }

    /// The opaque text handed to clients.
    pub fn encode(&self) -> String {
        // Serializing a struct of strings and integers cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }
}

/// One way of ordering a list: a sort column with the row id as tie-breaker.
pub trait KeysetOrder: Clone + Eq + Hash + std::fmt::Debug + Send + Sync + 'static {
    /// The row type being ordered.
    type Model: Clone + Send + Sync + 'static;

    /// Name written into cursors, so a cursor only fits the ordering that made it.
    fn tag(&self) -> &'static str;
    /// The sort column.
    fn sort_column(&self) -> SimpleExpr;
    /// The unique tie-breaking column.
    fn id_column(&self) -> SimpleExpr;
    /// Whether the sort runs from high to low.
    fn descending(&self) -> bool;
    /// The sort value of a row.
    fn sort_value(&self, row: &Self::Model) -> SortValue;
    /// Whether a cursor's key has the sort column's type.
    fn accepts(&self, key: &SortValue) -> bool;
    /// The row's id.
    fn row_id(row: &Self::Model) -> i64;
}

/// Relay paging arguments as the client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    /// Rows after `after`.
    pub first: Option<i32>,
    /// Cursor to continue forward from.
    pub after: Option<String>,
    /// Rows before `before`.
    pub last: Option<i32>,
    /// Cursor to continue backward from.
    pub before: Option<String>,
}

impl PageArgs {
    /// The four Relay arguments, in their usual order.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }
}

/// Validated paging over one ordering; hashable so that a loader can batch
/// every parent that asks for the same page shape into one statement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Keyset<O> {
    order: O,
    backward: bool,
    limit: u64,
    cursor: Option<Cursor>,
    /// Whether the row past the page is fetched, to learn whether more
    /// rows exist.
    peek: bool,
}

/// The statement of one page per parent, and the alias its child rows
/// take in it, by which a join refers to their columns.
pub struct PerParent {
    /// Selects every column of the child rows, in page order per parent.
    pub statement: SelectStatement,
    /// The child rows' alias.
    pub children: Alias,
}

/// One page of rows, each with its cursor.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Page<M> {
    rows: Vec<(Cursor, M)>,
    has_previous: bool,
    has_next: bool,
}

impl<O: KeysetOrder> Keyset<O> {
    /// Checks the arguments: sizes within 0..=100, one direction, cursors
    /// that decode and belong to `order`.
    pub fn new(order: O, args: PageArgs) -> AppResult<Self> {
        let forward_args = args.first.is_some() || args.after.is_some();
        let backward_args = args.last.is_some() || args.before.is_some();
        if forward_args && backward_args {
            return Err(AppError::bad_input(
                "last",
                "page with either `first`/`after` or `last`/`before`, not both",
            ));
        }
        let (backward, size, cursor, cursor_field) = if backward_args {
            (true, args.last.map(PageSize::last), args.before, "before")
        } else {
            (false, args.first.map(PageSize::first), args.after, "after")
        };
        let limit = size.transpose()?.unwrap_or_default().get();
        let cursor = cursor
            .map(|text| {
                let cursor = Cursor::decode(&text)
                    .map_err(|reason| AppError::bad_input(cursor_field, reason))?;
                if cursor.ordering != order.tag() || !order.accepts(&cursor.key) {
                    return Err(AppError::bad_input(
                        cursor_field,
                        "this cursor belongs to a different ordering",
                    ));
                }
                Ok(cursor)
            })
            .transpose()?;
        Ok(Self {
            order,
            backward,
            limit,
            cursor,
            peek: true,
        })
    }

    /// The same page, fetching the row past its end only when `peek`: a
    /// caller that never asks whether more rows exist (no `pageInfo`)
    /// reads a quarter fewer rows of a three-row page.
    pub fn peeking(self, peek: bool) -> Self {
        Self { peek, ..self }
    }

    fn effective_descending(&self) -> bool {
        self.order.descending() != self.backward
    }

    /// Rows to fetch: one more than the page when peeking, to learn whether
    /// more exist.
    pub fn fetch_limit(&self) -> u64 {
        self.limit + u64::from(self.peek)
    }

    /// Rows strictly beyond the cursor in the direction of travel.
    pub fn condition(&self) -> Option<Condition> {
        let cursor = self.cursor.as_ref()?;
        let column = self.order.sort_column();
        let id = self.order.id_column();
        let key = sea_orm::Value::from(cursor.key.clone());
        let (beyond_key, beyond_id) = if self.effective_descending() {
            (column.clone().lt(key.clone()), id.lt(cursor.id))
        } else {
            (column.clone().gt(key.clone()), id.gt(cursor.id))
        };
        Some(
            Condition::any()
                .add(beyond_key)
                .add(Condition::all().add(column.eq(key)).add(beyond_id)),
        )
    }

    /// The ordering the page follows.
    pub fn order(&self) -> &O {
        &self.order
    }

    /// `ORDER BY` terms in the direction of travel.
    pub fn order_by(&self) -> [(SimpleExpr, Order); 2] {
        let direction = if self.effective_descending() {
            Order::Desc
        } else {
            Order::Asc
        };
        [
            (self.order.sort_column(), direction.clone()),
            (self.order.id_column(), direction),
        ]
    }

    /// Turns up to `fetch_limit` rows, fetched in the direction of travel,
    /// into a page in display order.
    pub fn page(&self, mut rows: Vec<O::Model>) -> Page<O::Model> {
        let has_more = rows.len() as u64 > self.limit;
        rows.truncate(usize::try_from(self.limit).unwrap_or(usize::MAX));
        if self.backward {
            rows.reverse();
        }
        let rows = rows
            .into_iter()
            .map(|row| {
                let cursor = Cursor {
                    ordering: self.order.tag().to_owned(),
                    key: self.order.sort_value(&row),
                    id: O::row_id(&row),
                };
                (cursor, row)
            })
            .collect();
        let has_cursor = self.cursor.is_some();
        let (has_previous, has_next) = if self.backward {
            (has_more, has_cursor)
        } else {
            (has_cursor, has_more)
        };
        Page {
            rows,
            has_previous,
            has_next,
        }
    }

    /// `select` restricted to the rows beyond the cursor.
    fn beyond_cursor<E: EntityTrait>(&self, select: Select<E>) -> Select<E> {
        match self.condition() {
            Some(condition) => select.filter(condition),
            None => select,
        }
    }

    /// `select` beyond the cursor, ordered, limited to `fetch_limit` rows:
    /// the statement of one page, which a caller may still join to the
    /// rows each of its rows refers to.
    pub fn page_query<E: EntityTrait>(&self, select: Select<E>) -> Select<E> {
        let mut select = self.beyond_cursor(select);
        for (expr, order) in self.order_by() {
            select = select.order_by(expr, order);
        }
        select.limit(self.fetch_limit())
    }

    /// One page of a top-level list: a single statement.
    pub async fn fetch<E, C>(&self, db: &C, select: Select<E>) -> AppResult<Page<O::Model>>
    where
        E: EntityTrait<Model = O::Model>,
        O::Model: Positional,
        C: ConnectionTrait,
    {
        let rows = positional::all(db, self.page_query(select)).await?;
        Ok(self.page(rows))
    }

    /// One page of a top-level list read as a partial model, so that
    /// columns the list must never load (a password hash) stay unread.
    pub async fn fetch_partial<E, C>(&self, db: &C, select: Select<E>) -> AppResult<Page<O::Model>>
    where
        E: EntityTrait,
        O::Model: PartialModelTrait + Positional,
        C: ConnectionTrait,
    {
        let select = positional::partial::<_, O::Model>(self.page_query(select));
        let rows = positional::all(db, select).await?;
        Ok(self.page(rows))
    }

    /// The same page for many parents at once, in one statement. `select`
    /// holds the children that pass the list's filter; `partition` is their
    /// parent column. Parents without rows are absent from the result.
    pub async fn fetch_per_parent<E, C>(
        &self,
        db: &C,
        select: Select<E>,
        partition: E::Column,
        parents: &[i64],
        parent_of: fn(&O::Model) -> i64,
    ) -> AppResult<IdMap<Page<O::Model>>>
    where
        E: EntityTrait<Model = O::Model>,
        O::Model: Positional,
        C: ConnectionTrait,
    {
        if parents.is_empty() {
            return Ok(IdMap::default());
        }
        let backend = db.get_database_backend();
        let pages = self.per_parent(backend, select, partition, parents);
        let rows: Vec<O::Model> =
            positional::all_of_statement(db, backend.build(&pages.statement)).await?;
        Ok(self.pages_by_parent(rows, |row| (parent_of(&row), row)))
    }

    /// The statement of [`Self::fetch_per_parent`], which a caller may
    /// still join to the rows each child refers to.
    pub fn per_parent<E: EntityTrait>(
        &self,
        backend: DbBackend,
        select: Select<E>,
        partition: E::Column,
        parents: &[i64],
    ) -> PerParent {
        if backend == DbBackend::Postgres {
            PerParent {
                statement: self.lateral_pages(select, partition, parents),
                children: Alias::new(E::default().table_name()),
            }
        } else {
            PerParent {
                statement: self.windowed_pages(select, partition, parents),
                children: Alias::new(WINDOW),
            }
        }
    }

    /// Groups rows read by a per-parent statement (in page order within
    /// each parent) into each parent's page; `split` names a row's parent
    /// and the model it pages.
    pub fn pages_by_parent<T>(
        &self,
        rows: Vec<T>,
        mut split: impl FnMut(T) -> (i64, O::Model),
    ) -> IdMap<Page<O::Model>> {
        // Sized for a row per parent, the most parents the rows can name.
        let mut grouped: IdMap<Vec<O::Model>> =
            IdMap::with_capacity_and_hasher(rows.len(), Default::default());
        for row in rows {
            let (parent, model) = split(row);
            grouped.entry(parent).or_default().push(model);
        }
        grouped
            .into_iter()
            .map(|(parent, rows)| (parent, self.page(rows)))
            .collect()
    }

    /// PostgreSQL: each parent's page read on its own by a `LATERAL`
    /// subquery, which walks the (parent, sort key, id) index and stops
    /// after `fetch_limit` rows instead of ranking every child. The
    /// subquery is aliased as the table itself, so the ordering terms apply
    /// outside it unchanged; rows come out in page order within each parent.
    fn lateral_pages<E: EntityTrait>(
        &self,
        select: Select<E>,
        partition: E::Column,
        parents: &[i64],
    ) -> SelectStatement {
        let parent = Expr::col((Alias::new(PARENTS), Alias::new(PARENTS)));
        let page = self
            .page_query(select.filter(Expr::col((E::default(), partition)).eq(parent)))
            .into_query();
        // One array parameter whatever the number of parents, so the
        // statement is prepared once per connection (see `one_of`). Typed in
        // the statement itself: a client that sends it untyped (pgbench,
        // psql) would otherwise leave `unnest` ambiguous.
        let ids = Expr::val(parents.to_vec()).cast_as(Alias::new("bigint[]"));
        let mut outer = Query::select();
        outer
            .column((E::default(), Asterisk))
            .from_function(Func::cust("unnest").arg(ids), Alias::new(PARENTS))
            .join_lateral(JoinType::InnerJoin, page, E::default(), Condition::all());
        for (expr, order) in self.order_by() {
            outer.order_by_expr(expr, order);
        }
        outer
    }

    /// Other backends: one `ROW_NUMBER()` window over the children of all
    /// `parents`, cut at `fetch_limit` per parent.
    fn windowed_pages<E: EntityTrait>(
        &self,
        select: Select<E>,
        partition: E::Column,
        parents: &[i64],
    ) -> SelectStatement {
        let select = select.filter(partition.is_in(parents.iter().copied()));
        let mut inner = self.beyond_cursor(select).into_query();
        let mut window = WindowStatement::partition_by((E::default(), partition));
        for (expr, order) in self.order_by() {
            window.order_by_expr(expr, order);
        }
        inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new(ROW_NUMBER));
        let window = Alias::new(WINDOW);
        Query::select()
            .column((window.clone(), Asterisk))
            .from_subquery(inner, window.clone())
            .and_where(Expr::col((window.clone(), Alias::new(ROW_NUMBER))).lte(self.fetch_limit()))
            .order_by((window.clone(), partition), Order::Asc)
            .order_by((window, Alias::new(ROW_NUMBER)), Order::Asc)
            .to_owned()
    }

    /// The page of a parent that has no rows.
    pub fn empty_page(&self) -> Page<O::Model> {
        self.page(Vec::new())
    }
}

impl<M> Page<M> {
    /// The page's rows, in order.
    pub fn rows(&self) -> impl Iterator<Item = &M> {
        self.rows.iter().map(|(_, row)| row)
    }

    /// The rows in display order, each with its cursor.
    pub fn into_rows(self) -> Vec<(Cursor, M)> {
        self.rows
    }

    /// Whether rows exist before the first one of this page (never, for a
    /// backward page that did not peek).
    pub fn has_previous(&self) -> bool {
        self.has_previous
    }

    /// Whether rows exist after the last one of this page (never, for a
    /// forward page that did not peek).
    pub fn has_next(&self) -> bool {
        self.has_next
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::PostgresQueryBuilder;

    use super::*;
    use crate::{entities::reviews, services::read::orderings::ReviewsNewestFirst};

    fn lateral_sql(parents: &[i64]) -> String {
        let keyset = Keyset::new(ReviewsNewestFirst, PageArgs::new(Some(3), None, None, None))
            .expect("a valid page");
        let statement =
            keyset.lateral_pages(reviews::Entity::find(), reviews::Column::ProductId, parents);
        DbBackend::Postgres.build(&statement).sql
    }

    #[test]
    fn a_page_that_does_not_peek_fetches_only_its_own_rows() {
        let keyset = Keyset::new(ReviewsNewestFirst, PageArgs::new(Some(3), None, None, None))
            .expect("three reviews");
        assert_eq!(keyset.fetch_limit(), 4);
        let keyset = keyset.peeking(false);
        assert_eq!(keyset.fetch_limit(), 3);
        let sql = keyset
            .lateral_pages(reviews::Entity::find(), reviews::Column::ProductId, &[1, 2])
            .to_string(PostgresQueryBuilder);
        assert!(sql.contains("LIMIT 3)"), "{sql}");
    }

    #[test]
    fn lateral_pages_are_one_statement_whatever_the_number_of_parents() {
        let two = lateral_sql(&[1, 2]);
        assert_eq!(two, lateral_sql(&[1, 2, 3, 4, 5]));
        assert!(two.contains("unnest(CAST($1 AS bigint[]))"), "{two}");
    }
}
