//! The inputs of the admin catalog mutations, and the rules that turn each
//! into a checked service command; every failure names its field.

use async_graphql::{ID, InputObject, MaybeUndefined};

use crate::{
    error::AppResult,
    schema::{
        ids::{self, NodeKind},
        scalars::Decimal,
        validate,
    },
    services::catalog::{
        CATEGORY_NAME_MAX, CATEGORY_SLUG_MAX, CategoryChanges, DESCRIPTION_MAX, NewCategory,
        NewProduct, PRICE_MAX_CENTS, PRODUCT_NAME_MAX, PRODUCT_SLUG_MAX, ProductChanges, SKU_MAX,
        STOCK_MAX,
    },
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
    /// Checks every field.
    pub fn validate(self) -> AppResult<NewCategory> {
        let name = validate::text("input.name", &self.name, 1, CATEGORY_NAME_MAX)?;
        let slug = validate::slug_or_derived(
            "input.slug",
            self.slug.as_deref(),
            &name,
            CATEGORY_SLUG_MAX,
        )?;
        let parent_id = self
            .parent_id
            .map(|id| ids::decode_as(&id, NodeKind::Category, "input.parentId"))
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
    /// Checks every given field.
    pub fn validate(self) -> AppResult<CategoryChanges> {
        let parent_id = match self.parent_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(ids::decode_as(
                &id,
                NodeKind::Category,
                "input.parentId",
            )?)),
        };
        Ok(CategoryChanges {
            name: self
                .name
                .map(|name| validate::text("input.name", &name, 1, CATEGORY_NAME_MAX))
                .transpose()?,
            slug: self
                .slug
                .map(|slug| validate::slug("input.slug", &slug, CATEGORY_SLUG_MAX))
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
    /// Checks every field.
    pub fn validate(self) -> AppResult<NewProduct> {
        let name = validate::text("input.name", &self.name, 1, PRODUCT_NAME_MAX)?;
        Ok(NewProduct {
            category_id: ids::decode_as(&self.category_id, NodeKind::Category, "input.categoryId")?,
            sku: validate::sku("input.sku", &self.sku, SKU_MAX)?,
            slug: validate::slug_or_derived(
                "input.slug",
                self.slug.as_deref(),
                &name,
                PRODUCT_SLUG_MAX,
            )?,
            name,
            description: validate::optional_text(
                "input.description",
                self.description.as_deref(),
                DESCRIPTION_MAX,
            )?
            .unwrap_or_default(),
            price_cents: validate::amount("input.price", self.price, PRICE_MAX_CENTS)?,
            stock: validate::in_range("input.stock", self.stock.unwrap_or(0), 0, STOCK_MAX)?,
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
    /// Checks every given field.
    pub fn validate(self) -> AppResult<ProductChanges> {
        Ok(ProductChanges {
            category_id: self
                .category_id
                .map(|id| ids::decode_as(&id, NodeKind::Category, "input.categoryId"))
                .transpose()?,
            sku: self
                .sku
                .map(|sku| validate::sku("input.sku", &sku, SKU_MAX))
                .transpose()?,
            name: self
                .name
                .map(|name| validate::text("input.name", &name, 1, PRODUCT_NAME_MAX))
                .transpose()?,
            slug: self
                .slug
                .map(|slug| validate::slug("input.slug", &slug, PRODUCT_SLUG_MAX))
                .transpose()?,
            description: self
                .description
                .map(|text| validate::text("input.description", &text, 0, DESCRIPTION_MAX))
                .transpose()?,
            price_cents: self
                .price
                .map(|price| validate::amount("input.price", price, PRICE_MAX_CENTS))
                .transpose()?,
        })
    }
}
