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
    /// Its rows' authors by user id.
    pub authors: HashMap<UserId, UserRecord>,
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
                let authors = page
                    .rows()
                    .filter_map(|row| {
                        let id = UserId(row.user_id);
                        users.get(&id).map(|user| (id, user.clone()))
                    })
                    .collect();
                let value = ReviewsAndAuthors { page, authors };
                (ReviewPageWithAuthors(key), Arc::new(value))
            })
            .collect())
    }
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
