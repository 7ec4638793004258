//! `storefront migrate up|down|status|fresh`, run as the real binary on a
//! fresh database of the backend the tests run on.

use std::{process::Command, time::Duration};

use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use storefront::{
    db,
    seed::{self, Scale},
};

use crate::helpers::{TestDatabase, fresh_database};

/// An empty database and the URL the command line reaches it by.
struct EmptyDatabase {
    url: String,
    _database: TestDatabase,
}

impl EmptyDatabase {
    async fn new() -> Self {
        let (url, database) = fresh_database().await;
        Self {
            url,
            _database: database,
        }
    }

    /// Runs `storefront migrate <action>`, asserts that it succeeded and
    /// returns what it printed.
    fn migrate(&self, action: &str) -> String {
        let output = Command::new(env!("CARGO_BIN_EXE_storefront"))
            .args(["migrate", action])
            .env("DATABASE_URL", &self.url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run storefront");
        assert!(
            output.status.success(),
            "migrate {action} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8")
    }

    /// `migrate status` as `(status, name)` pairs, in the order printed.
    fn status(&self) -> Vec<(String, String)> {
        self.migrate("status")
            .lines()
            .map(|line| {
                let (status, name) = line
                    .split_once(' ')
                    .unwrap_or_else(|| panic!("not a status line: {line:?}"));
                (status.to_owned(), name.trim().to_owned())
            })
            .collect()
    }

    async fn connect(&self) -> DatabaseConnection {
        db::connect(&self.url, 2, Duration::from_secs(10))
            .await
            .expect("connect")
    }
}

/// Every migration's name, sorted: the order they must be applied and listed in.
fn names_in_order() -> Vec<String> {
    let mut names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect();
    names.sort();
    names
}

/// `status` lists every migration once, in name order, the newest
/// `pending` of them pending and the rest applied.
fn assert_status(status: &[(String, String)], pending: usize) {
    let names = names_in_order();
    let expected: Vec<(String, String)> = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let word = if index + pending >= names.len() {
                "Pending"
            } else {
                "Applied"
            };
            (word.to_owned(), name.clone())
        })
        .collect();
    assert_eq!(status, expected);
}

#[tokio::test]
async fn migrate_status_lists_every_migration_as_pending_in_name_order_on_an_empty_database() {
    let database = EmptyDatabase::new().await;

    let status = database.status();

    assert_status(&status, names_in_order().len());
}

#[tokio::test]
async fn migrate_up_applies_every_migration_and_a_second_up_changes_nothing() {
    let database = EmptyDatabase::new().await;

    database.migrate("up");
    database.migrate("up");

    assert_status(&database.status(), 0);
    let db = database.connect().await;
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .expect("pending")
            .is_empty()
    );
}

#[tokio::test]
async fn migrate_down_reverts_only_the_newest_applied_migration_each_time() {
    let database = EmptyDatabase::new().await;
    database.migrate("up");

    database.migrate("down");
    assert_status(&database.status(), 1);
    database.migrate("down");
    assert_status(&database.status(), 2);

    // Applying them again creates their tables anew: `down` really dropped them.
    database.migrate("up");
    assert_status(&database.status(), 0);
}

#[tokio::test]
async fn migrate_fresh_after_up_empties_every_table_and_applies_every_migration() {
    let database = EmptyDatabase::new().await;
    database.migrate("up");
    let db = database.connect().await;
    seed::run(&db, Scale::Tiny.plan(), 7, false)
        .await
        .expect("seed");
    db.close().await.expect("close");

    database.migrate("fresh");

    assert_status(&database.status(), 0);
    let db = database.connect().await;
    assert!(seed::is_empty(&db).await.expect("count rows"));
}
