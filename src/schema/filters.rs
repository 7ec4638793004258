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
    domain::{PriceRange, SearchText},
    error::AppResult,
    services::read::{keyset::Keyset, orderings::ProductOrdering, products::ProductFilterSpec},
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
