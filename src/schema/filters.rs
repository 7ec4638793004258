//! Product filters: the GraphQL input, checked into the read path's
//! filter spec shared by lists, nested lists and counts.

use async_graphql::{ID, InputObject};

use super::{
    connection::PageArgs,
    ids::{self, NodeKind},
    orderings::{ProductOrder, ordering_or_default},
    scalars::Decimal,
};
use crate::{
    error::{AppError, AppResult},
    services::read::{keyset::Keyset, orderings::ProductOrdering, products::ProductFilterSpec},
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

/// The checked filter and paging of a product list, top-level or nested:
/// both take the same arguments and must mean the same thing.
pub fn product_listing(
    filter: Option<ProductFilter>,
    order_by: Option<ProductOrder>,
    page: PageArgs,
) -> AppResult<(ProductFilterSpec, Keyset<ProductOrdering>)> {
    let filter = filter.unwrap_or_default().validate()?;
    let keyset = Keyset::new(ordering_or_default(order_by), page)?;
    Ok((filter, keyset))
}
