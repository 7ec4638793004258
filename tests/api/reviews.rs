//! Reviews over HTTP: one per user and product, deletable by their author or
//! an admin, and the product's rating (and rating order) follows at once.

use sea_orm::EntityTrait;
use serde_json::{Value, json};
use storefront::{
    auth::Role,
    entities::reviews,
    schema::ids::NodeKind,
    seed::{Scale, SeedPlan},
};

use crate::helpers::{TestApp, gid, row_id, spawn_app, spawn_seeded, statements};

const ADD_REVIEW: &str = "mutation($id: ID!, $input: AddReviewInput!) { addReview(productId: $id, input: $input) { id rating body author { id } product { id rating { average count } } } }";
const DELETE_REVIEW: &str = "mutation($id: ID!) { deleteReview(id: $id) }";
const BY_RATING: &str = "{ products(first: 3, orderBy: { field: RATING, direction: DESC }) { nodes { id rating { average count } } } }";

/// The tiny catalog without any review, so that ratings start at zero.
async fn spawn_unreviewed() -> TestApp {
    spawn_seeded(SeedPlan {
        reviews: 0,
        ..Scale::Tiny.plan()
    })
    .await
}

async fn rating_milli(app: &TestApp, product: i64) -> i64 {
    app.product_row(product).await.rating_average_milli
}

/// Adds a review of `product` as `token`; returns the review's row id.
async fn add_review(app: &TestApp, token: &str, product: i64, rating: i32) -> i64 {
    let data = app
        .data_as(
            token,
            ADD_REVIEW,
            json!({ "id": gid(NodeKind::Product, product), "input": { "rating": rating } }),
        )
        .await;
    row_id(&data["addReview"]["id"])
}

/// Deletes a review as `token`, which must succeed; returns `data`.
async fn delete_review(app: &TestApp, token: &str, review: i64) -> Value {
    app.data_as(
        token,
        DELETE_REVIEW,
        json!({ "id": gid(NodeKind::Review, review) }),
    )
    .await
}

/// Product ids in `products(orderBy: RATING DESC)` order, first three.
async fn top_rated(app: &TestApp) -> Vec<i64> {
    let data = app.data(BY_RATING, json!({})).await;
    data["products"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| row_id(&node["id"]))
        .collect()
}

#[tokio::test]
async fn add_review_stores_the_review_and_updates_the_rating_at_once() {
    let app = spawn_unreviewed().await;
    let (first_id, first) = app.signed_in(Role::Customer).await;
    let (_, second) = app.signed_in(Role::Customer).await;
    let before = app.product_row(3).await;

    let data = app
        .data_as(
            &first,
            ADD_REVIEW,
            json!({ "id": gid(NodeKind::Product, 3), "input": { "rating": 5, "body": "  Sturdy.  " } }),
        )
        .await;
    add_review(&app, &second, 3, 2).await;

    let review = &data["addReview"];
    assert_eq!(review["rating"], 5);
    assert_eq!(review["body"], "Sturdy.");
    assert_eq!(review["author"]["id"], gid(NodeKind::User, first_id));
    assert_eq!(
        review["product"]["rating"],
        json!({ "average": 5.0, "count": 1 })
    );
    let row = reviews::Entity::find_by_id(row_id(&review["id"]))
        .one(&app.db)
        .await
        .expect("query")
        .expect("review row");
    assert_eq!(
        (row.product_id, row.user_id, row.rating, row.body.as_str()),
        (3, first_id, 5, "Sturdy.")
    );
    assert_eq!(rating_milli(&app, 3).await, 3500);
    let after = app.product_row(3).await;
    assert!(after.updated_at > before.updated_at);
}

#[tokio::test]
async fn ordering_by_rating_follows_added_and_deleted_reviews_at_once() {
    let app = spawn_unreviewed().await;
    let (_, first) = app.signed_in(Role::Customer).await;
    let (_, second) = app.signed_in(Role::Customer).await;

    add_review(&app, &first, 7, 3).await;
    let best = add_review(&app, &second, 12, 5).await;
    assert_eq!(top_rated(&app).await[..2], [12, 7]);

    delete_review(&app, &second, best).await;
    assert_eq!(top_rated(&app).await[0], 7);
    assert_eq!(rating_milli(&app, 12).await, 0);
    assert_eq!(rating_milli(&app, 7).await, 3000);
}

#[tokio::test]
async fn the_rating_average_is_rounded_to_the_nearest_thousandth() {
    let app = spawn_unreviewed().await;
    for rating in [1, 2, 2] {
        let (_, token) = app.signed_in(Role::Customer).await;
        add_review(&app, &token, 9, rating).await;
    }

    assert_eq!(rating_milli(&app, 9).await, 1667);
}

#[tokio::test]
async fn a_second_review_of_the_same_product_is_a_conflict() {
    let app = spawn_unreviewed().await;
    let (_, token) = app.signed_in(Role::Customer).await;
    add_review(&app, &token, 4, 4).await;

    app.assert_refused(
        Some(&token),
        ADD_REVIEW,
        json!({ "id": gid(NodeKind::Product, 4), "input": { "rating": 1 } }),
        "CONFLICT",
        Some("productId"),
    )
    .await;
    assert_eq!(app.reviews_of(4).await.len(), 1);
    assert_eq!(rating_milli(&app, 4).await, 4000);
}

#[tokio::test]
async fn a_rating_out_of_range_is_bad_input_on_input_rating() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in(Role::Customer).await;

    app.assert_refused(
        Some(&token),
        ADD_REVIEW,
        json!({ "id": gid(NodeKind::Product, 1), "input": { "rating": 6 } }),
        "BAD_USER_INPUT",
        Some("input.rating"),
    )
    .await;
}

#[tokio::test]
async fn reviewing_a_missing_product_is_not_found() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in(Role::Customer).await;

    app.assert_refused(
        Some(&token),
        ADD_REVIEW,
        json!({ "id": gid(NodeKind::Product, 999_999), "input": { "rating": 3 } }),
        "NOT_FOUND",
        None,
    )
    .await;
}

#[tokio::test]
async fn review_ids_of_the_wrong_type_are_bad_input_on_their_field() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in(Role::Customer).await;

    app.assert_refused(
        Some(&token),
        ADD_REVIEW,
        json!({ "id": gid(NodeKind::Category, 1), "input": { "rating": 3 } }),
        "BAD_USER_INPUT",
        Some("productId"),
    )
    .await;
    app.assert_refused(
        Some(&token),
        DELETE_REVIEW,
        json!({ "id": gid(NodeKind::Product, 1) }),
        "BAD_USER_INPUT",
        Some("id"),
    )
    .await;
}

#[tokio::test]
async fn delete_review_lets_the_author_remove_their_review() {
    let app = spawn_unreviewed().await;
    let (_, token) = app.signed_in(Role::Customer).await;
    let review = add_review(&app, &token, 5, 2).await;

    let data = delete_review(&app, &token, review).await;

    assert_eq!(data["deleteReview"], true);
    assert!(app.reviews_of(5).await.is_empty());
    assert_eq!(rating_milli(&app, 5).await, 0);
}

#[tokio::test]
async fn delete_review_lets_an_admin_remove_anyones_review() {
    let app = spawn_unreviewed().await;
    let (_, author) = app.signed_in(Role::Customer).await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let review = add_review(&app, &author, 5, 2).await;

    let data = delete_review(&app, &admin, review).await;

    assert_eq!(data["deleteReview"], true);
    assert!(app.reviews_of(5).await.is_empty());
}

#[tokio::test]
async fn someone_elses_review_is_not_found_exactly_like_a_missing_one() {
    let app = spawn_unreviewed().await;
    let (_, author) = app.signed_in(Role::Customer).await;
    let (_, other) = app.signed_in(Role::Customer).await;
    let review = add_review(&app, &author, 5, 2).await;

    let theirs = app
        .assert_refused(
            Some(&other),
            DELETE_REVIEW,
            json!({ "id": gid(NodeKind::Review, review) }),
            "NOT_FOUND",
            None,
        )
        .await;
    let missing = app
        .assert_refused(
            Some(&other),
            DELETE_REVIEW,
            json!({ "id": gid(NodeKind::Review, 999_999) }),
            "NOT_FOUND",
            None,
        )
        .await;

    assert_eq!(
        theirs["errors"][0]["message"],
        missing["errors"][0]["message"]
    );
    assert_eq!(app.reviews_of(5).await.len(), 1);
}

#[tokio::test]
async fn review_mutations_are_unauthenticated_for_anonymous_callers() {
    let app = spawn_app().await;
    for (query, variables) in [
        (
            ADD_REVIEW,
            json!({ "id": gid(NodeKind::Product, 1), "input": { "rating": 5 } }),
        ),
        (DELETE_REVIEW, json!({ "id": gid(NodeKind::Review, 1) })),
    ] {
        let body = app
            .assert_refused(None, query, variables, "UNAUTHENTICATED", None)
            .await;
        assert_eq!(statements(&body), 0, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reviews_of_one_product_all_count_in_its_rating() {
    let app = spawn_unreviewed().await;
    let mut tokens = Vec::new();
    for _ in 0..12 {
        tokens.push(app.signed_in(Role::Customer).await.1);
    }
    let ratings = [1, 5, 2, 4, 3, 5, 1, 4, 2, 5, 3, 4];

    let writes = tokens.iter().zip(ratings).map(|(token, rating)| {
        let app = &app;
        async move { add_review(app, token, 1, rating).await }
    });
    futures_util::future::join_all(writes).await;

    let sum: i64 = ratings.iter().map(|rating| i64::from(*rating)).sum();
    let count = i64::try_from(ratings.len()).expect("count");
    assert_eq!(
        rating_milli(&app, 1).await,
        (sum * 1000 + count / 2) / count
    );
}

#[tokio::test]
async fn a_token_whose_account_was_deleted_cannot_review() {
    let app = spawn_unreviewed().await;
    let (user, token) = app.signed_in(Role::Customer).await;
    storefront::entities::users::Entity::delete_by_id(user)
        .exec(&app.db)
        .await
        .expect("delete user");

    let reply = app
        .gql_as(
            &token,
            ADD_REVIEW,
            json!({ "id": gid(NodeKind::Product, 1), "input": { "rating": 4 } }),
        )
        .await;

    assert_eq!(crate::helpers::error_code(&reply.body), "UNAUTHENTICATED");
    assert_eq!(rating_milli(&app, 1).await, 0);
}
