//! `placeOrder`, `cancelOrder` and `updateOrderStatus`: prices from the
//! database, exact money, one rule per validation test (each checking that
//! nothing was written), idempotency, and the order lifecycle.

use sea_orm::EntityTrait;
use serde_json::{Value, json};
use storefront::{auth::Role, domain::OrderStatus, schema::ids::NodeKind};

use crate::{
    helpers::{TestApp, assert_error, error_code, error_message, gid, row_id, spawn_app},
    order_fixtures::{
        PLACE, all_items, force_status, items_of, line, orders_of, place, place_reply, stock_of,
        stock_product,
    },
};

const CANCEL: &str = "mutation Cancel($id: ID!) { cancelOrder(id: $id) { id status updatedAt } }";
const UPDATE: &str = "mutation Update($id: ID!, $status: OrderStatus!) {
  updateOrderStatus(id: $id, status: $status) { id status }
}";

/// A customer and two products with known stock and prices.
async fn shop() -> (TestApp, i64, String) {
    let app = spawn_app().await;
    stock_product(&app, 1, 10, 1999).await;
    stock_product(&app, 2, 10, 10).await;
    let (customer, token) = app.signed_in(Role::Customer).await;
    (app, customer, token)
}

/// A failed `placeOrder` left no order, no line and no stock change behind.
async fn assert_nothing_written(app: &TestApp, customer: i64, stocks: &[(i64, i32)]) {
    assert!(orders_of(app, customer).await.is_empty());
    for (product, stock) in stocks {
        assert_eq!(stock_of(app, *product).await, *stock, "product {product}");
    }
}

/// Asserts `BAD_USER_INPUT` on `field`.
fn assert_bad_input(body: &Value, field: &str) {
    assert_error(body, "BAD_USER_INPUT", Some(field));
    assert!(body["data"].is_null(), "{body}");
}

#[tokio::test]
async fn place_order_prices_lines_from_the_database_and_takes_the_stock() {
    let (app, customer, token) = shop().await;
    let before = app.product_row(1).await.updated_at;

    let order = place(&app, &token, vec![line(1, 3), line(2, 7)]).await;

    assert_eq!(order["status"], "PENDING");
    assert_eq!(order["itemCount"], 10);
    assert_eq!(
        order["total"],
        json!({ "amount": "60.67", "currency": "USD" })
    );
    assert_eq!(order["customer"]["id"], gid(NodeKind::User, customer));
    let items = order["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["unitPrice"]["amount"], "19.99");
    assert_eq!(items[0]["subtotal"]["amount"], "59.97");
    assert_eq!(items[1]["unitPrice"]["amount"], "0.10");
    assert_eq!(items[1]["subtotal"]["amount"], "0.70");
    let number = order["number"].as_str().expect("number");
    assert!(number.starts_with("SF-") && number.len() == 20, "{number}");

    let stored = orders_of(&app, customer).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].total_cents, 6067);
    assert_eq!(stored[0].number, number);
    assert_eq!(stored[0].id, row_id(&order["id"]));
    let lines: Vec<_> = items_of(&app, stored[0].id)
        .await
        .into_iter()
        .map(|item| (item.product_id, item.quantity, item.unit_price_cents))
        .collect();
    assert_eq!(lines, [(1, 3, 1999), (2, 7, 10)]);
    assert_eq!(stock_of(&app, 1).await, 7);
    assert_eq!(stock_of(&app, 2).await, 3);
    assert!(app.product_row(1).await.updated_at > before);
}

#[tokio::test]
async fn order_totals_are_exact_to_the_cent() {
    let (app, _, token) = shop().await;

    let three = place(&app, &token, vec![line(1, 3)]).await;
    let seven = place(&app, &token, vec![line(2, 7)]).await;

    assert_eq!(three["total"]["amount"], "59.97");
    assert_eq!(seven["total"]["amount"], "0.70");
}

#[tokio::test]
async fn a_price_change_after_the_order_leaves_its_unit_price_alone() {
    let (app, _, token) = shop().await;
    let order = place(&app, &token, vec![line(1, 1)]).await;

    stock_product(&app, 1, 9, 2500).await;
    let data = app
        .data_as(
            &token,
            "query($id: ID!) { order(id: $id) { total { amount } items { unitPrice { amount } } } }",
            json!({ "id": order["id"] }),
        )
        .await;

    assert_eq!(data["order"]["total"]["amount"], "19.99");
    assert_eq!(data["order"]["items"][0]["unitPrice"]["amount"], "19.99");
}

#[tokio::test]
async fn lines_naming_one_product_are_merged_into_one_line() {
    let (app, customer, token) = shop().await;

    let order = place(&app, &token, vec![line(1, 2), line(2, 1), line(1, 3)]).await;

    assert_eq!(order["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(order["items"][0]["quantity"], 5);
    assert_eq!(order["itemCount"], 6);
    let stored = orders_of(&app, customer).await;
    assert_eq!(items_of(&app, stored[0].id).await.len(), 2);
    assert_eq!(stock_of(&app, 1).await, 5);
}

#[tokio::test]
async fn a_client_cannot_send_its_own_price() {
    let (app, customer, token) = shop().await;
    let mut priced = line(1, 1);
    priced["unitPrice"] = json!("0.01");

    let body = place_reply(&app, &token, vec![priced], None).await;

    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    assert_nothing_written(&app, customer, &[(1, 10)]).await;
}

#[tokio::test]
async fn an_order_without_lines_is_bad_user_input_on_items() {
    let (app, customer, token) = shop().await;

    let body = place_reply(&app, &token, vec![], None).await;

    assert_bad_input(&body, "input.items");
    assert_nothing_written(&app, customer, &[]).await;
}

#[tokio::test]
async fn a_quantity_of_zero_is_bad_user_input_on_its_line() {
    let (app, customer, token) = shop().await;

    let body = place_reply(&app, &token, vec![line(1, 1), line(2, 0)], None).await;

    assert_bad_input(&body, "input.items.1.quantity");
    assert_nothing_written(&app, customer, &[(1, 10), (2, 10)]).await;
}

#[tokio::test]
async fn a_malformed_product_id_is_bad_user_input_on_its_line() {
    let (app, customer, token) = shop().await;

    let body = place_reply(
        &app,
        &token,
        vec![
            line(1, 1),
            json!({ "productId": "not-an-id", "quantity": 1 }),
        ],
        None,
    )
    .await;

    assert_bad_input(&body, "input.items.1.productId");
    assert_nothing_written(&app, customer, &[(1, 10)]).await;
}

#[tokio::test]
async fn the_id_of_a_category_is_bad_user_input_as_a_product() {
    let (app, customer, token) = shop().await;
    let category = json!({ "productId": gid(NodeKind::Category, 1), "quantity": 1 });

    let body = place_reply(&app, &token, vec![category], None).await;

    assert_bad_input(&body, "input.items.0.productId");
    assert_nothing_written(&app, customer, &[]).await;
}

#[tokio::test]
async fn an_unknown_product_is_bad_user_input_and_writes_nothing() {
    let (app, customer, token) = shop().await;

    let body = place_reply(&app, &token, vec![line(1, 2), line(999_999, 1)], None).await;

    assert_bad_input(&body, "input.items.1.productId");
    assert_nothing_written(&app, customer, &[(1, 10)]).await;
}

#[tokio::test]
async fn an_empty_idempotency_key_is_bad_user_input() {
    let (app, customer, token) = shop().await;

    let body = place_reply(&app, &token, vec![line(1, 1)], Some("")).await;

    assert_bad_input(&body, "idempotencyKey");
    assert_nothing_written(&app, customer, &[(1, 10)]).await;
}

#[tokio::test]
async fn too_little_stock_is_conflict_naming_the_product_and_writes_nothing() {
    let (app, customer, token) = shop().await;
    stock_product(&app, 2, 3, 10).await;
    let name = app.product_row(2).await.name;
    let lines_before = all_items(&app).await;

    let body = place_reply(&app, &token, vec![line(1, 1), line(2, 4)], None).await;

    assert_error(&body, "CONFLICT", Some("input.items.1.quantity"));
    assert!(error_message(&body).contains(&name), "{body}");
    assert_nothing_written(&app, customer, &[(1, 10), (2, 3)]).await;
    assert_eq!(all_items(&app).await, lines_before);
}

#[tokio::test]
async fn placing_an_order_anonymously_is_unauthenticated() {
    let (app, _, _) = shop().await;
    let lines_before = all_items(&app).await;

    let body = app
        .gql(PLACE, json!({ "input": { "items": [line(1, 1)] } }))
        .await;

    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert_eq!(stock_of(&app, 1).await, 10);
    assert_eq!(all_items(&app).await, lines_before);
}

#[tokio::test]
async fn a_token_whose_account_was_deleted_cannot_place_an_order() {
    let (app, customer, token) = shop().await;
    storefront::entities::users::Entity::delete_by_id(customer)
        .exec(&app.db)
        .await
        .expect("delete user");

    let body = place_reply(&app, &token, vec![line(1, 1)], None).await;

    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert_nothing_written(&app, customer, &[(1, 10)]).await;
}

#[tokio::test]
async fn replaying_an_idempotency_key_returns_the_same_order_and_takes_stock_once() {
    let (app, customer, token) = shop().await;

    let first = place_reply(&app, &token, vec![line(1, 3)], Some("checkout-1")).await;
    let again = place_reply(
        &app,
        &token,
        vec![line(1, 1), line(1, 2)],
        Some("checkout-1"),
    )
    .await;

    assert!(first.get("errors").is_none(), "{first}");
    assert!(again.get("errors").is_none(), "{again}");
    assert_eq!(first["data"], again["data"]);
    assert_eq!(orders_of(&app, customer).await.len(), 1);
    assert_eq!(stock_of(&app, 1).await, 7);
}

#[tokio::test]
async fn the_same_idempotency_key_with_other_lines_is_conflict() {
    let (app, customer, token) = shop().await;
    place_reply(&app, &token, vec![line(1, 3)], Some("checkout-1")).await;

    let body = place_reply(&app, &token, vec![line(1, 4)], Some("checkout-1")).await;

    assert_error(&body, "CONFLICT", Some("idempotencyKey"));
    assert_eq!(orders_of(&app, customer).await.len(), 1);
    assert_eq!(stock_of(&app, 1).await, 7);
}

#[tokio::test]
async fn idempotency_keys_are_scoped_to_their_user() {
    let (app, first_customer, first_token) = shop().await;
    let (second_customer, second_token) = app.signed_in(Role::Customer).await;

    let first = place_reply(&app, &first_token, vec![line(1, 1)], Some("cart")).await;
    let second = place_reply(&app, &second_token, vec![line(1, 1)], Some("cart")).await;

    assert_ne!(
        first["data"]["placeOrder"]["id"],
        second["data"]["placeOrder"]["id"]
    );
    assert_eq!(orders_of(&app, first_customer).await.len(), 1);
    assert_eq!(orders_of(&app, second_customer).await.len(), 1);
    assert_eq!(stock_of(&app, 1).await, 8);
}

#[tokio::test]
async fn a_customer_cancels_their_pending_order_and_the_stock_comes_back() {
    let (app, customer, token) = shop().await;
    let order = place(&app, &token, vec![line(1, 3), line(2, 2)]).await;
    let taken_at = app.product_row(1).await.updated_at;

    let data = app
        .data_as(&token, CANCEL, json!({ "id": order["id"] }))
        .await;

    assert_eq!(data["cancelOrder"]["status"], "CANCELLED");
    assert_eq!(
        orders_of(&app, customer).await[0].status,
        OrderStatus::Cancelled
    );
    assert_eq!(stock_of(&app, 1).await, 10);
    assert_eq!(stock_of(&app, 2).await, 10);
    assert!(app.product_row(1).await.updated_at > taken_at);
}

#[tokio::test]
async fn a_customer_cannot_cancel_a_paid_order() {
    let (app, customer, token) = shop().await;
    let order = place(&app, &token, vec![line(1, 3)]).await;
    force_status(&app, row_id(&order["id"]), "PAID").await;

    let reply = app
        .gql_as(&token, CANCEL, json!({ "id": order["id"] }))
        .await;

    assert_eq!(error_code(&reply.body), "CONFLICT", "{}", reply.body);
    assert_eq!(orders_of(&app, customer).await[0].status, OrderStatus::Paid);
    assert_eq!(stock_of(&app, 1).await, 7);
}

#[tokio::test]
async fn an_admin_cancels_a_paid_order_and_the_stock_comes_back() {
    let (app, customer, token) = shop().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let order = place(&app, &token, vec![line(1, 3)]).await;
    force_status(&app, row_id(&order["id"]), "PAID").await;

    let data = app
        .data_as(&admin, CANCEL, json!({ "id": order["id"] }))
        .await;

    assert_eq!(data["cancelOrder"]["status"], "CANCELLED");
    assert_eq!(
        orders_of(&app, customer).await[0].status,
        OrderStatus::Cancelled
    );
    assert_eq!(stock_of(&app, 1).await, 10);
}

#[tokio::test]
async fn cancelling_a_cancelled_order_is_conflict_and_restores_nothing_twice() {
    let (app, _, token) = shop().await;
    let order = place(&app, &token, vec![line(1, 3)]).await;
    app.data_as(&token, CANCEL, json!({ "id": order["id"] }))
        .await;

    let reply = app
        .gql_as(&token, CANCEL, json!({ "id": order["id"] }))
        .await;

    assert_eq!(error_code(&reply.body), "CONFLICT", "{}", reply.body);
    assert_eq!(stock_of(&app, 1).await, 10);
}

#[tokio::test]
async fn admins_move_an_order_through_its_lifecycle_and_no_further() {
    let (app, customer, token) = shop().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let order = place(&app, &token, vec![line(1, 3)]).await;

    for (status, stored) in [
        ("PAID", OrderStatus::Paid),
        ("SHIPPED", OrderStatus::Shipped),
        ("DELIVERED", OrderStatus::Delivered),
    ] {
        let data = app
            .data_as(
                &admin,
                UPDATE,
                json!({ "id": order["id"], "status": status }),
            )
            .await;
        assert_eq!(data["updateOrderStatus"]["status"], status);
        assert_eq!(orders_of(&app, customer).await[0].status, stored);
    }
    let late = app
        .gql_as(
            &admin,
            UPDATE,
            json!({ "id": order["id"], "status": "CANCELLED" }),
        )
        .await;

    assert_eq!(error_code(&late.body), "CONFLICT", "{}", late.body);
    assert_eq!(
        orders_of(&app, customer).await[0].status,
        OrderStatus::Delivered
    );
    assert_eq!(stock_of(&app, 1).await, 7);
}

#[tokio::test]
async fn skipping_a_status_is_conflict_on_status() {
    let (app, customer, token) = shop().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let order = place(&app, &token, vec![line(1, 3)]).await;

    let reply = app
        .gql_as(
            &admin,
            UPDATE,
            json!({ "id": order["id"], "status": "SHIPPED" }),
        )
        .await;

    assert_error(&reply.body, "CONFLICT", Some("status"));
    assert_eq!(
        orders_of(&app, customer).await[0].status,
        OrderStatus::Pending
    );
}

#[tokio::test]
async fn an_admin_cancelling_through_update_order_status_restores_the_stock() {
    let (app, customer, token) = shop().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let order = place(&app, &token, vec![line(1, 3), line(2, 1)]).await;
    app.data_as(
        &admin,
        UPDATE,
        json!({ "id": order["id"], "status": "PAID" }),
    )
    .await;

    let data = app
        .data_as(
            &admin,
            UPDATE,
            json!({ "id": order["id"], "status": "CANCELLED" }),
        )
        .await;

    assert_eq!(data["updateOrderStatus"]["status"], "CANCELLED");
    assert_eq!(
        orders_of(&app, customer).await[0].status,
        OrderStatus::Cancelled
    );
    assert_eq!(stock_of(&app, 1).await, 10);
    assert_eq!(stock_of(&app, 2).await, 10);
}

#[tokio::test]
async fn update_order_status_is_forbidden_to_customers_and_unauthenticated_to_anonymous() {
    let (app, customer, token) = shop().await;
    let order = place(&app, &token, vec![line(1, 3)]).await;
    let variables = json!({ "id": order["id"], "status": "PAID" });

    let as_customer = app.gql_as(&token, UPDATE, variables.clone()).await;
    let anonymous = app.gql(UPDATE, variables).await;

    assert_eq!(error_code(&as_customer.body), "FORBIDDEN");
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    assert_eq!(
        orders_of(&app, customer).await[0].status,
        OrderStatus::Pending
    );
}

#[tokio::test]
async fn an_unknown_order_is_not_found_for_cancel_and_update() {
    let (app, _, token) = shop().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let missing = gid(NodeKind::Order, 999_999);

    let cancel = app.gql_as(&token, CANCEL, json!({ "id": missing })).await;
    let update = app
        .gql_as(&admin, UPDATE, json!({ "id": missing, "status": "PAID" }))
        .await;

    assert_eq!(error_code(&cancel.body), "NOT_FOUND");
    assert_eq!(error_code(&update.body), "NOT_FOUND");
}
