//! Review mutations: any signed-in user reviews a product once, and removes
//! their own review (admins remove any).

use async_graphql::{Context, ID, InputObject, Object};

use crate::{
    domain::{Rating, ReviewBody},
    error::AppResult,
    schema::{
        context::{db, viewer},
        guards::SignedIn,
        ids::{self, NodeKind},
        types::{Review, Row},
    },
    services::reviews::{self, NewReview},
};

/// A review to add.
#[derive(InputObject)]
pub struct AddReviewInput {
    /// From 1 to 5.
    pub rating: i32,
    /// The text, at most 5,000 characters.
    pub body: Option<String>,
}

impl AddReviewInput {
    /// The stars and the text (empty when left out); fields are named
    /// relative to the input.
    fn parse(self) -> AppResult<(Rating, ReviewBody)> {
        let rating = Rating::new(self.rating)?;
        let body = self
            .body
            .map(|body| ReviewBody::parse(&body))
            .transpose()?
            .unwrap_or_default();
        Ok((rating, body))
    }
}

/// Review writes; every one needs a signed-in user.
#[derive(Default)]
pub struct ReviewMutation;

#[Object(serial)]
impl ReviewMutation {
    /// Reviews a product; a second review of the same product by the same
    /// user is `CONFLICT` on `productId`.
    #[graphql(guard = "SignedIn")]
    async fn add_review(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        input: AddReviewInput,
    ) -> AppResult<Row<Review>> {
        let user_id = viewer(ctx)?.require_user()?;
        let product_id = ids::decode_as(&product_id, NodeKind::Product, "productId")?;
        let (rating, body) = input.parse().map_err(|err| err.within("input"))?;
        let new = NewReview {
            product_id,
            user_id,
            rating,
            body,
        };
        let tx = db(ctx)?.begin_write().await?;
        let review = reviews::add_review(&tx, new).await?;
        tx.commit().await?;
        Ok(Row(Review::new(review)))
    }

    /// Deletes a review: its author's own, or any for an admin. Someone
    /// else's review is `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn delete_review(&self, ctx: &Context<'_>, id: ID) -> AppResult<bool> {
        let by = *viewer(ctx)?;
        let id = ids::decode_as(&id, NodeKind::Review, "id")?;
        let tx = db(ctx)?.begin_write().await?;
        reviews::delete_review(&tx, id, &by).await?;
        tx.commit().await?;
        Ok(true)
    }
}
