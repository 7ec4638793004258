//! `Category`.

use async_graphql::{Context, ID, Object, SelectionField};

use super::{ListedRelations, ProductConnection, ProductTotal, Row};
use crate::{
    entities::categories,
    error::AppResult,
    schema::{
        connection::{IntoConnection, PageArgs},
        context::{loaders, required},
        filters::{ProductFilter, product_listing},
        ids::{self, NodeKind},
        loaders::{CategoryId, ChildrenOf, child_page},
        orderings::ProductOrder,
        scalars::Timestamp,
    },
    services::read::{categories::CategoryColumns, children::CategoryProducts},
};

/// A node of the catalog tree.
#[derive(Clone)]
pub struct Category(pub categories::Model);

impl Category {
    /// The optional columns of their rows that the resolvers below read for
    /// the selections `categories` of categories: a list that reads its
    /// items' categories reads no others (see `Product::columns_shown`).
    pub fn columns_shown<'a>(
        categories: impl IntoIterator<Item = SelectionField<'a>>,
    ) -> CategoryColumns {
        let mut columns = CategoryColumns::NONE;
        for category in categories {
            for field in category.selection_set() {
                match field.name() {
                    "slug" => columns.slug = true,
                    "parent" => columns.parent = true,
                    "createdAt" => columns.created_at = true,
                    _ => {}
                }
            }
        }
        columns
    }
}

#[Object(serial)]
impl Category {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Category, self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// URL-friendly unique name.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The enclosing category; null at the top level.
    async fn parent(&self, ctx: &Context<'_>) -> AppResult<Option<Row<Category>>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        let row = loaders(ctx)?.load_one(CategoryId(parent)).await?;
        Ok(Some(Row(Category(required(row, "parent category")?))))
    }

    /// Direct subcategories, alphabetically.
    async fn children(&self, ctx: &Context<'_>) -> AppResult<Vec<Row<Category>>> {
        let rows = loaders(ctx)?.load_one(ChildrenOf(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|row| Row(Category(row)))
            .collect())
    }

    /// Products of this category, with the filters and orderings of `Query.products`.
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
        let page = child_page::<CategoryProducts>(ctx, self.0.id, filter.clone(), keyset).await?;
        // Boxed for the reason `child_page` boxes its load.
        let relations = Box::pin(ListedRelations::load(ctx, &page)).await?;
        Ok(
            page.into_connection(ProductTotal::InCategory(self.0.id, filter), |row| {
                relations.product(row)
            }),
        )
    }

    /// When the category was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}
