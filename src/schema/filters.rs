//! Product filters: the GraphQL input, and its validated, hashable form that
//! turns into one SQL condition shared by lists, nested lists and counts.

use async_graphql::{ID, InputObject};
use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};

use super::{
    connection::{Keyset, PageArgs},
    ids::{self, NodeKind},
    orderings::ProductOrder,
    scalars::Decimal,
};
use crate::{
    entities::products,
    error::{AppError, AppResult},
};

/// Longest accepted search text.
const MAX_SEARCH_CHARS: usize = 100;

/// Narrows a product list; every given field must match.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ProductFilter {
    /// Only products of this category.
    pub category_id: Option<ID>,
    /// Case-insensitive substring of the name or SKU.
    pub search: Option<String>,
    /// Lowest price, inclusive.
    pub min_price: Option<Decimal>,
    /// Highest price, inclusive.
    pub max_price: Option<Decimal>,
    /// `true`: stock above zero; `false`: sold out.
    pub in_stock: Option<bool>,
}

/// A checked `ProductFilter`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProductFilterSpec {
    category_id: Option<i64>,
    search: Option<String>,
    min_price_cents: Option<i64>,
    max_price_cents: Option<i64>,
    in_stock: Option<bool>,
}

impl ProductFilter {
    /// Validates the filter; errors name the offending field.
    pub fn validate(self) -> AppResult<ProductFilterSpec> {
        let category_id = self
            .category_id
            .map(|id| ids::decode_as(&id, NodeKind::Category, "filter.categoryId"))
            .transpose()?;
        let search = self
            .search
            .map(|text| text.trim().to_lowercase())
            .filter(|text| !text.is_empty());
        if search
            .as_ref()
            .is_some_and(|text| text.chars().count() > MAX_SEARCH_CHARS)
        {
            return Err(AppError::bad_input(
                "filter.search",
                format!("search text is longer than {MAX_SEARCH_CHARS} characters"),
            ));
        }
        for (field, price) in [
            ("filter.minPrice", self.min_price),
            ("filter.maxPrice", self.max_price),
        ] {
            if price.is_some_and(|price| price.0 < 0) {
                return Err(AppError::bad_input(field, "price must not be negative"));
            }
        }
        if let (Some(min), Some(max)) = (self.min_price, self.max_price)
            && min > max
        {
            return Err(AppError::bad_input(
                "filter.maxPrice",
                "maxPrice must not be below minPrice",
            ));
        }
        Ok(ProductFilterSpec {
            category_id,
            search,
            min_price_cents: self.min_price.map(|price| price.0),
            max_price_cents: self.max_price.map(|price| price.0),
            in_stock: self.in_stock,
        })
    }
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
            let pattern = like_pattern(text);
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
        if let Some(min) = self.min_price_cents {
            condition = condition.add(products::Column::PriceCents.gte(min));
        }
        if let Some(max) = self.max_price_cents {
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

/// The checked filter and paging of a product list, top-level or nested:
/// both take the same arguments and must mean the same thing.
pub fn product_listing(
    filter: Option<ProductFilter>,
    order_by: Option<ProductOrder>,
    page: PageArgs,
) -> AppResult<(ProductFilterSpec, Keyset<ProductOrder>)> {
    let filter = filter.unwrap_or_default().validate()?;
    let keyset = Keyset::new(order_by.unwrap_or_default(), page)?;
    Ok((filter, keyset))
}
