//! The `ringside` binary: parse the command line, set up logging, run the chosen subcommand.

use clap::Parser;
use ringside::cli::{Cli, Command};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        // Benchmarks print figures; a log line per request would drown them.
        Command::Bench(_) | Command::Ci(_) | Command::Token(_) => {
            ringside::app::telemetry::init_with_default("warn")
        }
        _ => ringside::app::telemetry::init(),
    }
    match cli.command {
        Command::Serve(args) => ringside::app::startup::serve(args).await,
        Command::Migrate(args) => ringside::app::startup::migrate(args).await,
        Command::Demo(args) => ringside::app::demo::run(args).await,
        Command::Simulate(args) => {
            ringside::simulator::run(args.into(), ringside::app::shutdown::signal()).await
        }
        Command::Generate(args) => ringside::tools::generate::run(args).await,
        Command::Bench(args) => ringside::tools::bench::run(args).await,
        Command::Token(args) => ringside::tools::token::run(args).await,
        Command::Ci(args) => std::process::exit(ringside::tools::ci::run(args).await.code()),
    }
}
