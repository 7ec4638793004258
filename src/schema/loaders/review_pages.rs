//! A product's page of reviews together with the authors of its rows, for
//! selections that read `author` (`reviews { nodes { author { name } } }`).
//!
//! The pages of a level and their authors load in one batch and one
//! statement (the reviews joined to their users), through the entity cache
//! as one entry per page. Each product gets its authors with its page,
//! instead of asking the loaders again for them.

use std::{
    collections::HashMap,
    hash::{Hash, Hasher},
    sync::Arc,
};

use async_graphql::{Context, dataloader::Loader};

use super::{
    ChildPage, DbLoader, Tagged,
    pages::{by_shape, shape_id},
    tagged::list_tags,
};
use crate::{
    cache::{Entry, Table},
    entities::reviews,
    error::AppError,
    schema::{
        connection::as_selected,
        context::{loaders, required},
    },
    services::read::{
        self, IdMap,
        children::ProductReviews,
        keyset::{Keyset, Page},
        orderings::ReviewsNewestFirst,
        reviews::ReviewsAndAuthors,
        users::UserColumns,
    },
};

/// Key: one product's page of reviews, with the columns its selection
/// shows of its authors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewPageWithAuthors {
    page: ChildPage<ProductReviews>,
    authors: UserColumns,
}

/// Hashes the page alone (its parent): the keys of a level share their
/// authors' columns.
impl Hash for ReviewPageWithAuthors {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.page.hash(state);
    }
}

impl Loader<ReviewPageWithAuthors> for DbLoader {
    /// Shared: the loader hands every requester a copy of its value.
    type Value = Arc<ReviewsAndAuthors>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ReviewPageWithAuthors],
    ) -> Result<HashMap<ReviewPageWithAuthors, Self::Value>, AppError> {
        let mut loaded = HashMap::with_capacity(keys.len());
        for ((keyset, authors), keys) in by_shape(keys, |key| (&key.page.keyset, key.authors)) {
            let shape = shape_id(&(), keyset);
            let columns = authors.bits();
            let entry = Entry {
                entity: "ProductReviewsWithAuthors",
                key: |key: &ReviewPageWithAuthors| {
                    format!(
                        "ProductReviewsWithAuthors:{}:{shape}:{columns}",
                        key.page.parent
                    )
                },
                // A review write touches the list or a row; an author's,
                // their row.
                tags: |found: &ReviewsAndAuthors| {
                    list_tags(found.page.rows())
                        .chain(found.authors.iter().map(Tagged::tag))
                        .collect()
                },
            };
            let found = self
                .cached(entry, &keys, |keys| async move {
                    let parents: Vec<i64> = keys.iter().map(|key| key.page.parent).collect();
                    let mut pages =
                        read::reviews::pages_with_authors(&self.db, keyset, &parents, authors)
                            .await?;
                    Ok(keys
                        .into_iter()
                        .filter_map(|key| {
                            let found = pages.remove(&key.page.parent)?;
                            Some((key, found))
                        })
                        .collect())
                })
                .await?;
            self.read_list(found.values().flat_map(|found| found.page.rows()));
            for found in found.values() {
                let authors = found.authors.iter().map(Tagged::id);
                self.read_rows(Table::User, authors.len(), authors);
            }
            loaded.extend(found.into_iter().map(|(key, found)| (key, Arc::new(found))));
        }
        Ok(loaded)
    }
}

/// The same page of reviews for each product of a list, loaded at once by
/// the list (see `prefetch`), keyed by product.
pub enum ReviewPages {
    /// Pages alone: the selection does not reach their authors.
    Plain(IdMap<Arc<Page<reviews::Model>>>),
    /// Pages with their authors.
    WithAuthors(IdMap<Arc<ReviewsAndAuthors>>),
}

/// `keyset`'s page of reviews of each of `products`, in one loader call
/// (two statements with the authors).
pub async fn review_pages(
    ctx: &Context<'_>,
    products: impl Iterator<Item = i64>,
    keyset: &Keyset<ReviewsNewestFirst>,
    authors: Option<UserColumns>,
) -> Result<ReviewPages, AppError> {
    let loaders = loaders(ctx)?;
    let keys = products.map(|parent| ChildPage {
        parent,
        filter: (),
        keyset: keyset.clone(),
    });
    Ok(if let Some(authors) = authors {
        let keys = keys.map(|page| ReviewPageWithAuthors { page, authors });
        let loaded = loaders.load_many(keys).await?;
        let by_product = loaded
            .into_iter()
            .map(|(key, page)| (key.page.parent, page));
        ReviewPages::WithAuthors(by_product.collect())
    } else {
        let loaded = loaders.load_many(keys).await?;
        let by_product = loaded.into_iter().map(|(key, page)| (key.parent, page));
        ReviewPages::Plain(by_product.collect())
    })
}

/// One page of `parent`'s reviews with the `authors` columns of their
/// authors, batched with its siblings.
pub async fn reviews_with_authors(
    ctx: &Context<'_>,
    parent: i64,
    keyset: Keyset<ReviewsNewestFirst>,
    authors: UserColumns,
) -> Result<ReviewsAndAuthors, AppError> {
    let page = ChildPage {
        parent,
        filter: (),
        keyset: as_selected(ctx, keyset),
    };
    let key = ReviewPageWithAuthors { page, authors };
    let loaded = required(loaders(ctx)?.load_one(key).await?, "review page")?;
    Ok(Arc::unwrap_or_clone(loaded))
}
