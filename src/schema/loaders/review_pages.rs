//! A product's page of reviews together with the authors of its rows, for
//! selections that read `author` (`reviews { nodes { author { name } } }`).
//!
//! The pages of a level and then their authors load in one batch, a
//! statement each, as through [`ChildPage`] and [`UserId`]. Each product
//! gets its authors with its page, instead of asking the loaders again for
//! them (a registration, a key set and a copy of every row per product).

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, dataloader::Loader};

use super::{ChildPage, DbLoader, UserId};
use crate::{
    entities::reviews,
    error::AppError,
    schema::{
        connection::as_selected,
        context::{loaders, required},
    },
    services::read::{
        children::ProductReviews,
        keyset::{Keyset, Page},
        orderings::ReviewsNewestFirst,
        users::UserRecord,
    },
};

/// Key: one product's page of reviews, with its authors.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReviewPageWithAuthors(ChildPage<ProductReviews>);

/// A page of reviews and the authors of its rows.
#[derive(Clone)]
pub struct ReviewsAndAuthors {
    /// The page.
    pub page: Arc<Page<reviews::Model>>,
    /// Its rows' authors, each once. A page has a few rows, so a row finds
    /// its author by a scan, where a map cost an allocation and two
    /// hashes per row.
    pub authors: Vec<UserRecord>,
}

impl Loader<ReviewPageWithAuthors> for DbLoader {
    /// Shared: the loader hands every requester a copy of its value.
    type Value = Arc<ReviewsAndAuthors>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ReviewPageWithAuthors],
    ) -> Result<HashMap<ReviewPageWithAuthors, Self::Value>, AppError> {
        let page_keys: Vec<ChildPage<ProductReviews>> =
            keys.iter().map(|key| key.0.clone()).collect();
        let pages = Loader::<ChildPage<ProductReviews>>::load(self, &page_keys).await?;
        let authors: Vec<UserId> = pages
            .values()
            .flat_map(|page| page.rows().map(|row| UserId(row.user_id)))
            .collect();
        let users = self.rows_of(authors).await?;
        Ok(pages
            .into_iter()
            .map(|(key, page)| {
                let mut authors: Vec<UserRecord> = Vec::new();
                for row in page.rows() {
                    if authors.iter().any(|author| author.id == row.user_id) {
                        continue;
                    }
                    if let Some(user) = users.get(&UserId(row.user_id)) {
                        authors.push(user.clone());
                    }
                }
                let value = ReviewsAndAuthors { page, authors };
                (ReviewPageWithAuthors(key), Arc::new(value))
            })
            .collect())
    }
}

/// The same page of reviews for each product of a list, loaded at once by
/// the list (see `prefetch`), keyed by product.
pub enum ReviewPages {
    /// Pages alone: the selection does not reach their authors.
    Plain(HashMap<i64, Arc<Page<reviews::Model>>>),
    /// Pages with their authors.
    WithAuthors(HashMap<i64, Arc<ReviewsAndAuthors>>),
}

/// `keyset`'s page of reviews of each of `products`, in one loader call
/// (two statements with the authors).
pub async fn review_pages(
    ctx: &Context<'_>,
    products: impl Iterator<Item = i64>,
    keyset: &Keyset<ReviewsNewestFirst>,
    with_authors: bool,
) -> Result<ReviewPages, AppError> {
    let loaders = loaders(ctx)?;
    let keys = products.map(|parent| ChildPage {
        parent,
        filter: (),
        keyset: keyset.clone(),
    });
    Ok(if with_authors {
        let loaded = loaders.load_many(keys.map(ReviewPageWithAuthors)).await?;
        let by_product = loaded.into_iter().map(|(key, page)| (key.0.parent, page));
        ReviewPages::WithAuthors(by_product.collect())
    } else {
        let loaded = loaders.load_many(keys).await?;
        let by_product = loaded.into_iter().map(|(key, page)| (key.parent, page));
        ReviewPages::Plain(by_product.collect())
    })
}

/// One page of `parent`'s reviews with their authors, batched with its
/// siblings.
pub async fn reviews_with_authors(
    ctx: &Context<'_>,
    parent: i64,
    keyset: Keyset<ReviewsNewestFirst>,
) -> Result<ReviewsAndAuthors, AppError> {
    let key = ReviewPageWithAuthors(ChildPage {
        parent,
        filter: (),
        keyset: as_selected(ctx, keyset),
    });
    let loaded = required(loaders(ctx)?.load_one(key).await?, "review page")?;
    Ok(Arc::unwrap_or_clone(loaded))
}
