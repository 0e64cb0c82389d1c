//! The `ringside` binary: parse the command line, set up logging, run the chosen subcommand.

use clap::Parser;
use ringside::config::{Cli, Command};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    ringside::telemetry::init();
    match cli.command {
        Command::Serve(args) => ringside::startup::serve(args).await,
        Command::Migrate(args) => ringside::startup::migrate(args).await,
        Command::Demo(args) => ringside::demo::run(args).await,
        Command::Simulate(args) => ringside::simulator::run(args).await,
    }
}
