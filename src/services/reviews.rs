//! Writing and removing reviews, keeping each product's denormalised rating
//! average in step within the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, Query, SubQueryStatement},
};

use crate::{
    auth::Viewer,
    cache::{Table, Tag},
    db::CountedTransaction,
    domain::{Rating, ReviewBody, clock::now},
    entities::{products, reviews},
    error::{AppError, AppResult, UniqueKey, is_foreign_key_violation},
};

const ONE_PER_USER_AND_PRODUCT: UniqueKey = UniqueKey {
    name: "reviews_user_id_product_id_key",
    columns: "reviews.user_id, reviews.product_id",
};

/// A checked new review.
#[derive(Clone, Debug)]
pub struct NewReview {
    /// The product reviewed.
    pub product_id: i64,
    /// The author.
    pub user_id: i64,
    /// The stars given.
    pub rating: Rating,
    /// The text, possibly empty.
    pub body: ReviewBody,
}

fn add_error(err: DbErr) -> AppError {
    if ONE_PER_USER_AND_PRODUCT.violated_by(&err) {
        AppError::conflict_on("productId", "you have already reviewed this product")
    } else if is_foreign_key_violation(&err) {
        // The product is locked and exists: the token is still valid but its
        // account has been deleted.
        AppError::unauthenticated("this account no longer exists")
    } else {
        AppError::from(err)
    }
}

/// Locks the product row until the transaction ends (on PostgreSQL; SQLite's
/// `BEGIN IMMEDIATE` already serialises writers), so that review writes to
/// one product take turns and each rating recomputation sees the reviews
/// the others committed. `NOT_FOUND` when there is no such product.
async fn lock_product(tx: &CountedTransaction, product_id: i64) -> AppResult<()> {
    products::Entity::find_by_id(product_id)
        .select_only()
        .column(products::Column::Id)
        .lock_exclusive()
        .into_tuple::<i64>()
        .one(tx)
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::not_found("no product has this ID"))
}

/// Adds the author's one review of a product.
#[tracing::instrument(skip(tx, new), fields(product_id = new.product_id, user_id = new.user_id))]
pub async fn add_review(tx: &CountedTransaction, new: NewReview) -> AppResult<reviews::Model> {
    lock_product(tx, new.product_id).await?;
    let now = now();
    let review = reviews::ActiveModel {
        id: NotSet,
        product_id: Set(new.product_id),
        user_id: Set(new.user_id),
        rating: Set(new.rating.get()),
        body: Set(new.body.into_string()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx)
    .await
    .map_err(add_error)?;
    refresh_rating(tx, review.product_id, now).await?;
    Ok(review)
}

/// Deletes a review of `by` (any review when `by` is an admin). Anyone
/// else's review reads as absent, never revealing that it exists.
#[tracing::instrument(skip(tx, by))]
pub async fn delete_review(
    tx: &CountedTransaction,
    id: i64,
    by: &Viewer,
) -> AppResult<reviews::Model> {
    let author = by.require_user()?;
    let mut delete = reviews::Entity::delete_many().filter(reviews::Column::Id.eq(id));
    if !by.is_admin() {
        delete = delete.filter(reviews::Column::UserId.eq(author));
    }
    let review = delete
        .exec_with_returning(tx)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("no review has this ID"))?;
    lock_product(tx, review.product_id).await?;
    refresh_rating(tx, review.product_id, now()).await?;
    Ok(review)
}

/// Recomputes `products.rating_average_milli` (average × 1000, rounded half
/// up, 0 without reviews) from the product's reviews in one statement.
async fn refresh_rating(
    tx: &CountedTransaction,
    product_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    // The product's reviews, rating and place in rating order change.
    tx.touches([
        Tag::List(Table::Review),
        Tag::Rating(product_id),
        Tag::Row(Table::Product, product_id),
        Tag::List(Table::Product),
    ]);
    let count = || reviews::Column::Id.count();
    let average_milli = Query::select()
        .expr(
            reviews::Column::Rating
                .sum()
                .mul(1000)
                .add(count().div(2))
                .div(count()),
        )
        .from(reviews::Entity)
        .and_where(reviews::Column::ProductId.eq(product_id))
        .to_owned();
    let average_milli = Expr::SubQuery(
        None,
        Box::new(SubQueryStatement::SelectStatement(average_milli)),
    );
    products::Entity::update_many()
        .col_expr(
            products::Column::RatingAverageMilli,
            Func::coalesce([average_milli, Expr::val(0)]).into(),
        )
        .col_expr(products::Column::UpdatedAt, Expr::val(now))
        .filter(products::Column::Id.eq(product_id))
        .exec(tx)
        .await?;
    Ok(())
}
