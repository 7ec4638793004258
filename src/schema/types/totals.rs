//! `totalCount` beside each connection, computed only when selected.

use async_graphql::{Context, Object};

use super::{Category, Product, Review};
use crate::{
    cache::{Table, Tag},
    error::AppResult,
    schema::{
        connection::RowConnection,
        context::{db, loaders, read_tags},
        loaders::ChildCount,
    },
    services::read::{
        self,
        children::{CategoryProducts, ProductReviews, UserReviews},
        products::ProductFilterSpec,
    },
};

/// A page of products.
pub type ProductConnection = RowConnection<Product, ProductTotal>;
/// A page of categories.
pub type CategoryConnection = RowConnection<Category, CategoryTotal>;
/// A page of reviews.
pub type ReviewConnection = RowConnection<Review, ReviewTotal>;

/// Which products a `ProductConnection` counts.
pub enum ProductTotal {
    /// Every product that passes the filter.
    All(ProductFilterSpec),
    /// The products of one category that pass the filter.
    InCategory(i64, ProductFilterSpec),
}

#[Object(serial)]
impl ProductTotal {
    /// Number of products in the whole list, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> AppResult<i64> {
        match self {
            Self::All(filter) => {
                read_tags(ctx, [Tag::List(Table::Product)])?;
                read::products::count(db(ctx)?, filter).await
            }
            Self::InCategory(category, filter) => {
                let key = ChildCount::<CategoryProducts> {
                    parent: *category,
                    filter: filter.clone(),
                };
                Ok(loaders(ctx)?.load_one(key).await?.unwrap_or(0))
            }
        }
    }
}

/// Counts every category.
pub struct CategoryTotal;

#[Object(serial)]
impl CategoryTotal {
    /// Number of categories in the whole list, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> AppResult<i64> {
        read_tags(ctx, [Tag::List(Table::Category)])?;
        read::categories::count(db(ctx)?).await
    }
}

/// Whose reviews a `ReviewConnection` counts.
pub enum ReviewTotal {
    /// A product's reviews.
    OfProduct(i64),
    /// A user's reviews.
    OfUser(i64),
}

#[Object(serial)]
impl ReviewTotal {
    /// Number of reviews in the whole list, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> AppResult<i64> {
        let loaders = loaders(ctx)?;
        let count = match self {
            Self::OfProduct(parent) => {
                loaders
                    .load_one(ChildCount::<ProductReviews> {
                        parent: *parent,
                        filter: (),
                    })
                    .await?
            }
            Self::OfUser(parent) => {
                loaders
                    .load_one(ChildCount::<UserReviews> {
                        parent: *parent,
                        filter: (),
                    })
                    .await?
            }
        };
        Ok(count.unwrap_or(0))
    }
}
