//! Catalog reads: products and categories.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use crate::{
    error::{AppError, AppResult},
    schema::{
        connection::{IntoConnection, PageArgs, as_selected},
        context::{db, loaders, read_list, required},
        filters::{ProductFilter, product_listing},
        ids::{self, NodeKind},
        loaders::{
            CategoryId, CategorySlug, ProductId, ProductInCategory, ProductPage, ProductSlug,
        },
        orderings::ProductOrder,
        prefetch,
        types::{
            Category, CategoryConnection, CategoryTotal, ListedRelations, Product,
            ProductConnection, ProductTotal, Row,
        },
    },
    services::read::{self, keyset::Keyset, orderings::CategoryByName, products::ListedProducts},
};

/// Catalog entry points.
#[derive(Default)]
pub struct CatalogQuery;

/// Exactly one of `id` and `slug` identifies a row.
enum Lookup {
    Id(i64),
    Slug(String),
}

fn lookup(id: Option<ID>, slug: Option<String>, kind: NodeKind) -> AppResult<Lookup> {
    match (id, slug) {
        (Some(id), None) => Ok(Lookup::Id(ids::decode_as(&id, kind, "id")?)),
        (None, Some(slug)) => Ok(Lookup::Slug(slug)),
        _ => Err(AppError::bad_input(
            "id",
            "pass exactly one of `id` and `slug`",
        )),
    }
}

#[Object]
impl CatalogQuery {
    /// A product by ID or slug; null when none matches.
    async fn product(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> AppResult<Option<Row<Product>>> {
        let loaders = loaders(ctx)?;
        let lookup = lookup(id, slug, NodeKind::Product)?;
        if ctx.look_ahead().field("category").exists() {
            let key = match lookup {
                Lookup::Id(id) => ProductInCategory::Id(id),
                Lookup::Slug(slug) => ProductInCategory::Slug(slug),
            };
            return Ok(loaders
                .load_one(key)
                .await?
                .map(|pair| Row(Product::in_category(pair))));
        }
        let row = match lookup {
            Lookup::Id(id) => loaders.load_one(ProductId(id)).await?,
            Lookup::Slug(slug) => loaders.load_one(ProductSlug(slug)).await?,
        };
        Ok(row.map(|row| Row(Product::new(row))))
    }

    /// Products, filtered and ordered (newest first by default).
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "crate::schema::connection::page_cost(first, last) * child_complexity + 1"
    )]
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ProductFilter>,
        order_by: Option<ProductOrder>,
    ) -> AppResult<ProductConnection> {
        let (filter, keyset) =
            product_listing(filter, order_by, PageArgs::new(first, after, last, before))?;
        let columns = Product::listed_columns(&prefetch::item_selections(ctx));
        let with_categories = columns.categories.is_some();
        let key = ProductPage {
            filter: filter.clone(),
            keyset: as_selected(ctx, keyset),
            columns,
        };
        let ListedProducts { page, categories } = Arc::unwrap_or_clone(required(
            loaders(ctx)?.load_one(key).await?,
            "product page",
        )?);
        let relations = if with_categories {
            ListedRelations::with_categories(ctx, &page, categories).await?
        } else {
            ListedRelations::load(ctx, &page).await?
        };
        Ok(page.into_connection(ProductTotal::All(filter), |row| relations.product(row)))
    }

    /// A category by ID or slug; null when none matches.
    async fn category(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> AppResult<Option<Row<Category>>> {
        let loaders = loaders(ctx)?;
        let row = match lookup(id, slug, NodeKind::Category)? {
            Lookup::Id(id) => loaders.load_one(CategoryId(id)).await?,
            Lookup::Slug(slug) => loaders.load_one(CategorySlug(slug)).await?,
        };
        Ok(row.map(|row| Row(Category(row))))
    }

    /// Every category, alphabetically.
    #[graphql(
        complexity = "crate::schema::connection::page_cost(first, last) * child_complexity + 1"
    )]
    async fn categories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<CategoryConnection> {
        let keyset = as_selected(
            ctx,
            Keyset::new(CategoryByName, PageArgs::new(first, after, last, before))?,
        );
        let page = read::categories::page(db(ctx)?, &keyset).await?;
        read_list(ctx, page.rows())?;
        Ok(page.into_connection(CategoryTotal, Category))
    }
}
