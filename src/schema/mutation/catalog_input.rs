//! The inputs of the admin catalog mutations, and how each turns into a
//! service command of domain types. Errors name fields relative to the input
//! object (`sku`); the resolver places them under its argument.

use async_graphql::{ID, InputObject, MaybeUndefined};

use crate::{
    domain::{
        CategoryName, CategorySlug, Description, Price, ProductName, ProductSlug, Sku, Stock,
    },
    error::AppResult,
    schema::{
        ids::{self, NodeKind},
        scalars::Decimal,
    },
    services::catalog::{CategoryChanges, NewCategory, NewProduct, ProductChanges},
};

/// A new category.
#[derive(InputObject)]
pub struct CreateCategoryInput {
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// Unique URL slug, lower-case letters and digits separated by single
    /// dashes; derived from the name when left out.
    pub slug: Option<String>,
    /// The top-level category to nest under (the catalog is two levels deep);
    /// the new category is top-level when left out.
    pub parent_id: Option<ID>,
}

impl CreateCategoryInput {
    /// Parses every field.
    pub fn parse(self) -> AppResult<NewCategory> {
        let name = CategoryName::parse(&self.name)?;
        let slug = CategorySlug::given_or_derived(self.slug.as_deref(), name.as_str())?;
        let parent_id = self
            .parent_id
            .map(|id| ids::decode_as(&id, NodeKind::Category, "parentId"))
            .transpose()?;
        Ok(NewCategory {
            name,
            slug,
            parent_id,
        })
    }
}

/// Changes to a category; fields left out stay as they are (the slug too
/// when the name changes, so that links keep working).
#[derive(InputObject)]
pub struct UpdateCategoryInput {
    /// New display name, 1 to 100 characters.
    pub name: Option<String>,
    /// New unique URL slug.
    pub slug: Option<String>,
    /// New top-level parent; `null` makes the category top-level.
    pub parent_id: MaybeUndefined<ID>,
}

impl UpdateCategoryInput {
    /// Parses every given field.
    pub fn parse(self) -> AppResult<CategoryChanges> {
        let parent_id = match self.parent_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => {
                Some(Some(ids::decode_as(&id, NodeKind::Category, "parentId")?))
            }
        };
        Ok(CategoryChanges {
            name: self
                .name
                .map(|name| CategoryName::parse(&name))
                .transpose()?,
            slug: self
                .slug
                .map(|slug| CategorySlug::parse(&slug))
                .transpose()?,
            parent_id,
        })
    }
}

/// A new product.
#[derive(InputObject)]
pub struct CreateProductInput {
    /// Its category.
    pub category_id: ID,
    /// Unique stock-keeping unit: upper-case letters and digits separated by
    /// single dashes, at most 64 characters.
    pub sku: String,
    /// Display name, 1 to 200 characters.
    pub name: String,
    /// Unique URL slug; derived from the name when left out.
    pub slug: Option<String>,
    /// Long description, at most 10,000 characters.
    pub description: Option<String>,
    /// Unit price, from 0 to 1000000.00.
    pub price: Decimal,
    /// Units on hand, from 0 to 1,000,000; 0 when left out.
    pub stock: Option<i32>,
}

impl CreateProductInput {
    /// Parses every field.
    pub fn parse(self) -> AppResult<NewProduct> {
        let name = ProductName::parse(&self.name)?;
        Ok(NewProduct {
            category_id: ids::decode_as(&self.category_id, NodeKind::Category, "categoryId")?,
            sku: Sku::parse(&self.sku)?,
            slug: ProductSlug::given_or_derived(self.slug.as_deref(), name.as_str())?,
            name,
            description: self
                .description
                .map(|text| Description::parse(&text))
                .transpose()?
                .unwrap_or_default(),
            price: Price::from_cents(self.price.0)?,
            stock: self.stock.map(Stock::new).transpose()?.unwrap_or_default(),
        })
    }
}

/// Changes to a product's details; fields left out stay as they are (the
/// slug too when the name changes). Stock changes through `adjustStock`.
#[derive(InputObject)]
pub struct UpdateProductInput {
    /// New category.
    pub category_id: Option<ID>,
    /// New unique SKU.
    pub sku: Option<String>,
    /// New display name.
    pub name: Option<String>,
    /// New unique URL slug.
    pub slug: Option<String>,
    /// New description; an empty string clears it.
    pub description: Option<String>,
    /// New unit price.
    pub price: Option<Decimal>,
}

impl UpdateProductInput {
    /// Parses every given field.
    pub fn parse(self) -> AppResult<ProductChanges> {
        Ok(ProductChanges {
            category_id: self
                .category_id
                .map(|id| ids::decode_as(&id, NodeKind::Category, "categoryId"))
                .transpose()?,
            sku: self.sku.map(|sku| Sku::parse(&sku)).transpose()?,
            name: self
                .name
                .map(|name| ProductName::parse(&name))
                .transpose()?,
            slug: self
                .slug
                .map(|slug| ProductSlug::parse(&slug))
                .transpose()?,
            description: self
                .description
                .map(|text| Description::parse(&text))
                .transpose()?,
            price: self
                .price
                .map(|price| Price::from_cents(price.0))
                .transpose()?,
        })
    }
}
