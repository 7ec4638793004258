//! The `storefront` command line of the contract.

pub mod user;

use clap::{Parser, Subcommand, ValueEnum};

use crate::{config::Settings, seed::Scale};

/// `storefront [serve|migrate|seed|schema|user]`; `serve` when no command is given.
#[derive(Parser)]
#[command(
    name = "storefront",
    version,
    about = "Storefront GraphQL commerce backend"
)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub settings: Settings,

    /// What to do; serving is the default.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (the default).
    Serve,
    /// Apply, revert or inspect database migrations.
    Migrate {
        /// `up` (default), `down` (one step), `status` or `fresh` (drop everything, re-apply).
        #[arg(value_enum, default_value = "up")]
        action: MigrateAction,
    },
    /// Load deterministic demo data into an empty database.
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL); must equal the committed `schema.graphql`.
    Schema,
    /// Manage accounts.
    #[command(subcommand)]
    User(user::UserCommand),
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

/// Flags of `storefront seed`.
#[derive(clap::Args)]
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
}
