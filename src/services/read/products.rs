//! Reading products: by key, filtered pages and counts, and rating totals.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    IdenStatic, Iterable, JoinType, PaginatorTrait, QueryFilter, QueryResult, QuerySelect,
    QueryTrait, RelationTrait, Select, Value,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};

use super::{
    categories::CategoryColumns,
    flag_bits,
    keyset::{Keyset, Page},
    one_of,
    orderings::{ProductOrdering, ProductSortKey},
    positional::{self, Columns},
    rows_where_in, total,
};
use crate::{
    domain::{PriceRange, SearchText},
    entities::{categories, products, reviews},
    error::AppResult,
};

/// The columns of a product row that a read selects beyond its keys, name,
/// slug and creation time, which every read selects: a list that shows its
/// items by name leaves a description and a SKU per row unread on
/// PostgreSQL. Rows read without a column hold its type's default there,
/// so only the selection that chose the columns may see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ProductColumns {
    /// `sku`.
    pub sku: bool,
    /// `description`.
    pub description: bool,
    /// `price_cents`.
    pub price: bool,
    /// `stock`.
    pub stock: bool,
    /// `rating_average_milli`.
    pub rating: bool,
    /// `updated_at`.
    pub updated_at: bool,
}

impl ProductColumns {
    /// No optional column.
    pub const NONE: Self = Self {
        sku: false,
        description: false,
        price: false,
        stock: false,
        rating: false,
        updated_at: false,
    };

    /// Every column.
    pub const ALL: Self = Self {
        sku: true,
        description: true,
        price: true,
        stock: true,
        rating: true,
        updated_at: true,
    };

    /// The set as bits, one per optional column: a short name for cache keys.
    pub fn bits(self) -> u8 {
        flag_bits([
            self.sku,
            self.description,
            self.price,
            self.stock,
            self.rating,
            self.updated_at,
        ])
    }

    /// The columns of either set.
    pub fn union(self, other: Self) -> Self {
        Self {
            sku: self.sku || other.sku,
            description: self.description || other.description,
            price: self.price || other.price,
            stock: self.stock || other.stock,
            rating: self.rating || other.rating,
            updated_at: self.updated_at || other.updated_at,
        }
    }

    /// These columns and the sort key of `ordering`, which each row's
    /// cursor carries.
    fn with_sort_key(self, ordering: &ProductOrdering) -> Self {
        Self {
            price: self.price || ordering.key == ProductSortKey::Price,
            rating: self.rating || ordering.key == ProductSortKey::Rating,
            ..self
        }
    }

    /// Whether `column` is selected.
    pub fn selects(self, column: products::Column) -> bool {
        use products::Column as C;
        match column {
            C::Id | C::CategoryId | C::Name | C::Slug | C::CreatedAt => true,
            C::Sku => self.sku,
            C::Description => self.description,
            C::PriceCents => self.price,
            C::Stock => self.stock,
            C::RatingAverageMilli => self.rating,
            C::UpdatedAt => self.updated_at,
        }
    }

    /// Reads a row of these columns, in the model's field order.
    pub(super) fn read(self, columns: &mut Columns<'_>) -> Result<products::Model, DbErr> {
        use products::Column as C;
        Ok(products::Model {
            id: columns.read("id")?,
            category_id: columns.read("category_id")?,
            sku: columns.read_if(self.selects(C::Sku), "sku")?,
            name: columns.read("name")?,
            slug: columns.read("slug")?,
            description: columns.read_if(self.selects(C::Description), "description")?,
            price_cents: columns.read_if(self.selects(C::PriceCents), "price_cents")?,
            stock: columns.read_if(self.selects(C::Stock), "stock")?,
            rating_average_milli: columns
                .read_if(self.selects(C::RatingAverageMilli), "rating_average_milli")?,
            created_at: columns.read("created_at")?,
            updated_at: columns.read_if(self.selects(C::UpdatedAt), "updated_at")?,
        })
    }
}

/// What a read of products (a page of the listing, the products of order
/// lines) reads of them: some of their columns and, when its selection
/// shows their categories, some of theirs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListedColumns {
    /// The products' columns.
    pub products: ProductColumns,
    /// The categories' columns; `None`: the categories are not read.
    pub categories: Option<CategoryColumns>,
}

impl ListedColumns {
    /// What either reads.
    pub fn union(self, other: Self) -> Self {
        Self {
            products: self.products.union(other.products),
            categories: match (self.categories, other.categories) {
                (Some(one), Some(other)) => Some(one.union(other)),
                (one, other) => one.or(other),
            },
        }
    }
}

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

/// A page of products with the categories of its rows, each once.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ListedProducts {
    /// The page.
    pub page: Page<products::Model>,
    /// The categories of its rows; empty when they were not asked for.
    pub categories: Vec<categories::Model>,
}

/// One page of the products that pass `filter`, with the `columns` its
/// selection shows. Categories asked for are joined in the same statement:
/// a list that shows its items' categories would otherwise wait for the
/// page before it could ask for them. Only PostgreSQL's rows, which are
/// read by position, leave columns out.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &ProductFilterSpec,
    keyset: &Keyset<ProductOrdering>,
    columns: ListedColumns,
) -> AppResult<ListedProducts> {
    let backend = db.get_database_backend();
    let select = keyset.page_query(products::Entity::find().filter(filter.condition()));
    let products = columns.products.with_sort_key(keyset.order());
    let Some(category_columns) = columns.categories else {
        let statement = if backend == DbBackend::Postgres {
            selected(select, products, "").build(backend)
        } else {
            select.build(backend)
        };
        let rows = positional::all_read_by(db, statement, |row| products.read(row)).await?;
        return Ok(ListedProducts {
            page: keyset.page(rows),
            categories: Vec::new(),
        });
    };
    let rows: Vec<InCategory> = if backend == DbBackend::Postgres {
        let mut select = selected(select, products, PRODUCT_ALIAS)
            .join(JoinType::InnerJoin, products::Relation::Category.def());
        for column in category_columns.columns() {
            select = select.column_as(
                Expr::col((categories::Entity, column)),
                format!("{CATEGORY_ALIAS}{}", column.as_str()),
            );
        }
        positional::all_read_by(db, select.build(backend), |row| {
            Ok(InCategory {
                product: row.aliased(PRODUCT_ALIAS, |row| products.read(row))?,
                category: row.aliased(CATEGORY_ALIAS, |row| category_columns.read(row))?,
            })
        })
        .await?
    } else {
        let select = select.find_both_related(categories::Entity);
        positional::all_of_statement(db, select.build(backend)).await?
    };
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

/// `select` reduced to the product `columns`, aliased with `prefix`, in
/// the model's field order.
fn selected(
    select: Select<products::Entity>,
    columns: ProductColumns,
    prefix: &str,
) -> Select<products::Entity> {
    let mut select = select.select_only();
    for column in products::Column::iter().filter(|column| columns.selects(*column)) {
        select = select.column_as(
            Expr::col((products::Entity, column)),
            format!("{prefix}{}", column.as_str()),
        );
    }
    select
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
