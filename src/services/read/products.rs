//! Reading products: by key, filtered pages and counts, and rating totals.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryResult, QuerySelect, QueryTrait, Value,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};

use super::{
    keyset::{Keyset, Page},
    one_of,
    orderings::ProductOrdering,
    positional, rows_where_in, total,
};
use crate::{
    domain::{PriceRange, SearchText},
    entities::{categories, products, reviews},
    error::AppResult,
};

/// A checked product filter; every given field must match. Hashable, so
/// that a loader can serve every parent that shares it with one statement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProductFilterSpec {
    /// Only products of this category.
    pub category_id: Option<i64>,
    /// Text the name or SKU must contain, case-insensitively.
    pub search: Option<SearchText>,
    /// The price window, both ends inclusive.
    pub prices: PriceRange,
    /// `true`: stock above zero; `false`: sold out.
    pub in_stock: Option<bool>,
}

/// `%` and `_` in user text match themselves, not any character.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl ProductFilterSpec {
    /// The SQL condition; empty (always true) when nothing is filtered.
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(id) = self.category_id {
            condition = condition.add(products::Column::CategoryId.eq(id));
        }
        if let Some(text) = &self.search {
            let pattern = like_pattern(text.as_str());
            let matches = |column: products::Column| {
                Expr::expr(Func::lower(Expr::col((products::Entity, column))))
                    .like(LikeExpr::new(pattern.clone()).escape('\\'))
            };
            condition = condition.add(
                Condition::any()
                    .add(matches(products::Column::Name))
                    .add(matches(products::Column::Sku)),
            );
        }
        if let Some(min) = self.prices.min_cents() {
            condition = condition.add(products::Column::PriceCents.gte(min));
        }
        if let Some(max) = self.prices.max_cents() {
            condition = condition.add(products::Column::PriceCents.lte(max));
        }
        match self.in_stock {
            Some(true) => condition = condition.add(products::Column::Stock.gt(0)),
            Some(false) => condition = condition.add(products::Column::Stock.eq(0)),
            None => {}
        }
        condition
    }
}

/// The products with these ids (those that exist).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<products::Model>> {
    rows_where_in::<products::Entity, _>(db, products::Column::Id, ids).await
}

/// The products with these slugs (those that exist).
pub async fn by_slugs(
    db: &impl ConnectionTrait,
    slugs: impl IntoIterator<Item = String>,
) -> AppResult<Vec<products::Model>> {
    rows_where_in::<products::Entity, _>(db, products::Column::Slug, slugs).await
}

/// A product with its category, read in one statement: a lookup of one
/// product that shows its category would otherwise wait for the product's
/// row before it could ask for the category's.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct InCategory {
    /// The product.
    pub product: products::Model,
    /// Its category.
    pub category: categories::Model,
}

/// SeaORM's column alias of the first entity of a joined select.
pub(super) const PRODUCT_ALIAS: &str = "A_";
/// SeaORM's column alias of the second entity of a joined select.
pub(super) const CATEGORY_ALIAS: &str = "B_";

impl FromQueryResult for InCategory {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Self {
            product: products::Model::from_query_result(row, &format!("{prefix}{PRODUCT_ALIAS}"))?,
            category: categories::Model::from_query_result(
                row,
                &format!("{prefix}{CATEGORY_ALIAS}"),
            )?,
        })
    }
}

/// The products with these ids (those that exist), with their categories.
pub async fn in_categories_by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<InCategory>> {
    in_categories_where_in(db, products::Column::Id, ids).await
}

/// The products with these slugs (those that exist), with their categories.
pub async fn in_categories_by_slugs(
    db: &impl ConnectionTrait,
    slugs: impl IntoIterator<Item = String>,
) -> AppResult<Vec<InCategory>> {
    in_categories_where_in(db, products::Column::Slug, slugs).await
}

async fn in_categories_where_in<V>(
    db: &impl ConnectionTrait,
    column: products::Column,
    values: impl IntoIterator<Item = V>,
) -> AppResult<Vec<InCategory>>
where
    V: Into<Value>,
    Vec<V>: Into<Value>,
{
    let backend = db.get_database_backend();
    let select = products::Entity::find()
        .filter(one_of(backend, column, values))
        .find_both_related(categories::Entity);
    Ok(positional::all_of_statement(db, select.build(backend)).await?)
}

/// One page of the products that pass `filter`.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &ProductFilterSpec,
    keyset: &Keyset<ProductOrdering>,
) -> AppResult<Page<products::Model>> {
    let select = products::Entity::find().filter(filter.condition());
    keyset.fetch(db, select).await
}

/// A page of products with the categories of its rows, each once.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ListedProducts {
    /// The page.
    pub page: Page<products::Model>,
    /// The categories of its rows; empty when they were not asked for.
    pub categories: Vec<categories::Model>,
}

/// One page of the products that pass `filter`, each joined to its
/// category in the same statement: a list that shows its items' categories
/// would otherwise wait for the page before it could ask for them.
pub async fn page_in_categories(
    db: &impl ConnectionTrait,
    filter: &ProductFilterSpec,
    keyset: &Keyset<ProductOrdering>,
) -> AppResult<ListedProducts> {
    let select = keyset
        .page_query(products::Entity::find().filter(filter.condition()))
        .find_both_related(categories::Entity);
    let rows: Vec<InCategory> =
        positional::all_of_statement(db, select.build(db.get_database_backend())).await?;
    let mut categories: Vec<categories::Model> = Vec::new();
    let mut products = Vec::with_capacity(rows.len());
    for InCategory { product, category } in rows {
        // A page has a few dozen rows and fewer categories: a scan.
        if !categories.iter().any(|known| known.id == category.id) {
            categories.push(category);
        }
        products.push(product);
    }
    Ok(ListedProducts {
        page: keyset.page(products),
        categories,
    })
}

/// How many products pass `filter`.
pub async fn count(db: &impl ConnectionTrait, filter: &ProductFilterSpec) -> AppResult<i64> {
    let count = products::Entity::find()
        .filter(filter.condition())
        .count(db)
        .await?;
    Ok(total(count))
}

/// Count and sum of a product's ratings; integers, so exact on every database.
#[derive(Clone, Copy, Debug, Default, FromQueryResult, serde::Serialize, serde::Deserialize)]
pub struct RatingTotals {
    /// The product rated.
    pub product_id: i64,
    /// Number of reviews.
    pub count: i64,
    /// Sum of their ratings.
    pub sum: i64,
}

/// The rating totals of the products with these ids that have reviews:
/// one grouped aggregate.
pub async fn rating_totals(
    db: &impl ConnectionTrait,
    product_ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<RatingTotals>> {
    Ok(reviews::Entity::find()
        .select_only()
        .column(reviews::Column::ProductId)
        .column_as(reviews::Column::Id.count(), "count")
        .column_as(reviews::Column::Rating.sum(), "sum")
        .filter(one_of(
            db.get_database_backend(),
            reviews::Column::ProductId,
            product_ids,
        ))
        .group_by(reviews::Column::ProductId)
        .into_model::<RatingTotals>()
        .all(db)
        .await?)
}
