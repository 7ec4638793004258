//! `DATABASE_READ_URL`: queries read from the replica; mutations, and every
//! read inside them, use the primary. A second database stands in for the
//! replica, holding the same seed plus one row changed only there.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use storefront::{
    auth::Role,
    db,
    entities::categories,
    schema::ids::NodeKind,
    seed::{self, Scale},
};

use crate::helpers::{TestApp, TestDatabase, fresh_database, gid, spawn_with_settings};

/// Seeded category 1 is top-level; the replica calls it this instead.
const RENAMED: i64 = 1;
const REPLICA_NAME: &str = "Only On The Replica";

/// The application with a replica: both databases get the demo seed, then
/// the replica alone renames category 1.
async fn spawn_with_replica() -> (TestApp, DatabaseConnection, TestDatabase) {
    let (replica_url, replica_database) = fresh_database().await;
    let replica = db::connect(&replica_url, 2, Duration::from_secs(10))
        .await
        .expect("connect to the replica");
    Migrator::up(&replica, None)
        .await
        .expect("migrate the replica");
    seed::run(&replica, Scale::Tiny.plan(), 7, false)
        .await
        .expect("seed the replica");
    replica
        .execute_unprepared(&format!(
            "UPDATE categories SET name = '{REPLICA_NAME}' WHERE id = {RENAMED}"
        ))
        .await
        .expect("rename on the replica");
    let url = replica_url.clone();
    let app = spawn_with_settings(Scale::Tiny.plan(), move |settings| {
        settings.database_read_url = Some(url.into());
    })
    .await;
    (app, replica, replica_database)
}

async fn category_named(db: &DatabaseConnection, name: &str) -> Option<categories::Model> {
    categories::Entity::find()
        .filter(categories::Column::Name.eq(name))
        .one(db)
        .await
        .expect("query")
}

#[tokio::test]
async fn queries_read_from_the_replica() {
    let (app, _replica, _kept) = spawn_with_replica().await;

    let data = app
        .data(
            "query($id: ID!) { category(id: $id) { name } }",
            json!({ "id": gid(NodeKind::Category, RENAMED) }),
        )
        .await;

    assert_eq!(data["category"]["name"], REPLICA_NAME);
}

#[tokio::test]
async fn mutations_write_to_the_primary_and_read_from_it() {
    let (app, replica, _kept) = spawn_with_replica().await;
    let primary_name = categories::Entity::find_by_id(RENAMED)
        .one(&app.db)
        .await
        .expect("query")
        .expect("seeded category")
        .name;
    let (_, token) = app.signed_in(Role::Admin).await;

    let data = app
        .data_as(
            &token,
            "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { name parent { name } } }",
            json!({ "input": { "name": "Written Here", "parentId": gid(NodeKind::Category, RENAMED) } }),
        )
        .await;

    assert_eq!(
        data["createCategory"]["parent"]["name"],
        primary_name.as_str()
    );
    assert!(category_named(&app.db, "Written Here").await.is_some());
    assert!(category_named(&replica, "Written Here").await.is_none());
}
