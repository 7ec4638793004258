//! `Product`.

use std::{borrow::Cow, sync::Arc};

use async_graphql::{Context, ID, Object, SelectionField, SimpleObject};

use super::{Category, Review, ReviewConnection, ReviewTotal, Row, User};
use crate::{
    entities::{categories, products},
    error::AppResult,
    schema::{
        connection::{IntoConnection, PageArgs, as_selected, selected_beneath},
        context::{currency, loaders, required},
        ids::{self, NodeKind},
        loaders::{
            CategoryId, RatingOf, ReviewPages, child_page, review_pages, reviews_with_authors,
        },
        prefetch::{self, Prefetched},
        scalars::{Money, Timestamp},
    },
    services::read::{
        children::ProductReviews,
        keyset::{Keyset, Page},
        orderings::ReviewsNewestFirst,
        products::{InCategory, ListedColumns, ProductColumns},
        reviews::ReviewsAndAuthors,
    },
};

/// A product of the catalog.
#[derive(Clone)]
pub struct Product {
    row: products::Model,
    /// Its category, when the list it came in loaded them all at once.
    category: Option<Row<Category>>,
    /// The review pages of the list it came in, when that list loaded them.
    reviews: Option<Arc<ListedReviews>>,
}

impl Product {
    /// The optional columns of their rows that the resolvers below read for
    /// the selections `items` of products: a list reads no others. A field
    /// that comes to read another column must be added here
    /// (`tests/api/listed_columns.rs` compares every field with the row's).
    pub fn columns_shown(items: &[SelectionField<'_>]) -> ProductColumns {
        let mut columns = ProductColumns::NONE;
        for field in items.iter().flat_map(SelectionField::selection_set) {
            match field.name() {
                "sku" => columns.sku = true,
                "description" => columns.description = true,
                "price" => columns.price = true,
                "stock" | "inStock" => columns.stock = true,
                "updatedAt" => columns.updated_at = true,
                _ => {}
            }
        }
        columns
    }

    /// What a read of products shows for the selections `items` of
    /// products: their columns and, when selected, their categories'.
    pub fn listed_columns(items: &[SelectionField<'_>]) -> ListedColumns {
        let mut categories = prefetch::beneath(items, "category").peekable();
        let with_categories = categories.peek().is_some();
        ListedColumns {
            products: Self::columns_shown(items),
            categories: with_categories.then(|| Category::columns_shown(categories)),
        }
    }

    /// A product whose relations load when selected.
    pub fn new(row: products::Model) -> Self {
        Self {
            row,
            category: None,
            reviews: None,
        }
    }

    /// A product read with its category.
    pub fn in_category(pair: InCategory) -> Self {
        Self {
            row: pair.product,
            category: Some(Row(Category(pair.category))),
            reviews: None,
        }
    }

    /// A product of a list that loaded its items' categories.
    pub fn with_category(row: products::Model, categories: &Prefetched<CategoryId>) -> Self {
        let category = prefetch::row(categories, &CategoryId(row.category_id))
            .map(|category| Row(Category(category)));
        Self {
            row,
            category,
            reviews: None,
        }
    }
}

/// The relations a list of products loaded for all its items, those its
/// selection reaches (see `prefetch`).
pub struct ListedRelations {
    categories: Prefetched<CategoryId>,
    reviews: Option<Arc<ListedReviews>>,
}

impl ListedRelations {
    /// Loads them for the rows of `page`, the connection being resolved:
    /// categories and review pages in the same round of batches.
    pub async fn load(ctx: &Context<'_>, page: &Page<products::Model>) -> AppResult<Self> {
        let categories = prefetch::under_nodes(
            ctx,
            "category",
            page.rows().map(|row| CategoryId(row.category_id)),
        );
        let reviews = ListedReviews::load(ctx, page.rows().map(|row| row.id));
        let (categories, reviews) = futures_util::try_join!(categories, reviews)?;
        Ok(Self {
            categories,
            reviews,
        })
    }

    /// As [`Self::load`], with the categories the page's own statement read.
    pub async fn with_categories(
        ctx: &Context<'_>,
        page: &Page<products::Model>,
        categories: Vec<categories::Model>,
    ) -> AppResult<Self> {
        let reviews = ListedReviews::load(ctx, page.rows().map(|row| row.id)).await?;
        let by_id = categories.into_iter().map(|row| (CategoryId(row.id), row));
        Ok(Self {
            categories: Some(by_id.collect()),
            reviews,
        })
    }

    /// `row` as an item of the list.
    pub fn product(&self, row: products::Model) -> Product {
        Product {
            reviews: self.reviews.clone(),
            ..Product::with_category(row, &self.categories)
        }
    }
}

/// The review pages a list of products loaded for its items, and the
/// selection they answer: an item whose `reviews` asks for another page (an
/// alias with other arguments) loads its own.
struct ListedReviews {
    keyset: Keyset<ReviewsNewestFirst>,
    pages: ReviewPages,
}

impl ListedReviews {
    /// The pages of `products`, when the selection of the connection being
    /// resolved reaches their `reviews` with arguments that make a page.
    async fn load(
        ctx: &Context<'_>,
        products: impl Iterator<Item = i64>,
    ) -> AppResult<Option<Arc<Self>>> {
        let Some(selected) = prefetch::connection_on_nodes(ctx, "reviews") else {
            return Ok(None);
        };
        // Arguments that make no page are refused by each item's resolver.
        let Ok(keyset) = Keyset::new(ReviewsNewestFirst, selected.args) else {
            return Ok(None);
        };
        let keyset = selected_beneath(&selected.selection, keyset);
        let authors = prefetch::reaches_nodes(&selected.selection, "author").then(|| {
            // Every `reviews` of the items, for an item whose alias of the
            // same page selects more of its authors.
            let items = prefetch::item_selections(ctx);
            let reviews: Vec<_> = prefetch::beneath(&items, "reviews")
                .flat_map(|reviews| prefetch::items_of(&reviews))
                .collect();
            User::columns_shown(prefetch::beneath(&reviews, "author"))
        });
        let pages = review_pages(ctx, products, &keyset, authors).await?;
        Ok(Some(Arc::new(Self { keyset, pages })))
    }

    /// `product`'s connection, if these pages answer `keyset` and the
    /// selection being resolved (pages with authors answer one that reads
    /// none as well).
    fn connection(
        &self,
        ctx: &Context<'_>,
        product: i64,
        keyset: &Keyset<ReviewsNewestFirst>,
    ) -> Option<ReviewConnection> {
        if self.keyset != *keyset {
            return None;
        }
        let total = ReviewTotal::OfProduct(product);
        match &self.pages {
            ReviewPages::Plain(pages) => {
                if prefetch::on_nodes(ctx, "author") {
                    return None;
                }
                let page = Page::clone(pages.get(&product)?);
                Some(page.into_connection(total, Review::new))
            }
            ReviewPages::WithAuthors(pages) => {
                let found = pages.get(&product)?;
                let page = Page::clone(&found.page);
                Some(page.into_connection(total, |row| Review::with_author(row, &found.authors)))
            }
        }
    }
}

/// How a product is rated.
#[derive(SimpleObject)]
pub struct RatingSummary {
    /// Mean rating from 1 to 5; null when there are no reviews.
    pub average: Option<f64>,
    /// Number of reviews.
    pub count: i32,
}

#[Object(serial)]
impl Product {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Product, self.row.id)
    }

    /// Stock-keeping unit, unique.
    async fn sku(&self) -> &str {
        &self.row.sku
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.row.name
    }

    /// URL-friendly unique name.
    async fn slug(&self) -> &str {
        &self.row.slug
    }

    /// Long description.
    async fn description(&self) -> &str {
        &self.row.description
    }

    /// Current unit price.
    async fn price(&self, ctx: &Context<'_>) -> AppResult<Money> {
        Ok(Money::from_cents(self.row.price_cents, currency(ctx)?))
    }

    /// Units available to order.
    async fn stock(&self) -> i32 {
        self.row.stock
    }

    /// Whether at least one unit is available.
    async fn in_stock(&self) -> bool {
        self.row.stock > 0
    }

    /// The category the product belongs to.
    async fn category(&self, ctx: &Context<'_>) -> AppResult<Cow<'_, Row<Category>>> {
        if let Some(category) = &self.category {
            return Ok(Cow::Borrowed(category));
        }
        let row = loaders(ctx)?
            .load_one(CategoryId(self.row.category_id))
            .await?;
        Ok(Cow::Owned(Row(Category(required(row, "category")?))))
    }

    /// Summary of the product's review ratings.
    async fn rating(&self, ctx: &Context<'_>) -> AppResult<RatingSummary> {
        let totals = loaders(ctx)?
            .load_one(RatingOf(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(RatingSummary {
            average: (totals.count > 0).then(|| totals.sum as f64 / totals.count as f64),
            count: i32::try_from(totals.count).unwrap_or(i32::MAX),
        })
    }

    /// Reviews of the product, newest first.
    #[graphql(
        complexity = "crate::schema::connection::page_cost(first, last) * child_complexity + 1"
    )]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<ReviewConnection> {
        let keyset = as_selected(
            ctx,
            Keyset::new(
                ReviewsNewestFirst,
                PageArgs::new(first, after, last, before),
            )?,
        );
        if let Some(listed) = &self.reviews
            && let Some(connection) = listed.connection(ctx, self.row.id, &keyset)
        {
            return Ok(connection);
        }
        let total = ReviewTotal::OfProduct(self.row.id);
        if !prefetch::on_nodes(ctx, "author") {
            let page = child_page::<ProductReviews>(ctx, self.row.id, (), keyset).await?;
            return Ok(page.into_connection(total, Review::new));
        }
        let items = prefetch::item_selections(ctx);
        let columns = User::columns_shown(prefetch::beneath(&items, "author"));
        let ReviewsAndAuthors { page, authors } =
            reviews_with_authors(ctx, self.row.id, keyset, columns).await?;
        Ok(page.into_connection(total, |row| Review::with_author(row, &authors)))
    }

    /// When the product was created.
    async fn created_at(&self) -> Timestamp {
        self.row.created_at.into()
    }

    /// When the product last changed.
    async fn updated_at(&self) -> Timestamp {
        self.row.updated_at.into()
    }
}
