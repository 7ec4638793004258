//! `spawn_app()`: a fresh database (a new PostgreSQL database when
//! `DATABASE_URL` points at PostgreSQL, else a temporary SQLite file), the
//! real application on port 0, and typed helpers to talk to it.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use clap::Parser;
use migration::{Migrator, MigratorTrait};
use reqwest::{StatusCode, header::HeaderMap};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, Database, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use storefront::{
    auth::{KeyRing, Role},
    cli::Cli,
    config::{Environment, Settings},
    db,
    entities::{categories, products, reviews, stock_adjustments, users},
    schema::ids::{self, NodeKind},
    seed::{self, Scale, SeedPlan},
    startup::{self, Application},
};
use tokio::sync::oneshot;

pub mod process;
pub mod redis_server;
pub mod ws;

/// Where the test database lives, removed when the test ends.
pub enum TestDatabase {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { server_url: String, name: String },
}

/// The HS256 secret every test application signs with, so that tests can
/// mint tokens for users they create directly in the database.
pub const TEST_JWT_SECRET: &str = "test-secret-of-at-least-thirty-two-bytes!";

/// A running application and a direct connection to its database.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    /// Where `db` points, for commands run against the same database.
    pub database_url: String,
    /// The same keys as the server's: `token()` mints valid access tokens.
    pub keys: Arc<KeyRing>,
    /// The Redis key prefix of this deployment, shared by its other
    /// instances.
    pub redis_prefix: String,
    /// Held for its `Drop`, which removes the database.
    _database: TestDatabase,
    stop: Option<oneshot::Sender<()>>,
}

/// A raw HTTP answer.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

/// The defaults of the command line, with a test database, port 0 and a
/// short drain: tests run with the limits and settings users get.
pub fn settings(database_url: String, environment: Environment) -> Settings {
    let mut settings = Cli::try_parse_from(["storefront"])
        .expect("default settings")
        .serve;
    settings.database.url = database_url.into();
    settings.http.listen = "127.0.0.1:0".parse().expect("static address");
    settings.environment = environment;
    settings.database.max_connections = 8;
    settings.http.shutdown_timeout = Duration::from_secs(1);
    settings.no_migrate = false;
    settings.auth.jwt_secret = Some(TEST_JWT_SECRET.into());
    // With `REDIS_URL` set (CI's second pass) every app fans out through
    // that Redis, each under its own prefix so parallel tests never meet.
    settings.redis.prefix = redis_server::unique_prefix();
    // Most tests write rows straight to the database and then read them
    // through the API; the caches would rightly not know, and statement
    // counts would depend on what earlier reads left. Their own tests
    // (`response_cache`, `entity_cache`) turn them on.
    settings.cache.response_ttl = Duration::ZERO;
    settings.cache.entity_ttl = Duration::ZERO;
    settings
}

/// The key ring of `settings`, as the server builds it.
pub fn key_ring(settings: &Settings) -> KeyRing {
    startup::key_ring(settings).expect("test key ring")
}

/// A file under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// With `DATABASE_URL` set to a PostgreSQL server, tests must reach it: an
/// unreachable server fails the test instead of silently skipping it.
pub async fn fresh_database() -> (String, TestDatabase) {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let name = format!("sf_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&url)
                .await
                .unwrap_or_else(|err| panic!("PostgreSQL at DATABASE_URL is unreachable: {err}"));
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.expect("close admin connection");
            let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
            (
                format!("{base}/{name}"),
                TestDatabase::Postgres {
                    server_url: url.clone(),
                    name,
                },
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, TestDatabase::Sqlite { _dir: dir })
        }
    }
}

/// The application on the tiny demo data set (what `serve` loads when empty).
pub async fn spawn_app() -> TestApp {
    spawn_with(Scale::Tiny.plan(), Environment::Development).await
}

/// The application on the tiny demo data set, its test settings changed by
/// `adjust` first (limits, keys, token lifetimes).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_with_settings(Scale::Tiny.plan(), adjust).await
}

/// The application on a database seeded with `plan` (seed 7).
pub async fn spawn_seeded(plan: SeedPlan) -> TestApp {
    spawn_with(plan, Environment::Development).await
}

/// The application in `environment` on a database seeded with `plan`.
pub async fn spawn_with(plan: SeedPlan, environment: Environment) -> TestApp {
    spawn_with_settings(plan, |settings| settings.environment = environment).await
}

/// The application on a database seeded with `plan`, its test settings
/// changed by `adjust` first (keys, token lifetimes, grace window).
pub async fn spawn_with_settings(plan: SeedPlan, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, database) = fresh_database().await;
    let db = db::connect(&url, 4, Duration::from_secs(10))
        .await
        .expect("connect");
    Migrator::up(&db, None).await.expect("migrate");
    seed::run(&db, plan, 7, false).await.expect("seed");
    let mut settings = settings(url.clone(), Environment::Development);
    adjust(&mut settings);
    let keys = Arc::new(key_ring(&settings));
    let redis_prefix = settings.redis.prefix.clone();
    let app = Application::build(settings)
        .await
        .expect("build application");
    let address = app.address();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        database_url: url,
        keys,
        redis_prefix,
        _database: database,
        stop: Some(stop),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Stops the server as SIGTERM would: it stops accepting and drains.
    pub fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// The value of the Prometheus sample whose line starts with `metric`
    /// and contains every one of `labels` (0 when absent).
    pub async fn metric(&self, metric: &str, labels: &[&str]) -> f64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .filter(|line| line.starts_with(metric) && labels.iter().all(|l| line.contains(l)))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// POSTs an operation as JSON; returns the whole response body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let reply = self
            .post_json(
                json!({ "query": query, "variables": variables }),
                "application/json",
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }

    /// A valid access token for `user_id` with `role`.
    pub fn token(&self, user_id: i64, role: Role) -> String {
        self.keys.issue(user_id, role).expect("issue token").token
    }

    /// Inserts a user with `role` straight into the database (the demo
    /// password hash is not needed: tests mint tokens with `token()`).
    pub async fn create_user(&self, role: Role) -> i64 {
        let now = chrono::Utc::now();
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let user = users::ActiveModel {
            email: Set(format!("{tag}@test.example")),
            name: Set(format!("Test {}", &tag[..8])),
            password_hash: Set("!".to_owned()),
            role: Set(role),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert user");
        user.id
    }

    /// Signs in through the `login` mutation; returns the `AuthPayload`
    /// (`accessToken`, `refreshToken`, `expiresAt`, `user { id email role }`).
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let data = self
            .data(
                "mutation($input: LoginInput!) { login(input: $input) { \
                 accessToken refreshToken expiresAt user { id email role } } }",
                json!({ "input": { "email": email, "password": password } }),
            )
            .await;
        data["login"].clone()
    }

    /// A new user with `role` and a token for them.
    pub async fn signed_in(&self, role: Role) -> (i64, String) {
        let id = self.create_user(role).await;
        (id, self.token(id, role))
    }

    /// POSTs an operation with `Authorization: Bearer <token>`; returns the
    /// status and whole body.
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Reply {
        self.post_with(
            json!({ "query": query, "variables": variables }).to_string(),
            &[
                ("content-type", "application/json"),
                ("accept", "application/json"),
                ("authorization", &format!("Bearer {token}")),
            ],
        )
        .await
    }

    /// Like `data`, signed in with `token`.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let reply = self.gql_as(token, query, variables).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(
            reply.body.get("errors").is_none(),
            "unexpected errors: {}",
            reply.body
        );
        reply.body["data"].clone()
    }

    /// POSTs an operation and returns `data`, failing on any error.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// POSTs `body` as JSON with the given `Accept`.
    pub async fn post_json(&self, body: Value, accept: &str) -> Reply {
        self.post_raw(body.to_string(), "application/json", accept)
            .await
    }

    /// POSTs raw bytes with the given content type and `Accept`.
    pub async fn post_raw(&self, body: String, content_type: &str, accept: &str) -> Reply {
        self.post_with(body, &[("content-type", content_type), ("accept", accept)])
            .await
    }

    /// POSTs raw bytes to `/graphql` with exactly `headers`, in order (a
    /// name given twice is sent twice): every test POST is built here.
    pub async fn post_with(&self, body: String, headers: &[(&str, &str)]) -> Reply {
        let request = headers.iter().fold(
            self.client.post(self.url("/graphql")),
            |request, (name, value)| request.header(*name, *value),
        );
        let response = request.body(body).send().await.expect("request");
        Reply::read(response).await
    }

    /// GETs a page or probe (`/healthz`, `/metrics`, GraphiQL) with `Accept:
    /// accept`; `*/*` is what a plain reqwest GET sends.
    pub async fn get_page(&self, path: &str, accept: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("accept", accept)
            .send()
            .await
            .unwrap_or_else(|err| panic!("GET {path}: {err}"))
    }

    /// A catalog query still answers with data after whatever the test threw
    /// at the server.
    pub async fn assert_still_serving(&self) {
        let data = self
            .data("{ products(first: 2) { nodes { id } } }", json!({}))
            .await;
        assert_eq!(data["products"]["nodes"].as_array().map(Vec::len), Some(2));
    }

    /// The stored user with `email` (as normalised: trimmed, lower case).
    pub async fn user_by_email(&self, email: &str) -> users::Model {
        users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(&self.db)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no user {email}"))
    }

    /// How many users are stored.
    pub async fn user_count(&self) -> u64 {
        users::Entity::find().count(&self.db).await.expect("count")
    }

    /// A product row as stored, which must exist.
    pub async fn product_row(&self, product: i64) -> products::Model {
        products::Entity::find_by_id(product)
            .one(&self.db)
            .await
            .expect("read product")
            .expect("product exists")
    }

    /// The stored reviews of a product.
    pub async fn reviews_of(&self, product: i64) -> Vec<reviews::Model> {
        reviews::Entity::find()
            .filter(reviews::Column::ProductId.eq(product))
            .all(&self.db)
            .await
            .expect("query")
    }

    /// GETs `/graphql` with query-string parameters.
    pub async fn get(&self, params: &[(&str, &str)], accept: &str) -> Reply {
        let response = self
            .client
            .get(self.url("/graphql"))
            .query(params)
            .header("accept", accept)
            .send()
            .await
            .expect("request");
        Reply::read(response).await
    }
}

/// Another server on a test application's database, as a second instance
/// behind a load balancer would be; stopped when dropped.
pub struct Instance {
    pub address: SocketAddr,
    _stop: oneshot::Sender<()>,
}

impl TestApp {
    /// Starts another server on this application's database, its test
    /// settings changed by `adjust` first.
    pub async fn another_instance(&self, adjust: impl FnOnce(&mut Settings)) -> Instance {
        let mut settings = settings(self.database_url.clone(), Environment::Development);
        settings.redis.prefix.clone_from(&self.redis_prefix);
        adjust(&mut settings);
        let app = Application::build(settings)
            .await
            .expect("build another instance");
        let address = app.address();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        Instance {
            address,
            _stop: stop,
        }
    }
}

impl TestApp {
    /// Waits until `/readyz` reports `value` for `component`.
    pub async fn wait_for_readiness(&self, component: &str, value: &str) {
        for _ in 0..400 {
            let ready: Value = self
                .get_page("/readyz", "*/*")
                .await
                .json()
                .await
                .expect("a JSON body");
            if ready[component] == value {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("/readyz never reported {component}: {value}");
    }
}

impl Reply {
    async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Self {
            status,
            headers,
            body,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let TestDatabase::Postgres { server_url, name } = self else {
            return;
        };
        let (server_url, database) = (server_url.clone(), name.clone());
        // Drop may run inside a test's runtime; use a thread with its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let admin = Database::connect(&server_url)
                    .await
                    .map_err(std::io::Error::other)?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                    .await
                    .map_err(std::io::Error::other)?;
                Ok::<_, std::io::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {name}");
        }
    }
}

/// Every catalog row, in id order: equal before and after a refused
/// mutation when it wrote nothing.
#[derive(Debug, PartialEq)]
pub struct CatalogRows {
    pub categories: Vec<categories::Model>,
    pub products: Vec<products::Model>,
    pub reviews: Vec<reviews::Model>,
    pub stock_adjustments: Vec<stock_adjustments::Model>,
}

impl TestApp {
    /// The catalog as it is in the database now.
    pub async fn catalog_rows(&self) -> CatalogRows {
        CatalogRows {
            categories: self.all_rows(categories::Column::Id).await,
            products: self.all_rows(products::Column::Id).await,
            reviews: self.all_rows(reviews::Column::Id).await,
            stock_adjustments: self.all_rows(stock_adjustments::Column::Id).await,
        }
    }

    /// Every row of the table whose id column is `id`, in id order.
    async fn all_rows<E, C>(&self, id: C) -> Vec<E::Model>
    where
        E: EntityTrait,
        C: ColumnTrait<EntityName = E>,
    {
        E::find()
            .order_by_asc(id)
            .all(&self.db)
            .await
            .expect("read catalog rows")
    }

    /// Sends `query` as `token` (anonymous when `None`), asserts that it
    /// fails with `code` (and `field`, when given), and that the catalog
    /// in the database did not change.
    pub async fn assert_refused(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        code: &str,
        field: Option<&str>,
    ) -> Value {
        let before = self.catalog_rows().await;
        let body = match token {
            Some(token) => self.gql_as(token, query, variables).await.body,
            None => self.gql(query, variables).await,
        };
        assert_error(&body, code, field);
        assert_eq!(
            self.catalog_rows().await,
            before,
            "a refused mutation wrote"
        );
        body
    }

    /// `assert_refused` for each of `operations`, all sent as `token` and
    /// refused with the same `code` on the same `field`.
    pub async fn assert_all_refused<'q>(
        &self,
        token: &str,
        code: &str,
        field: Option<&str>,
        operations: impl IntoIterator<Item = (&'q str, Value)>,
    ) {
        for (query, variables) in operations {
            self.assert_refused(Some(token), query, variables, code, field)
                .await;
        }
    }
}

/// Asserts that a response failed with one error, `code` on `field`
/// (`extensions.field`, which must be absent when `field` is `None`).
pub fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    let error = only_error(body);
    assert_eq!(error["extensions"]["code"], code, "{body}");
    assert_eq!(error["extensions"]["field"].as_str(), field, "{body}");
}

/// `extensions.stats.sqlStatements` of a response.
pub fn statements(body: &Value) -> u64 {
    body["extensions"]["stats"]["sqlStatements"]
        .as_u64()
        .unwrap_or_else(|| panic!("no stats in {body}"))
}

/// `extensions.code` of the single error of a response.
pub fn error_code(body: &Value) -> String {
    only_error(body)["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in {body}"))
        .to_owned()
}

/// The message of the single error of a response.
pub fn error_message(body: &Value) -> &str {
    only_error(body)["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {body}"))
}

/// The keys of the JSON object `value`, in the order the response gave
/// them: the order is part of what the field-order tests assert.
pub fn object_keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// The single error of a response, asserting there is exactly one.
pub fn only_error(body: &Value) -> &Value {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {body}"));
    assert_eq!(errors.len(), 1, "{body}");
    &errors[0]
}

/// A plan with enough rows for paging and batching tests.
pub fn catalog_plan() -> SeedPlan {
    SeedPlan {
        users: 40,
        top_categories: 6,
        subcategories: 4,
        products: 80,
        reviews: 600,
        orders: 10,
    }
}

/// The global ID of a `kind` row, as the API spells it.
pub fn gid(kind: NodeKind, id: i64) -> String {
    ids::encode(kind, id).0
}

/// The row id inside a global ID.
pub fn row_id(global: &Value) -> i64 {
    ids::decode(global.as_str().expect("an ID string"), "id")
        .expect("a global ID")
        .1
}

/// A user's global ID spelled out by hand, `base64url("User:<id>")`: tests
/// that check the wire format of IDs do not trust `ids::encode` for it.
pub fn user_global_id(user_id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("User:{user_id}"))
}
