//! The hourly pruning pass deletes only what can no longer be used: refresh
//! families whose every token expired, and idempotency keys past their
//! retention.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr,
};
use serde_json::json;
use storefront::{
    auth::Role,
    entities::{idempotency_keys, refresh_tokens},
    services::housekeeping::{self, Pruned},
};

use crate::{
    helpers::spawn_app,
    order_fixtures::{line, place_reply, stock_product},
};

#[tokio::test]
async fn pruning_deletes_dead_refresh_families_and_old_idempotency_keys_only() {
    let app = spawn_app().await;
    let stale = app.login("user2@example.com", "storefront-demo").await;
    let live = app.login("user3@example.com", "storefront-demo").await;
    let stale_user = app.user_by_email("user2@example.com").await.id;
    refresh_tokens::Entity::update_many()
        .col_expr(
            refresh_tokens::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::hours(1)),
        )
        .filter(refresh_tokens::Column::UserId.eq(stale_user))
        .exec(&app.db)
        .await
        .expect("expire the stale family");

    let (_, token) = app.signed_in(Role::Customer).await;
    stock_product(&app, 1, 10, 1_999).await;
    for key in ["old-checkout", "new-checkout"] {
        let body = place_reply(&app, &token, vec![line(1, 1)], Some(key)).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    idempotency_keys::Entity::update_many()
        .set(idempotency_keys::ActiveModel {
            created_at: Set(Utc::now() - Duration::days(2)),
            ..Default::default()
        })
        .filter(idempotency_keys::Column::Key.eq("old-checkout"))
        .exec(&app.db)
        .await
        .expect("age the old key");

    let now = Utc::now();
    let pruned = housekeeping::prune(&app.db, now, now - Duration::days(1))
        .await
        .expect("prune");

    assert_eq!(
        pruned,
        Pruned {
            refresh_tokens: 1,
            idempotency_keys: 1
        }
    );
    let keys: Vec<String> = idempotency_keys::Entity::find()
        .all(&app.db)
        .await
        .expect("keys")
        .into_iter()
        .map(|row| row.key)
        .collect();
    assert_eq!(keys, ["new-checkout"]);
    assert_eq!(
        refresh_tokens::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        1
    );

    let stale_refresh = app
        .gql(
            "mutation($t: String!) { refreshToken(token: $t) { accessToken } }",
            json!({ "t": stale["refreshToken"] }),
        )
        .await;
    assert_eq!(
        stale_refresh["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let live_refresh = app
        .data(
            "mutation($t: String!) { refreshToken(token: $t) { accessToken } }",
            json!({ "t": live["refreshToken"] }),
        )
        .await;
    assert!(live_refresh["refreshToken"]["accessToken"].is_string());
}
