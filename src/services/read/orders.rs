//! Reading orders and their lines: by key, filtered pages and counts.
//!
//! Visibility is part of the filter, so a customer's list can only ever
//! hold their own orders, whatever else the filter names.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    IdenStatic, Iterable, PaginatorTrait, QueryFilter, QueryOrder, QueryResult, QueryTrait,
    Statement,
    sea_query::{Expr, ExprTrait, JoinType, SelectStatement},
};

use super::{
    keyset::{Keyset, Page},
    one_of,
    orderings::OrderOrdering,
    positional::{self, Columns, Positional},
    products::ListedColumns,
    rows_where_in, total,
    users::{UserColumns, UserRecord, WithUser, join_users},
};
use crate::{
    domain::OrderStatus,
    entities::{categories, order_items, orders, products},
    error::AppResult,
};

/// A checked order filter, restricted to what the caller may see.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrderFilterSpec {
    /// Only orders in this status.
    pub status: Option<OrderStatus>,
    /// Only orders of this customer.
    pub customer_id: Option<i64>,
    /// Only orders placed at or after this time.
    pub created_after: Option<DateTime<Utc>>,
    /// Only orders placed before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// The caller's own id when they may see only their own orders; `None`
    /// for admins.
    pub visible_to: Option<i64>,
}

impl OrderFilterSpec {
    /// The SQL condition, visibility included.
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(owner) = self.visible_to {
            condition = condition.add(orders::Column::UserId.eq(owner));
        }
        if let Some(customer) = self.customer_id {
            condition = condition.add(orders::Column::UserId.eq(customer));
        }
        if let Some(status) = self.status {
            condition = condition.add(orders::Column::Status.eq(status));
        }
        if let Some(after) = self.created_after {
            condition = condition.add(orders::Column::CreatedAt.gte(after));
        }
        if let Some(before) = self.created_before {
            condition = condition.add(orders::Column::CreatedAt.lt(before));
        }
        condition
    }
}

/// The orders with these ids (those that exist; visibility is the caller's
/// to check).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<orders::Model>> {
    rows_where_in::<orders::Entity, _>(db, orders::Column::Id, ids).await
}

/// One page of the orders that pass `filter`.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &OrderFilterSpec,
    keyset: &Keyset<OrderOrdering>,
) -> AppResult<Page<orders::Model>> {
    let select = orders::Entity::find().filter(filter.condition());
    keyset.fetch(db, select).await
}

/// One page of the orders that pass `filter`, each joined to its customer
/// in the same statement, and those customers, each once: a list that
/// shows its orders' customers would otherwise wait for the page before it
/// could ask for them. Only the customers' `columns` are read.
pub async fn page_with_customers(
    db: &impl ConnectionTrait,
    filter: &OrderFilterSpec,
    keyset: &Keyset<OrderOrdering>,
    columns: UserColumns,
) -> AppResult<(Page<orders::Model>, Vec<UserRecord>)> {
    let backend = db.get_database_backend();
    let statement = page_with_customers_statement(backend, filter, keyset, columns);
    let rows: Vec<WithUser<orders::Model>> =
        positional::all_read_by(db, statement, |row| WithUser::read(row, columns)).await?;
    let mut customers: Vec<UserRecord> = Vec::new();
    let mut page = Vec::with_capacity(rows.len());
    for WithUser { row, user } in rows {
        // A page has a few dozen rows: a scan finds a customer seen before.
        if !customers.iter().any(|known| known.id == user.id) {
            customers.push(user);
        }
        page.push(row);
    }
    Ok((keyset.page(page), customers))
}

fn page_with_customers_statement(
    backend: DbBackend,
    filter: &OrderFilterSpec,
    keyset: &Keyset<OrderOrdering>,
    columns: UserColumns,
) -> Statement {
    let select = keyset.page_query(orders::Entity::find().filter(filter.condition()));
    let mut statement = select.into_query();
    let customer = (orders::Entity, orders::Column::UserId);
    join_users(&mut statement, customer, columns, backend);
    backend.build(&statement)
}

/// How many orders pass `filter`.
pub async fn count(db: &impl ConnectionTrait, filter: &OrderFilterSpec) -> AppResult<i64> {
    let count = orders::Entity::find()
        .filter(filter.condition())
        .count(db)
        .await?;
    Ok(total(count))
}

/// The lines of these orders, in the order they were recorded.
pub async fn items_of(
    db: &impl ConnectionTrait,
    order_ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<order_items::Model>> {
    let select = order_items::Entity::find()
        .filter(one_of(
            db.get_database_backend(),
            order_items::Column::OrderId,
            order_ids,
        ))
        .order_by_asc(order_items::Column::Id);
    Ok(positional::all(db, select).await?)
}

/// The order lines with these ids (those that exist).
pub async fn items_by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<order_items::Model>> {
    rows_where_in::<order_items::Entity, _>(db, order_items::Column::Id, ids).await
}

/// An order line read with its product and, when asked for, that
/// product's category.
pub struct LineWithProduct {
    /// The line.
    pub item: order_items::Model,
    /// The product it names.
    pub product: products::Model,
    /// The product's category; `None` unless asked for.
    pub category: Option<categories::Model>,
}

/// What the product columns of a joined line are prefixed with.
const LINE_PRODUCT: &str = "line_product_";
/// What the category columns of a joined line are prefixed with.
const LINE_CATEGORY: &str = "line_category_";

/// A line joined to its product.
struct LineRow {
    item: order_items::Model,
    product: products::Model,
}

impl FromQueryResult for LineRow {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Self {
            item: order_items::Model::from_query_result(row, prefix)?,
            product: products::Model::from_query_result(row, &format!("{prefix}{LINE_PRODUCT}"))?,
        })
    }
}

/// A line joined to its product and the product's category.
struct LineRowInCategory {
    line: LineRow,
    category: categories::Model,
}

impl FromQueryResult for LineRowInCategory {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Self {
            line: LineRow::from_query_result(row, prefix)?,
            category: categories::Model::from_query_result(
                row,
                &format!("{prefix}{LINE_CATEGORY}"),
            )?,
        })
    }
}

/// Joins `statement` to `E`'s rows, on `E`'s id equal to `reference`, and
/// selects the columns of theirs that `selects` keeps after the statement's
/// own, prefixed.
fn join_columns<E: EntityTrait>(
    statement: &mut SelectStatement,
    reference: Expr,
    id: E::Column,
    prefix: &str,
    selects: impl Fn(E::Column) -> bool,
) {
    statement.join(
        JoinType::InnerJoin,
        E::default(),
        Expr::col((E::default(), id)).eq(reference),
    );
    for column in E::Column::iter().filter(|column| selects(*column)) {
        let alias = format!("{prefix}{}", column.as_str());
        statement.expr_as(Expr::col((E::default(), column)), alias);
    }
}

/// The lines of these orders, in the order they were recorded, each with
/// the `columns` of its product and, when they name some, of that
/// product's category: one statement, where reading them by key took one
/// per level, each waiting for the last. The joins follow foreign keys, so
/// they keep every line. Only PostgreSQL's rows, read by position, leave
/// columns out.
pub async fn lines_with_products(
    db: &impl ConnectionTrait,
    order_ids: impl IntoIterator<Item = i64>,
    columns: ListedColumns,
) -> AppResult<Vec<LineWithProduct>> {
    let statement = lines_statement(db.get_database_backend(), order_ids, columns);
    let products = columns.products;
    let line = |row: &mut Columns<'_>| -> Result<LineRow, DbErr> {
        Ok(LineRow {
            item: order_items::Model::from_columns(row)?,
            product: row.aliased(LINE_PRODUCT, |row| products.read(row))?,
        })
    };
    Ok(if let Some(categories) = columns.categories {
        let rows: Vec<LineRowInCategory> = positional::all_read_by(db, statement, |row| {
            Ok(LineRowInCategory {
                line: line(row)?,
                category: row.aliased(LINE_CATEGORY, |row| categories.read(row))?,
            })
        })
        .await?;
        rows.into_iter()
            .map(|LineRowInCategory { line, category }| LineWithProduct {
                item: line.item,
                product: line.product,
                category: Some(category),
            })
            .collect()
    } else {
        let rows: Vec<LineRow> = positional::all_read_by(db, statement, line).await?;
        rows.into_iter()
            .map(|LineRow { item, product }| LineWithProduct {
                item,
                product,
                category: None,
            })
            .collect()
    })
}

fn lines_statement(
    backend: DbBackend,
    order_ids: impl IntoIterator<Item = i64>,
    columns: ListedColumns,
) -> Statement {
    // Other backends decode by name, so they read every column.
    let pruned = backend == DbBackend::Postgres;
    let mut statement = order_items::Entity::find()
        .filter(one_of(backend, order_items::Column::OrderId, order_ids))
        .order_by_asc(order_items::Column::Id)
        .into_query();
    join_columns::<products::Entity>(
        &mut statement,
        Expr::col((order_items::Entity, order_items::Column::ProductId)),
        products::Column::Id,
        LINE_PRODUCT,
        |column| !pruned || columns.products.selects(column),
    );
    if let Some(categories) = columns.categories {
        join_columns::<categories::Entity>(
            &mut statement,
            Expr::col((products::Entity, products::Column::CategoryId)),
            categories::Column::Id,
            LINE_CATEGORY,
            |column| !pruned || categories.selects(column),
        );
    }
    backend.build(&statement)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::read::{
        categories::CategoryColumns, output_names, products::ProductColumns,
    };

    #[test]
    fn joined_reads_name_each_column_once() {
        let keyset = Keyset::new(OrderOrdering::default(), Default::default()).expect("a page");
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            for columns in [UserColumns::NONE, UserColumns::ALL] {
                let filter = OrderFilterSpec::default();
                let page = page_with_customers_statement(backend, &filter, &keyset, columns);
                assert!(output_names(&page.sql).contains("joined_user_name"));
            }
            let lean = ListedColumns {
                products: ProductColumns::NONE,
                categories: None,
            };
            let full = ListedColumns {
                products: ProductColumns::ALL,
                categories: Some(CategoryColumns::ALL),
            };
            for columns in [lean, full] {
                let lines = lines_statement(backend, [1, 2], columns);
                assert!(output_names(&lines.sql).contains("line_product_id"));
            }
        }
    }
}
