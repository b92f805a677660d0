//! Command-line interface (clap derive only).
//!
//! NOTE for the merge with the manifest engine (issue 2): this file only wires `migrate`; the
//! engine's `Cli` adds its own subcommands next to `Migrate`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// One manifest for a backend's whole lifecycle: scaffold, migrate, run services, load-test.
#[derive(Debug, Parser)]
#[command(name = "backendctl", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Database migrations without a manifest.
    Migrate(crate::migrate::cli::MigrateArgs),
}

/// Parses the arguments and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Migrate(args) => ExitCode::from(crate::migrate::cli::run(args)),
    }
}
