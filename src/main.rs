//! The `ringside` binary: parse the command line, set up logging, run the chosen subcommand.

use clap::Parser;
use ringside::config::{Cli, Command};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        // Benchmarks print figures; a log line per request would drown them.
        Command::Bench(_) => ringside::telemetry::init_with_default("warn"),
        _ => ringside::telemetry::init(),
    }
    match cli.command {
        Command::Serve(args) => ringside::startup::serve(args).await,
        Command::Migrate(args) => ringside::startup::migrate(args).await,
        Command::Demo(args) => ringside::demo::run(args).await,
        Command::Simulate(args) => ringside::simulator::run(args).await,
        Command::Generate(args) => ringside::generate::run(args).await,
        Command::Bench(args) => ringside::bench::run(args).await,
    }
}
