use clap::Parser;
use storefront::{cli::Cli, startup, telemetry};

/// async-graphql allocates many small, short-lived objects per field;
/// mimalloc serves them far faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    startup::dispatch(cli).await
}
