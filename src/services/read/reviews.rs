//! Reading reviews by key, and pages of a product's reviews read with their
//! authors; other pages of them hang off products and users (see
//! [`super::children`]).

use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};

use super::{
    IdMap,
    keyset::{Keyset, Page},
    orderings::ReviewsNewestFirst,
    positional, rows_where_in,
    users::{UserColumns, UserRecord, WithUser, join_users},
};
use crate::{entities::reviews, error::AppResult};

/// The reviews with these ids (those that exist).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<reviews::Model>> {
    rows_where_in::<reviews::Entity, _>(db, reviews::Column::Id, ids).await
}

/// A page of reviews and the authors of its rows.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ReviewsAndAuthors {
    /// The page.
    pub page: Page<reviews::Model>,
    /// Its rows' authors, each once. A page has a few rows, so a row finds
    /// its author by a scan, where a map cost an allocation and two
    /// hashes per row.
    pub authors: Vec<UserRecord>,
}

/// `keyset`'s page of the reviews of each of `products`, with the `authors`
/// columns of their authors, in one statement: the authors' statement would
/// otherwise wait for the pages. Every product gets a page, empty when it
/// has no reviews. Addresses are never read: a page is public and cached
/// without them, and an admin who asks for one reads it by id.
pub async fn pages_with_authors(
    db: &impl ConnectionTrait,
    keyset: &Keyset<ReviewsNewestFirst>,
    products: &[i64],
    authors: UserColumns,
) -> AppResult<IdMap<ReviewsAndAuthors>> {
    let authors = UserColumns {
        email: false,
        ..authors
    };
    let mut found = IdMap::with_capacity_and_hasher(products.len(), Default::default());
    if !products.is_empty() {
        let statement =
            pages_with_authors_statement(db.get_database_backend(), keyset, products, authors);
        let rows: Vec<WithUser<reviews::Model>> =
            positional::all_read_by(db, statement, |row| WithUser::read(row, authors)).await?;
        let mut authors: IdMap<Vec<UserRecord>> =
            IdMap::with_capacity_and_hasher(products.len(), Default::default());
        let pages = keyset.pages_by_parent(
            rows,
            |WithUser {
                 row: review,
                 user: author,
             }| {
                let parent = review.product_id;
                let known = authors.entry(parent).or_default();
                if !known.iter().any(|user| user.id == author.id) {
                    known.push(author);
                }
                (parent, review)
            },
        );
        found.extend(pages.into_iter().map(|(product, page)| {
            let authors = authors.remove(&product).unwrap_or_default();
            (product, ReviewsAndAuthors { page, authors })
        }));
    }
    for product in products {
        found.entry(*product).or_insert_with(|| ReviewsAndAuthors {
            page: keyset.empty_page(),
            authors: Vec::new(),
        });
    }
    Ok(found)
}

fn pages_with_authors_statement(
    backend: DbBackend,
    keyset: &Keyset<ReviewsNewestFirst>,
    products: &[i64],
    authors: UserColumns,
) -> Statement {
    let pages = keyset.per_parent(
        backend,
        reviews::Entity::find(),
        reviews::Column::ProductId,
        products,
    );
    let mut statement = pages.statement;
    let author = (pages.children, reviews::Column::UserId);
    join_users(&mut statement, author, authors, backend);
    backend.build(&statement)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::read::{keyset::PageArgs, output_names};

    #[test]
    fn pages_with_authors_name_each_column_once() {
        let keyset = Keyset::new(ReviewsNewestFirst, PageArgs::new(Some(3), None, None, None))
            .expect("a page");
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let statement =
                pages_with_authors_statement(backend, &keyset, &[1, 2], UserColumns::ALL);
            assert!(output_names(&statement.sql).contains("joined_user_id"));
        }
    }
}
