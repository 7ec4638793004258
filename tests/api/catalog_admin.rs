//! Admin catalog mutations over HTTP: each change lands in the database in
//! one transaction, and each refusal carries its code and field and leaves
//! the database as it was.

use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use storefront::{
    auth::Role,
    entities::{categories, order_items, products, stock_adjustments},
    schema::ids::NodeKind,
};

use crate::helpers::{TestApp, error_message, gid, row_id, spawn_app, statements};

const CREATE_CATEGORY: &str = "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { id name slug parent { id } } }";
const UPDATE_CATEGORY: &str = "mutation($id: ID!, $input: UpdateCategoryInput!) { updateCategory(id: $id, input: $input) { id name slug parent { id } } }";
const CREATE_PRODUCT: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku name slug description price { amount currency } stock inStock category { id } rating { average count } } }";
const UPDATE_PRODUCT: &str = "mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id sku name slug description price { amount } category { id } } }";
const DELETE_PRODUCT: &str = "mutation($id: ID!) { deleteProduct(id: $id) }";
const ADJUST_STOCK: &str = "mutation($id: ID!, $delta: Int!, $reason: String) { adjustStock(productId: $id, delta: $delta, reason: $reason) { id stock inStock } }";

/// Seeded categories: 1 is top-level with subcategories 2 and 3; 4 is
/// top-level with 5 and 6.
const TOP: i64 = 1;
const SUB: i64 = 2;
const OTHER_TOP: i64 = 4;
const OTHER_SUB: i64 = 5;

/// The demo application and a signed-in admin's token.
async fn spawn_with_admin() -> (TestApp, String) {
    let app = spawn_app().await;
    let (_, token) = app.signed_in(Role::Admin).await;
    (app, token)
}

async fn category(app: &TestApp, id: i64) -> categories::Model {
    categories::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("category row")
}

/// A product row, or `None` once it is deleted.
async fn find_product(app: &TestApp, id: i64) -> Option<products::Model> {
    products::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
}

/// A valid `CreateProductInput` in a seeded subcategory.
fn new_product(sku: &str, name: &str) -> Value {
    json!({
        "categoryId": gid(NodeKind::Category, SUB),
        "sku": sku,
        "name": name,
        "price": "19.99",
    })
}

/// `new_product` with `field` set to `value`.
fn new_product_with(sku: &str, name: &str, field: &str, value: Value) -> Value {
    let mut input = new_product(sku, name);
    input[field] = value;
    input
}

/// Creates a product through the API; returns its row id.
async fn create_product(app: &TestApp, token: &str, input: Value) -> i64 {
    let data = app
        .data_as(token, CREATE_PRODUCT, json!({ "input": input }))
        .await;
    row_id(&data["createProduct"]["id"])
}

/// A product that appears in a seeded order.
async fn ordered_product(app: &TestApp) -> i64 {
    order_items::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("seeded order lines")
        .product_id
}

/// A product's stock adjustments as stored.
async fn stock_history(app: &TestApp, product: i64) -> Vec<stock_adjustments::Model> {
    stock_adjustments::Entity::find()
        .filter(stock_adjustments::Column::ProductId.eq(product))
        .all(&app.db)
        .await
        .expect("query")
}

#[tokio::test]
async fn create_category_derives_the_slug_from_the_name_and_stores_the_row() {
    let (app, token) = spawn_with_admin().await;

    let data = app
        .data_as(
            &token,
            CREATE_CATEGORY,
            json!({ "input": { "name": "  Café & Tea Sets " } }),
        )
        .await;

    let created = &data["createCategory"];
    assert_eq!(created["name"], "Café & Tea Sets");
    assert_eq!(created["slug"], "cafe-tea-sets");
    assert_eq!(created["parent"], Value::Null);
    let row = category(&app, row_id(&created["id"])).await;
    assert_eq!(
        (row.name.as_str(), row.slug.as_str(), row.parent_id),
        ("Café & Tea Sets", "cafe-tea-sets", None)
    );
    assert_eq!(row.created_at, row.updated_at);
}

#[tokio::test]
async fn create_category_nests_a_category_under_a_top_level_parent() {
    let (app, token) = spawn_with_admin().await;

    let data = app
        .data_as(
            &token,
            CREATE_CATEGORY,
            json!({ "input": { "name": "Cables", "slug": "usb-cables", "parentId": gid(NodeKind::Category, TOP) } }),
        )
        .await;

    let created = &data["createCategory"];
    assert_eq!(created["slug"], "usb-cables");
    assert_eq!(created["parent"]["id"], gid(NodeKind::Category, TOP));
    let row = category(&app, row_id(&created["id"])).await;
    assert_eq!(row.parent_id, Some(TOP));
    assert_eq!(row.slug, "usb-cables");
}

#[tokio::test]
async fn update_category_changes_the_given_fields_and_moves_the_category() {
    let (app, token) = spawn_with_admin().await;
    let before = category(&app, OTHER_SUB).await;

    let moved = app
        .data_as(
            &token,
            UPDATE_CATEGORY,
            json!({ "id": gid(NodeKind::Category, OTHER_SUB), "input": { "name": "Paperbacks", "parentId": gid(NodeKind::Category, TOP) } }),
        )
        .await;
    let row = category(&app, OTHER_SUB).await;
    assert_eq!(moved["updateCategory"]["name"], "Paperbacks");
    assert_eq!(moved["updateCategory"]["slug"], before.slug.as_str());
    assert_eq!(
        moved["updateCategory"]["parent"]["id"],
        gid(NodeKind::Category, TOP)
    );
    assert_eq!(
        (row.name.as_str(), row.slug.as_str(), row.parent_id),
        ("Paperbacks", before.slug.as_str(), Some(TOP))
    );
    assert!(row.updated_at > before.updated_at);
    assert_eq!(row.created_at, before.created_at);

    let top = app
        .data_as(
            &token,
            UPDATE_CATEGORY,
            json!({ "id": gid(NodeKind::Category, OTHER_SUB), "input": { "slug": "paperbacks", "parentId": null } }),
        )
        .await;
    assert_eq!(top["updateCategory"]["parent"], Value::Null);
    let row = category(&app, OTHER_SUB).await;
    assert_eq!(
        (row.name.as_str(), row.slug.as_str(), row.parent_id),
        ("Paperbacks", "paperbacks", None)
    );
}

#[tokio::test]
async fn create_product_stores_the_row_and_derives_the_slug() {
    let (app, token) = spawn_with_admin().await;
    let mut input = new_product("LAMP-001", " Brass Desk Lamp ");
    input["description"] = json!("  A lamp.  ");
    input["stock"] = json!(12);

    let data = app
        .data_as(&token, CREATE_PRODUCT, json!({ "input": input }))
        .await;

    let created = &data["createProduct"];
    assert_eq!(
        created,
        &json!({
            "id": created["id"],
            "sku": "LAMP-001",
            "name": "Brass Desk Lamp",
            "slug": "brass-desk-lamp",
            "description": "A lamp.",
            "price": { "amount": "19.99", "currency": "USD" },
            "stock": 12,
            "inStock": true,
            "category": { "id": gid(NodeKind::Category, SUB) },
            "rating": { "average": null, "count": 0 },
        })
    );
    let row = app.product_row(row_id(&created["id"])).await;
    assert_eq!(
        (
            row.category_id,
            row.sku.as_str(),
            row.name.as_str(),
            row.slug.as_str(),
            row.description.as_str(),
            row.price_cents,
            row.stock,
            row.rating_average_milli,
        ),
        (
            SUB,
            "LAMP-001",
            "Brass Desk Lamp",
            "brass-desk-lamp",
            "A lamp.",
            1999,
            12,
            0
        )
    );
    assert_eq!(row.created_at, row.updated_at);
}

#[tokio::test]
async fn prices_are_stored_exactly_in_cents() {
    let (app, token) = spawn_with_admin().await;

    for (n, (price, cents, shown)) in [
        ("0.1", 10, "0.10"),
        ("0.29", 29, "0.29"),
        ("0", 0, "0.00"),
        ("1000000.00", 100_000_000, "1000000.00"),
    ]
    .into_iter()
    .enumerate()
    {
        let input = new_product_with(
            &format!("PRICE-{n}"),
            &format!("Priced {n}"),
            "price",
            json!(price),
        );
        let data = app
            .data_as(&token, CREATE_PRODUCT, json!({ "input": input }))
            .await;
        assert_eq!(data["createProduct"]["price"]["amount"], shown);
        let row = app.product_row(row_id(&data["createProduct"]["id"])).await;
        assert_eq!(row.price_cents, cents, "{price}");
    }
}

#[tokio::test]
async fn update_product_changes_only_the_given_fields_and_bumps_updated_at() {
    let (app, token) = spawn_with_admin().await;
    let before = app.product_row(1).await;

    let data = app
        .data_as(
            &token,
            UPDATE_PRODUCT,
            json!({ "id": gid(NodeKind::Product, 1), "input": { "price": "0.30", "name": "Renamed", "categoryId": gid(NodeKind::Category, OTHER_SUB) } }),
        )
        .await;

    assert_eq!(data["updateProduct"]["price"]["amount"], "0.30");
    assert_eq!(data["updateProduct"]["name"], "Renamed");
    assert_eq!(data["updateProduct"]["slug"], before.slug.as_str());
    let after = app.product_row(1).await;
    assert!(after.updated_at > before.updated_at);
    assert_eq!(
        after,
        products::Model {
            name: "Renamed".to_owned(),
            price_cents: 30,
            category_id: OTHER_SUB,
            updated_at: after.updated_at,
            ..before
        }
    );
}

#[tokio::test]
async fn delete_product_removes_the_product_with_its_reviews_and_stock_history() {
    let (app, token) = spawn_with_admin().await;
    let id = create_product(&app, &token, new_product("GONE-1", "Short Lived")).await;
    let (_, customer) = app.signed_in(Role::Customer).await;
    app.data_as(
        &customer,
        "mutation($id: ID!) { addReview(productId: $id, input: { rating: 4 }) { id } }",
        json!({ "id": gid(NodeKind::Product, id) }),
    )
    .await;
    app.data_as(
        &token,
        ADJUST_STOCK,
        json!({ "id": gid(NodeKind::Product, id), "delta": 3 }),
    )
    .await;

    let data = app
        .data_as(
            &token,
            DELETE_PRODUCT,
            json!({ "id": gid(NodeKind::Product, id) }),
        )
        .await;

    assert_eq!(data["deleteProduct"], true);
    assert_eq!(find_product(&app, id).await, None);
    assert!(app.reviews_of(id).await.is_empty());
    assert!(stock_history(&app, id).await.is_empty());
}

#[tokio::test]
async fn adjust_stock_changes_the_stock_and_records_the_adjustment() {
    let app = spawn_app().await;
    let (admin_id, token) = app.signed_in(Role::Admin).await;
    let id = create_product(&app, &token, new_product("STOCK-1", "Stocked")).await;
    let before = app.product_row(id).await;

    let added = app
        .data_as(
            &token,
            ADJUST_STOCK,
            json!({ "id": gid(NodeKind::Product, id), "delta": 7, "reason": " delivery " }),
        )
        .await;
    let removed = app
        .data_as(
            &token,
            ADJUST_STOCK,
            json!({ "id": gid(NodeKind::Product, id), "delta": -7 }),
        )
        .await;

    assert_eq!(added["adjustStock"]["stock"], 7);
    assert_eq!(removed["adjustStock"]["stock"], 0);
    assert_eq!(removed["adjustStock"]["inStock"], false);
    let after = app.product_row(id).await;
    assert_eq!(after.stock, 0);
    assert!(after.updated_at > before.updated_at);
    let history: Vec<_> = stock_history(&app, id)
        .await
        .into_iter()
        .map(|row| (row.user_id, row.delta, row.reason, row.stock_after))
        .collect();
    assert_eq!(
        history,
        [
            (Some(admin_id), 7, Some("delivery".to_owned()), 7),
            (Some(admin_id), -7, None, 0),
        ]
    );
}

#[tokio::test]
async fn adjusting_stock_below_zero_is_a_conflict_that_changes_nothing() {
    let (app, token) = spawn_with_admin().await;
    let input = new_product_with("STOCK-2", "Scarce", "stock", json!(2));
    let id = create_product(&app, &token, input).await;

    let body = app
        .assert_refused(
            Some(&token),
            ADJUST_STOCK,
            json!({ "id": gid(NodeKind::Product, id), "delta": -3 }),
            "CONFLICT",
            Some("delta"),
        )
        .await;

    assert!(error_message(&body).contains("only 2 in stock"), "{body}");
    assert_eq!(app.product_row(id).await.stock, 2);
}

#[tokio::test]
async fn concurrent_stock_removals_never_take_stock_below_zero() {
    let (app, token) = spawn_with_admin().await;
    let input = new_product_with("STOCK-4", "Contested", "stock", json!(5));
    let id = create_product(&app, &token, input).await;
    let variables = json!({ "id": gid(NodeKind::Product, id), "delta": -1 });

    let replies =
        join_all((0..12).map(|_| app.gql_as(&token, ADJUST_STOCK, variables.clone()))).await;

    let codes: Vec<_> = replies
        .iter()
        .map(|reply| reply.body["errors"][0]["extensions"]["code"].as_str())
        .collect();
    assert_eq!(
        codes.iter().filter(|code| code.is_none()).count(),
        5,
        "{codes:?}"
    );
    assert_eq!(
        codes
            .iter()
            .filter(|code| **code == Some("CONFLICT"))
            .count(),
        7,
        "{codes:?}"
    );
    assert_eq!(app.product_row(id).await.stock, 0);
    let mut left: Vec<_> = stock_history(&app, id)
        .await
        .into_iter()
        .map(|row| row.stock_after)
        .collect();
    left.sort_unstable();
    assert_eq!(left, [0, 1, 2, 3, 4]);
}

#[tokio::test]
async fn adjusting_stock_above_one_million_is_a_conflict() {
    let (app, token) = spawn_with_admin().await;
    let input = new_product_with("STOCK-3", "Plenty", "stock", json!(1_000_000));
    let id = create_product(&app, &token, input).await;

    app.assert_refused(
        Some(&token),
        ADJUST_STOCK,
        json!({ "id": gid(NodeKind::Product, id), "delta": 1 }),
        "CONFLICT",
        Some("delta"),
    )
    .await;
}

#[tokio::test]
async fn stock_restored_above_one_million_can_still_be_removed() {
    let (app, token) = spawn_with_admin().await;
    let input = new_product_with("STOCK-4", "Returned", "stock", json!(1_000_000));
    let id = create_product(&app, &token, input).await;
    // Cancelled orders give their units back without an upper bound.
    products::Entity::update_many()
        .col_expr(products::Column::Stock, Expr::value(1_000_005))
        .filter(products::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .expect("restock");

    let data = app
        .data_as(
            &token,
            ADJUST_STOCK,
            json!({ "id": gid(NodeKind::Product, id), "delta": -10 }),
        )
        .await;

    assert_eq!(data["adjustStock"]["stock"], 999_995);
    assert_eq!(app.product_row(id).await.stock, 999_995);
}

#[tokio::test]
async fn a_duplicate_sku_is_a_conflict_on_input_sku() {
    let (app, token) = spawn_with_admin().await;
    let taken = app.product_row(1).await.sku;

    app.assert_all_refused(
        &token,
        "CONFLICT",
        Some("input.sku"),
        [
            (CREATE_PRODUCT, json!({ "input": new_product(&taken, "Copycat") })),
            (
                UPDATE_PRODUCT,
                json!({ "id": gid(NodeKind::Product, 2), "input": { "sku": taken, "name": "Also renamed" } }),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn concurrent_creates_of_one_sku_give_one_product_and_conflicts() {
    let (app, token) = spawn_with_admin().await;

    let replies = join_all((0..6).map(|n| {
        let input = new_product("RACE-1", &format!("Racer {n}"));
        app.gql_as(&token, CREATE_PRODUCT, json!({ "input": input }))
    }))
    .await;

    let errors: Vec<_> = replies
        .iter()
        .filter_map(|reply| reply.body["errors"].get(0))
        .map(|error| {
            (
                error["extensions"]["code"].as_str(),
                error["extensions"]["field"].as_str(),
            )
        })
        .collect();
    assert_eq!(errors, [(Some("CONFLICT"), Some("input.sku")); 5]);
    let rows = products::Entity::find()
        .filter(products::Column::Sku.eq("RACE-1"))
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(rows.len(), 1);
}

#[tokio::test]
async fn a_duplicate_product_slug_is_a_conflict_on_input_slug() {
    let (app, token) = spawn_with_admin().await;
    let taken = app.product_row(1).await.slug;
    let input = new_product_with("SLUG-1", "Copycat", "slug", json!(taken));

    app.assert_all_refused(
        &token,
        "CONFLICT",
        Some("input.slug"),
        [
            (CREATE_PRODUCT, json!({ "input": input })),
            (
                UPDATE_PRODUCT,
                json!({ "id": gid(NodeKind::Product, 2), "input": { "slug": taken } }),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_duplicate_category_slug_is_a_conflict_on_input_slug() {
    let (app, token) = spawn_with_admin().await;
    let taken = category(&app, SUB).await.slug;

    app.assert_all_refused(
        &token,
        "CONFLICT",
        Some("input.slug"),
        [
            (
                CREATE_CATEGORY,
                json!({ "input": { "name": "Copycat", "slug": taken } }),
            ),
            (
                UPDATE_CATEGORY,
                json!({ "id": gid(NodeKind::Category, OTHER_TOP), "input": { "slug": taken } }),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_derived_slug_that_is_taken_is_a_conflict_on_input_slug() {
    let (app, token) = spawn_with_admin().await;
    let top = category(&app, TOP).await;
    create_product(&app, &token, new_product("TWIN-1", "Twin Lamp")).await;

    app.assert_all_refused(
        &token,
        "CONFLICT",
        Some("input.slug"),
        [
            (CREATE_CATEGORY, json!({ "input": { "name": top.name } })),
            (
                CREATE_PRODUCT,
                json!({ "input": new_product("TWIN-2", "Twin  Lamp!") }),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn deleting_a_product_that_appears_in_orders_is_a_conflict() {
    let (app, token) = spawn_with_admin().await;
    let id = ordered_product(&app).await;

    let body = app
        .assert_refused(
            Some(&token),
            DELETE_PRODUCT,
            json!({ "id": gid(NodeKind::Product, id) }),
            "CONFLICT",
            None,
        )
        .await;

    assert!(error_message(&body).contains("appears in orders"), "{body}");
    assert!(find_product(&app, id).await.is_some());
}

#[tokio::test]
async fn product_mutations_on_a_missing_product_are_not_found() {
    let (app, token) = spawn_with_admin().await;
    let missing = gid(NodeKind::Product, 999_999);

    app.assert_all_refused(
        &token,
        "NOT_FOUND",
        None,
        [
            (
                UPDATE_PRODUCT,
                json!({ "id": missing, "input": { "name": "Ghost" } }),
            ),
            (DELETE_PRODUCT, json!({ "id": missing })),
            (ADJUST_STOCK, json!({ "id": missing, "delta": 1 })),
            (ADJUST_STOCK, json!({ "id": missing, "delta": -1 })),
        ],
    )
    .await;
}

#[tokio::test]
async fn updating_a_missing_category_is_not_found() {
    let (app, token) = spawn_with_admin().await;

    app.assert_refused(
        Some(&token),
        UPDATE_CATEGORY,
        json!({ "id": gid(NodeKind::Category, 999_999), "input": { "name": "Ghost" } }),
        "NOT_FOUND",
        None,
    )
    .await;
}

#[tokio::test]
async fn a_missing_category_is_bad_input_on_input_category_id() {
    let (app, token) = spawn_with_admin().await;
    let missing = gid(NodeKind::Category, 999_999);
    let input = new_product_with("ORPHAN-1", "Orphan", "categoryId", json!(missing));

    app.assert_all_refused(
        &token,
        "BAD_USER_INPUT",
        Some("input.categoryId"),
        [
            (CREATE_PRODUCT, json!({ "input": input })),
            (
                UPDATE_PRODUCT,
                json!({ "id": gid(NodeKind::Product, 1), "input": { "categoryId": missing } }),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_missing_parent_is_bad_input_on_input_parent_id() {
    let (app, token) = spawn_with_admin().await;
    let missing = gid(NodeKind::Category, 999_999);

    app.assert_all_refused(
        &token,
        "BAD_USER_INPUT",
        Some("input.parentId"),
        [
            (CREATE_CATEGORY, json!({ "input": { "name": "Orphans", "parentId": missing } })),
            (
                UPDATE_CATEGORY,
                json!({ "id": gid(NodeKind::Category, OTHER_SUB), "input": { "parentId": missing } }),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_category_cannot_be_its_own_parent() {
    let (app, token) = spawn_with_admin().await;

    app.assert_refused(
        Some(&token),
        UPDATE_CATEGORY,
        json!({ "id": gid(NodeKind::Category, TOP), "input": { "parentId": gid(NodeKind::Category, TOP) } }),
        "BAD_USER_INPUT",
        Some("input.parentId"),
    )
    .await;
}

#[tokio::test]
async fn a_category_cannot_move_under_its_own_subcategory() {
    let (app, token) = spawn_with_admin().await;

    let body = app
        .assert_refused(
            Some(&token),
            UPDATE_CATEGORY,
            json!({ "id": gid(NodeKind::Category, TOP), "input": { "parentId": gid(NodeKind::Category, SUB) } }),
            "BAD_USER_INPUT",
            Some("input.parentId"),
        )
        .await;

    assert!(error_message(&body).contains("own subcategory"), "{body}");
}

#[tokio::test]
async fn categories_nest_only_two_levels_deep() {
    let (app, token) = spawn_with_admin().await;

    app.assert_all_refused(
        &token,
        "BAD_USER_INPUT",
        Some("input.parentId"),
        [
            (
                CREATE_CATEGORY,
                json!({ "input": { "name": "Too Deep", "parentId": gid(NodeKind::Category, SUB) } }),
            ),
            (
                UPDATE_CATEGORY,
                json!({ "id": gid(NodeKind::Category, OTHER_SUB), "input": { "parentId": gid(NodeKind::Category, SUB) } }),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_category_with_subcategories_cannot_become_a_subcategory() {
    let (app, token) = spawn_with_admin().await;

    app.assert_refused(
        Some(&token),
        UPDATE_CATEGORY,
        json!({ "id": gid(NodeKind::Category, OTHER_TOP), "input": { "parentId": gid(NodeKind::Category, TOP) } }),
        "CONFLICT",
        Some("input.parentId"),
    )
    .await;
}

// The rules themselves are unit-tested with the domain types; these prove
// that each mutation places a refused field under its argument.

#[tokio::test]
async fn create_category_reports_a_bad_slug_on_input_slug() {
    let (app, token) = spawn_with_admin().await;

    app.assert_refused(
        Some(&token),
        CREATE_CATEGORY,
        json!({ "input": { "name": "Lamps", "slug": "Desk--Lamps" } }),
        "BAD_USER_INPUT",
        Some("input.slug"),
    )
    .await;
}

#[tokio::test]
async fn update_category_reports_a_blank_name_on_input_name() {
    let (app, token) = spawn_with_admin().await;
    let before = category(&app, TOP).await;

    app.assert_refused(
        Some(&token),
        UPDATE_CATEGORY,
        json!({ "id": gid(NodeKind::Category, TOP), "input": { "name": "  " } }),
        "BAD_USER_INPUT",
        Some("input.name"),
    )
    .await;
    assert_eq!(category(&app, TOP).await, before);
}

#[tokio::test]
async fn create_product_reports_a_bad_sku_on_input_sku() {
    let (app, token) = spawn_with_admin().await;

    app.assert_refused(
        Some(&token),
        CREATE_PRODUCT,
        json!({ "input": new_product("lamp_1", "Lamp") }),
        "BAD_USER_INPUT",
        Some("input.sku"),
    )
    .await;
}

#[tokio::test]
async fn update_product_reports_a_price_out_of_range_on_input_price() {
    let (app, token) = spawn_with_admin().await;
    let before = find_product(&app, 1).await;

    app.assert_refused(
        Some(&token),
        UPDATE_PRODUCT,
        json!({ "id": gid(NodeKind::Product, 1), "input": { "price": "1000000.01" } }),
        "BAD_USER_INPUT",
        Some("input.price"),
    )
    .await;
    assert_eq!(find_product(&app, 1).await, before);
}

#[tokio::test]
async fn adjust_stock_reports_a_zero_delta_on_delta() {
    let (app, token) = spawn_with_admin().await;

    app.assert_refused(
        Some(&token),
        ADJUST_STOCK,
        json!({ "id": gid(NodeKind::Product, 1), "delta": 0 }),
        "BAD_USER_INPUT",
        Some("delta"),
    )
    .await;
    assert!(stock_history(&app, 1).await.is_empty());
}

#[tokio::test]
async fn prices_with_more_than_two_decimal_places_are_refused_before_execution() {
    let (app, token) = spawn_with_admin().await;
    let input = new_product_with("PRICE-Y", "Fractional", "price", json!("19.999"));

    app.assert_refused(
        Some(&token),
        CREATE_PRODUCT,
        json!({ "input": input }),
        "GRAPHQL_VALIDATION_FAILED",
        None,
    )
    .await;
}

#[tokio::test]
async fn ids_of_the_wrong_type_or_malformed_are_bad_input_on_their_field() {
    let (app, token) = spawn_with_admin().await;
    let category = gid(NodeKind::Category, TOP);
    let product = gid(NodeKind::Product, 1);
    let wrong_category = new_product_with("ID-1", "Mislabelled", "categoryId", json!(product));
    let cases = [
        (
            UPDATE_PRODUCT,
            json!({ "id": category, "input": { "name": "X" } }),
            "id",
        ),
        (DELETE_PRODUCT, json!({ "id": "not-an-id" }), "id"),
        (
            ADJUST_STOCK,
            json!({ "id": category, "delta": 1 }),
            "productId",
        ),
        (
            UPDATE_CATEGORY,
            json!({ "id": product, "input": { "name": "X" } }),
            "id",
        ),
        (
            CREATE_PRODUCT,
            json!({ "input": wrong_category }),
            "input.categoryId",
        ),
        (
            CREATE_CATEGORY,
            json!({ "input": { "name": "X", "parentId": "@@" } }),
            "input.parentId",
        ),
    ];
    for (query, variables, field) in cases {
        app.assert_refused(
            Some(&token),
            query,
            variables,
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
}

/// Every admin catalog mutation with valid variables.
fn every_catalog_mutation() -> Vec<(&'static str, Value)> {
    let product = gid(NodeKind::Product, 1);
    vec![
        (CREATE_CATEGORY, json!({ "input": { "name": "Guarded" } })),
        (
            UPDATE_CATEGORY,
            json!({ "id": gid(NodeKind::Category, TOP), "input": { "name": "Guarded" } }),
        ),
        (
            CREATE_PRODUCT,
            json!({ "input": new_product("GUARD-1", "Guarded") }),
        ),
        (
            UPDATE_PRODUCT,
            json!({ "id": product, "input": { "name": "Guarded" } }),
        ),
        (DELETE_PRODUCT, json!({ "id": product })),
        (ADJUST_STOCK, json!({ "id": product, "delta": 1 })),
    ]
}

#[tokio::test]
async fn catalog_mutations_are_unauthenticated_for_anonymous_callers_and_send_no_statement() {
    let app = spawn_app().await;
    for (query, variables) in every_catalog_mutation() {
        let body = app
            .assert_refused(None, query, variables, "UNAUTHENTICATED", None)
            .await;
        assert_eq!(statements(&body), 0, "{query}");
    }
}

#[tokio::test]
async fn catalog_mutations_are_forbidden_to_customers_and_send_no_statement() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in(Role::Customer).await;
    for (query, variables) in every_catalog_mutation() {
        let body = app
            .assert_refused(Some(&token), query, variables, "FORBIDDEN", None)
            .await;
        assert_eq!(statements(&body), 0, "{query}");
    }
}
