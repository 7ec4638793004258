use clap::Parser;
use storefront::{cli::Cli, startup, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.settings.log_format);
    startup::dispatch(cli).await
}
