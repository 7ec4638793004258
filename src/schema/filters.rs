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
    domain::{PriceRange, SearchText},
    entities::products,
    error::AppResult,
};

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
    search: Option<SearchText>,
    prices: PriceRange,
    in_stock: Option<bool>,
}

impl ProductFilter {
    /// Validates the filter; errors name the offending field under `filter`.
    pub fn validate(self) -> AppResult<ProductFilterSpec> {
        self.parse().map_err(|err| err.within("filter"))
    }

    fn parse(self) -> AppResult<ProductFilterSpec> {
        let category_id = self
            .category_id
            .map(|id| ids::decode_as(&id, NodeKind::Category, "categoryId"))
            .transpose()?;
        let search = self
            .search
            .map(|text| SearchText::parse(&text))
            .transpose()?
            .flatten();
        let prices = PriceRange::new(
            self.min_price.map(|price| price.0),
            self.max_price.map(|price| price.0),
        )?;
        Ok(ProductFilterSpec {
            category_id,
            search,
            prices,
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
