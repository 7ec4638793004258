//! Builds and runs the application: tests start exactly what `main` starts.

use std::{future::Future, io, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use axum::Router;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::{
    auth::{
        KeyRing, passwords,
        tokens::{KeySources, TokenPolicy},
    },
    cache::{Cache, CachePlan, PersistedDocuments, RedisStore},
    cli::{self, Cli, Command, MigrateAction, MigrateArgs, SeedArgs},
    config::{DashboardSettings, DatabaseSettings, DatabaseUrl, EventSettings, Settings},
    db,
    events::{DashboardHub, EventHub, InProcessBus, RedisFanout, dashboard, dispatcher, retention},
    http, metrics,
    ratelimit::RateLimits,
    schema::{self, build_schema},
    seed::{self, Scale},
    services::persisted::{self, TrustedDocuments},
    services::{housekeeping, outbox},
    state::{AppComponents, AppState},
};

/// Runs the command line's command.
pub async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.into_command() {
        Command::Serve(settings) => {
            Application::build(*settings)
                .await?
                .run_until_stopped()
                .await?;
            Ok(())
        }
        Command::Migrate(args) => migrate(args).await,
        Command::Seed(args) => seed_command(args).await,
        Command::Schema => {
            print!("{}", schema::sdl());
            Ok(())
        }
        Command::User(command) => cli::user::run(command).await,
        Command::Persisted(command) => cli::persisted::run(command).await,
    }
}

/// The pool the settings describe, with the URL's password hidden in errors.
pub async fn connect(database: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    db::connect(
        database.url.expose(),
        database.max_connections,
        database.acquire_timeout,
    )
    .await
    .with_context(|| format!("connecting to {}", database.url))
}

/// A pool on the read replica at `url`, sized like the primary's. Its
/// migrations are the primary's, replicated: they are not applied here.
async fn connect_replica(
    database: &DatabaseSettings,
    url: &DatabaseUrl,
) -> anyhow::Result<DatabaseConnection> {
    db::connect(
        url.expose(),
        database.max_connections,
        database.acquire_timeout,
    )
    .await
    .with_context(|| format!("connecting to the read replica {url}"))
}

async fn migrate(
    MigrateArgs {
        action,
        mut database,
    }: MigrateArgs,
) -> anyhow::Result<()> {
    // One connection: on SQLite `fresh` drops the tables with foreign-key
    // checks turned off by a PRAGMA, which holds only on the connection it
    // ran on. From a pool, a drop could land on another connection, whose
    // checks then fail it (`no such table: main.users`).
    database.max_connections = 1;
    let db = connect(&database).await?;
    match action {
        MigrateAction::Up => Migrator::up(&db, None).await?,
        MigrateAction::Down => Migrator::down(&db, Some(1)).await?,
        MigrateAction::Fresh => Migrator::fresh(&db).await?,
        MigrateAction::Status => {
            for migration in Migrator::get_migration_with_status(&db).await? {
                println!(
                    "{:<10} {}",
                    format!("{:?}", migration.status()),
                    migration.name()
                );
            }
        }
    }
    Ok(())
}

async fn seed_command(args: SeedArgs) -> anyhow::Result<()> {
    let db = connect(&args.database).await?;
    Migrator::up(&db, None).await?;
    let plan = args
        .scale
        .plan()
        .with_counts(args.users, args.products, args.orders);
    let started = std::time::Instant::now();
    let report = seed::run(&db, plan, args.seed, true).await?;
    println!(
        "seeded {} users, {} categories, {} products, {} reviews, {} orders ({} lines) in {:.1}s",
        report.users,
        report.categories,
        report.products,
        report.reviews,
        report.orders,
        report.order_items,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The caches and the persisted-document store the settings ask for:
/// shared through Redis when `REDIS_URL` is set, else in process; each
/// cache is off with a TTL of 0. Test aids apply in development only.
fn caches(settings: &Settings) -> anyhow::Result<(Cache, PersistedDocuments, Option<RedisStore>)> {
    let config = &settings.cache;
    let plan = CachePlan {
        response_ttl: config.response_ttl,
        response_max_bytes: config.response_max_mb.saturating_mul(1 << 20),
        response_local_ttl: config.response_l1_ttl,
        entity_ttl: config.entity_ttl,
        local_ttl: config.entity_l1_ttl,
        local_max_entries: config.entity_l1_entries,
        entity_store_delay: if settings.is_development() {
            config.entity_store_delay
        } else {
            Duration::ZERO
        },
    };
    let redis = settings
        .redis
        .url
        .as_ref()
        .map(|url| {
            let prefix = &settings.redis.prefix;
            RedisStore::new(url.expose(), prefix, plan.response_ttl, plan.entity_ttl)
        })
        .transpose()
        .with_context(|| "REDIS_URL is not a Redis URL")?;
    let cache = match &redis {
        Some(store) => Cache::redis(store.clone(), &plan),
        None => Cache::in_process(&plan),
    };
    let documents = redis
        .clone()
        .map_or_else(PersistedDocuments::in_process, PersistedDocuments::redis);
    Ok((cache, documents, redis))
}

/// A bound, ready-to-serve application.
pub struct Application {
    listener: TcpListener,
    router: Router,
    sockets: http::Sockets,
    address: SocketAddr,
    connection_limits: http::ConnectionLimits,
    development: bool,
    db: DatabaseConnection,
    idempotency_key_ttl: Duration,
    events: EventHub,
    outbox_position: i64,
    event_settings: EventSettings,
    fanout: Option<RedisFanout>,
    dashboard: DashboardHub,
    dashboard_settings: DashboardSettings,
}

impl Application {
    /// Connects, migrates (unless told not to), loads demo data into an
    /// empty development database, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = connect(&settings.database).await?;
        if settings.no_migrate {
            let pending = Migrator::get_pending_migrations(&db).await?.len();
            if pending > 0 {
                anyhow::bail!(
                    "{pending} migrations are pending and --no-migrate is set; run `storefront migrate up`"
                );
            }
        } else {
            Migrator::up(&db, None)
                .await
                .context("applying migrations")?;
        }
        if settings.is_development() && seed::is_empty(&db).await? {
            let report = seed::run(&db, Scale::Tiny.plan(), 1, false).await?;
            tracing::info!(products = report.products, "loaded the tiny demo data set");
        }
        let limits = &settings.limits;
        let budget = usize::try_from(limits.rate_limit_budget).unwrap_or(usize::MAX);
        if budget > 0 && budget < limits.max_complexity {
            tracing::warn!(
                budget,
                max_complexity = limits.max_complexity,
                "STOREFRONT_RATE_LIMIT_BUDGET is below STOREFRONT_MAX_COMPLEXITY: operations costing more than the budget are always refused"
            );
        }
        let development = settings.is_development();
        let keys = Arc::new(key_ring(&settings)?);
        passwords::warm_up()
            .await
            .map_err(|_| anyhow::anyhow!("argon2 cannot hash with the configured parameters"))?;
        let read_db = match &settings.database_read_url {
            Some(url) => Some(connect_replica(&settings.database, url).await?),
            None => None,
        };
        let sockets = http::Sockets::default();
        let outbox_position = outbox::latest(&db)
            .await
            .context("reading the event outbox")?;
        let events = EventHub::new(
            Arc::new(InProcessBus::new(outbox_position)),
            development && settings.events.fault_exit_after_commit,
        );
        let dashboard = DashboardHub::default();
        let fanout = settings
            .redis
            .url
            .as_ref()
            .map(|url| RedisFanout::new(url.expose(), &settings.redis.prefix))
            .transpose()
            .with_context(|| "REDIS_URL is not a Redis URL")?;
        let (cache, documents, redis_cache) = caches(&settings)?;
        let rate_limits = match &redis_cache {
            Some(redis) => RateLimits::shared(&settings.limits, redis),
            None => RateLimits::in_process(&settings.limits),
        };
        for manifest in &settings.persisted.manifests {
            let trusted = cli::persisted::documents_in(manifest)?;
            let added = persisted::register(&db, &trusted).await.map_err(|err| {
                anyhow::anyhow!(
                    "registering {}: {}",
                    manifest.display(),
                    err.client_message()
                )
            })?;
            tracing::info!(manifest = %manifest.display(), added, "registered trusted documents");
        }
        let state = AppState::new(AppComponents {
            sockets: sockets.clone(),
            keys,
            read_db,
            schema: build_schema(
                &settings,
                events.clone(),
                dashboard.clone(),
                cache.clone(),
                rate_limits,
            ),
            cache,
            documents,
            redis_cache,
            trusted: TrustedDocuments::new(db.clone()),
            events: events.clone(),
            fanout: fanout.as_ref().map(RedisFanout::health),
            metrics: metrics::handle()?,
            db: db.clone(),
            settings: Arc::new(settings.clone()),
        });
        let listener = TcpListener::bind(settings.http.listen)
            .await
            .with_context(|| format!("binding {}", settings.http.listen))?;
        let address = listener.local_addr()?;
        Ok(Self {
            listener,
            router: http::router(state),
            sockets,
            address,
            connection_limits: http::ConnectionLimits {
                header_read_timeout: settings.http.header_read_timeout,
                keep_alive_timeout: settings.http.keep_alive_timeout,
                max_connections: usize::try_from(settings.http.max_client_connections)
                    .unwrap_or(usize::MAX),
                drain_timeout: settings.http.shutdown_timeout,
            },
            development,
            db,
            idempotency_key_ttl: settings.idempotency_key_ttl,
            events,
            outbox_position,
            event_settings: settings.events.clone(),
            fanout,
            dashboard,
            dashboard_settings: settings.dashboard.clone(),
        })
    }

    /// Where the server listens (the real port when configured with port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until SIGTERM or Ctrl-C, then drains.
    pub async fn run_until_stopped(self) -> io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes; in-flight requests then get the
    /// configured drain time before the server closes their connections.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        if self.development {
            tracing::info!(address = %self.address, graphiql = %format!("http://{}/", self.address), "serving");
        } else {
            tracing::info!(address = %self.address, "serving");
        }
        let housekeeping = tokio::spawn(keep_house(self.db.clone(), self.idempotency_key_ttl));
        let mut tasks = Vec::new();
        if let Some(fanout) = &self.fanout {
            tasks.push(tokio::spawn(
                fanout.clone().listen_forever(self.events.wake().clone()),
            ));
            tasks.push(tokio::spawn(
                fanout
                    .clone()
                    .announce_forever(self.events.announce().clone()),
            ));
        }
        tasks.push(tokio::spawn(dashboard::refresh_forever(
            self.dashboard,
            self.db.clone(),
            self.events.clone(),
            self.dashboard_settings,
        )));
        let dispatcher = tokio::spawn(dispatcher::run(
            self.db.clone(),
            self.events,
            self.event_settings.poll_interval,
            self.fanout.as_ref().map(RedisFanout::health),
            self.outbox_position,
        ));
        let pruning = tokio::spawn(retention::prune_forever(
            self.db,
            self.event_settings.retention,
        ));
        http::serve(
            self.listener,
            self.router,
            self.connection_limits,
            self.sockets,
            stop,
        )
        .await;
        housekeeping.abort();
        dispatcher.abort();
        pruning.abort();
        for task in tasks {
            task.abort();
        }
        Ok(())
    }
}

/// How often expired refresh-token families and idempotency keys are deleted.
const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(3600);

/// Prunes expired rows once an hour while the server runs; a failed pass is
/// logged and retried at the next tick.
async fn keep_house(db: DatabaseConnection, idempotency_key_ttl: Duration) {
    let mut ticks = tokio::time::interval(HOUSEKEEPING_INTERVAL);
    loop {
        ticks.tick().await;
        let now = crate::domain::clock::now();
        let keys_created_before = chrono::Duration::from_std(idempotency_key_ttl)
            .ok()
            .and_then(|ttl| now.checked_sub_signed(ttl))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        match housekeeping::prune(&db, now, keys_created_before).await {
            Ok(pruned) => tracing::info!(
                refresh_tokens = pruned.refresh_tokens,
                idempotency_keys = pruned.idempotency_keys,
                "pruned expired rows"
            ),
            Err(err) => tracing::warn!(error = %err, "pruning expired rows failed"),
        }
    }
}

/// The access-token keys: configured ones, or in development a random
/// secret (tokens then die with the process).
pub fn key_ring(settings: &Settings) -> anyhow::Result<KeyRing> {
    let auth = &settings.auth;
    let policy = TokenPolicy {
        issuer: auth.issuer.clone(),
        audience: auth.audience.clone(),
        access_ttl: auth.access_token_ttl,
        refresh_ttl: auth.refresh_token_ttl,
        refresh_reuse_grace: auth.refresh_reuse_grace,
    };
    let read = |path: &std::path::PathBuf| {
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))
    };
    let sources = KeySources {
        secret: auth.jwt_secret.clone(),
        previous_secrets: auth.jwt_previous_secrets.clone(),
        private_key_pem: auth.private_key_file.as_ref().map(read).transpose()?,
        public_key_pem: auth.public_key_file.as_ref().map(read).transpose()?,
        previous_public_key_pems: auth
            .previous_public_key_files
            .iter()
            .map(read)
            .collect::<anyhow::Result<_>>()?,
    };
    if sources.secret.is_none() && sources.private_key_pem.is_none() {
        if !settings.is_development() {
            anyhow::bail!(
                "production needs a JWT key: set JWT_SECRET (32+ bytes) or STOREFRONT_JWT_PRIVATE_KEY_FILE"
            );
        }
        tracing::warn!(
            "JWT_SECRET is not set: using a random secret; tokens will not survive a restart"
        );
        return KeyRing::ephemeral(policy);
    }
    KeyRing::new(&sources, policy)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
