//! The `storefront` command line of the contract.

pub mod persisted;
pub mod user;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{
    config::{DatabaseSettings, LogFormat, Settings},
    seed::Scale,
};

/// `storefront [serve|migrate|seed|schema|user|persisted]`; `serve` when no command is
/// given, in which case the serve flags stand on their own.
#[derive(Parser)]
#[command(
    name = "storefront",
    version,
    about = "Storefront GraphQL commerce backend",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Log format: `json` (one object per line) or `pretty`.
    #[arg(
        long,
        env = "STOREFRONT_LOG_FORMAT",
        value_enum,
        default_value = "json",
        global = true
    )]
    pub log_format: LogFormat,

    /// What to do; serving is the default.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The serve settings, when no command is given.
    #[command(flatten)]
    pub serve: Settings,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (the default).
    Serve(Box<Settings>),
    /// Apply, revert or inspect database migrations.
    Migrate(MigrateArgs),
    /// Load deterministic demo data into an empty database.
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL); must equal the committed `schema.graphql`.
    Schema,
    /// Manage accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Register trusted documents.
    #[command(subcommand)]
    Persisted(persisted::PersistedCommand),
}

impl Cli {
    /// The command to run: `serve` with the top-level flags when none is named.
    pub fn into_command(self) -> Command {
        self.command
            .unwrap_or_else(|| Command::Serve(Box::new(self.serve)))
    }
}

/// What `storefront migrate` does.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the newest applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table and apply all migrations again.
    Fresh,
}

/// Flags of `storefront migrate`.
#[derive(Args)]
pub struct MigrateArgs {
    /// `up` (default), `down` (one step), `status` or `fresh` (drop everything, re-apply).
    #[arg(value_enum, default_value = "up")]
    pub action: MigrateAction,
    /// The database to migrate.
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Flags of `storefront seed`.
#[derive(Args)]
pub struct SeedArgs {
    /// Preset sizes; explicit counts below override single figures.
    #[arg(long, value_enum, default_value = "tiny")]
    pub scale: Scale,
    /// Number of users.
    #[arg(long)]
    pub users: Option<usize>,
    /// Number of products.
    #[arg(long)]
    pub products: Option<usize>,
    /// Number of orders.
    #[arg(long)]
    pub orders: Option<usize>,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The database to fill.
    #[command(flatten)]
    pub database: DatabaseSettings,
}
