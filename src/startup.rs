//! Builds and runs the application: tests start exactly what `main` starts.

use std::{future::Future, io, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use axum::Router;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tokio::{net::TcpListener, sync::watch};

use crate::{
    auth::{
        KeyRing, passwords,
        tokens::{KeySources, TokenPolicy},
    },
    cli::{self, Cli, Command, MigrateAction, SeedArgs},
    config::{Settings, redact_url},
    db, http, metrics,
    schema::build_schema,
    seed::{self, Scale},
    services::housekeeping,
    state::AppState,
};

/// Runs the command line's command.
pub async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?;
            Ok(())
        }
        Command::Migrate { action } => migrate(&settings, action).await,
        Command::Seed(args) => seed_command(&settings, args).await,
        Command::Schema => {
            print!("{}", build_schema(&settings).sdl());
            Ok(())
        }
        Command::User(command) => cli::user::run(&settings, command).await,
    }
}

/// The pool the settings describe, with the URL's password hidden in errors.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    connect_with(settings, settings.db_max_connections).await
}

/// A pool of at most `max_connections` to the settings' database.
async fn connect_with(
    settings: &Settings,
    max_connections: u32,
) -> anyhow::Result<DatabaseConnection> {
    db::connect(
        &settings.database_url,
        max_connections,
        settings.db_acquire_timeout(),
    )
    .await
    .with_context(|| format!("connecting to {}", redact_url(&settings.database_url)))
}

async fn migrate(settings: &Settings, action: MigrateAction) -> anyhow::Result<()> {
    // One connection: on SQLite `fresh` drops the tables with foreign-key
    // checks turned off by a PRAGMA, which holds only on the connection it
    // ran on. From a pool, a drop could land on another connection, whose
    // checks then fail it (`no such table: main.users`).
    let db = connect_with(settings, 1).await?;
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

async fn seed_command(settings: &Settings, args: SeedArgs) -> anyhow::Result<()> {
    let db = connect(settings).await?;
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

/// A bound, ready-to-serve application.
pub struct Application {
    listener: TcpListener,
    router: Router,
    address: SocketAddr,
    shutdown_timeout: Duration,
    development: bool,
    db: DatabaseConnection,
    idempotency_key_ttl: Duration,
}

impl Application {
    /// Connects, migrates (unless told not to), loads demo data into an
    /// empty development database, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = connect(&settings).await?;
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
        let budget = usize::try_from(settings.rate_limit_budget).unwrap_or(usize::MAX);
        if budget > 0 && budget < settings.max_complexity {
            tracing::warn!(
                budget,
                max_complexity = settings.max_complexity,
                "STOREFRONT_RATE_LIMIT_BUDGET is below STOREFRONT_MAX_COMPLEXITY: operations costing more than the budget are always refused"
            );
        }
        let development = settings.is_development();
        let keys = Arc::new(key_ring(&settings)?);
        passwords::warm_up()
            .await
            .map_err(|_| anyhow::anyhow!("argon2 cannot hash with the configured parameters"))?;
        let state = AppState {
            keys,
            schema: build_schema(&settings),
            metrics: metrics::handle()?,
            db: db.clone(),
            settings: Arc::new(settings.clone()),
        };
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let address = listener.local_addr()?;
        Ok(Self {
            listener,
            router: http::router(state),
            address,
            shutdown_timeout: settings.shutdown_timeout(),
            development,
            db,
            idempotency_key_ttl: settings.idempotency_key_ttl(),
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
    /// configured drain time before the server gives up on them.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        if self.development {
            tracing::info!(address = %self.address, graphiql = %format!("http://{}/", self.address), "serving");
        } else {
            tracing::info!(address = %self.address, "serving");
        }
        let (stopping, mut stopped) = watch::channel(false);
        let graceful = async move {
            stop.await;
            tracing::info!("shutting down; draining in-flight requests");
            let _ = stopping.send(true);
        };
        let server = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(graceful);
        let deadline = self.shutdown_timeout;
        let drain_limit = async move {
            if stopped.wait_for(|stopped| *stopped).await.is_err() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(deadline).await;
        };
        let housekeeping = tokio::spawn(keep_house(self.db, self.idempotency_key_ttl));
        let served = tokio::select! {
            result = server.into_future() => result,
            () = drain_limit => {
                tracing::warn!(seconds = deadline.as_secs(), "drain timed out; closing remaining connections");
                Ok(())
            }
        };
        housekeeping.abort();
        served
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
        let now = chrono::Utc::now();
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
    let policy = TokenPolicy {
        issuer: settings.jwt_issuer.clone(),
        audience: settings.jwt_audience.clone(),
        access_ttl: settings.access_token_ttl(),
        refresh_ttl: settings.refresh_token_ttl(),
        refresh_reuse_grace: settings.refresh_reuse_grace(),
    };
    let read = |path: &std::path::PathBuf| {
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))
    };
    let sources = KeySources {
        secret: settings.jwt_secret.clone(),
        previous_secrets: settings.jwt_previous_secrets.clone(),
        private_key_pem: settings
            .jwt_private_key_file
            .as_ref()
            .map(read)
            .transpose()?,
        public_key_pem: settings
            .jwt_public_key_file
            .as_ref()
            .map(read)
            .transpose()?,
        previous_public_key_pems: settings
            .jwt_previous_public_key_files
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
