//! The command line, as clap sees it. Nothing here does I/O: `run` turns these into a validated
//! [`Globals`](crate::globals::Globals) first.

use crate::format_args::FormatArgs;
use crate::settings::ColorChoice;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// One manifest for a backend's whole lifecycle: scaffold, migrate, run services, load-test.
#[derive(Debug, Parser)]
#[command(
    name = "backendctl",
    version,
    about,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The manifest to read.
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        value_name = "PATH",
        env = "BACKENDCTL_FILE"
    )]
    pub file: Option<PathBuf>,
    /// When to use colour.
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,
    /// Show more detail (`-v`).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented starter backend.kdl.
    Init(InitArgs),
    /// Check a manifest and list every problem.
    Validate(ValidateArgs),
    /// Show what apply would do.
    Plan(PlanArgs),
    /// Scaffold, migrate, start services and run scenarios.
    Apply(ApplyArgs),
    /// Print the manifest's JSON Schema.
    Schema,
    /// Print each effective setting and where it came from.
    Config(ConfigArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Run migrations without a manifest.
    Migrate(crate::migrate::cli::MigrateArgs),
    /// Run an ad-hoc load test.
    Load(crate::load::cli::LoadArgs),
    /// Scaffold a project without a manifest.
    Scaffold(crate::scaffold::cli::ScaffoldArgs),
    /// Serve a manifest's mock routes.
    Mock(crate::mock::cli::MockArgs),
    /// Render, compare and merge results files.
    Report(crate::report::cli::ReportArgs),
}

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the manifest (default: backend.kdl, or `-f`).
    pub path: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// Write a scenario that loads this OpenAPI 3.0/3.1 document's operations (GETs, and
    /// others with example bodies) and checks the responses against it.
    #[arg(long, value_name = "FILE")]
    pub from_openapi: Option<PathBuf>,
}

/// `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The manifest (default: backend.kdl, or `-f`).
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Override a manifest value: `--set database.main.url=sqlite://app.db` (repeatable).
    #[arg(long = "set", value_name = "POINTER=VALUE")]
    pub set: Vec<String>,
}

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub format: FormatArgs,
    /// Save the plan for `apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan one node and what it needs.
    #[arg(long, value_name = "ADDRESS")]
    pub only: Option<String>,
    /// Override a manifest value: `--set database.main.url=sqlite://app.db` (repeatable).
    #[arg(long = "set", value_name = "POINTER=VALUE")]
    pub set: Vec<String>,
}

/// `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved by `plan --out`; refused when stale.
    pub plan: Option<PathBuf>,
    /// Apply one node and what it needs.
    #[arg(long, value_name = "ADDRESS")]
    pub only: Option<String>,
    /// Apply without asking for confirmation. Without a terminal to ask on, `apply` refuses
    /// unless this is given (or `BACKENDCTL_AUTO_APPROVE=1` is set) or a saved plan is applied.
    #[arg(
        long,
        short = 'y',
        env = "BACKENDCTL_AUTO_APPROVE",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub yes: bool,
    /// Run shard I of N of every scenario (`--shard 2/4`): one N-th of its virtual users or
    /// rate, for distributed runs merged with `report merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Write this run's logs and reports under DIR (relative to the current directory),
    /// instead of the `report_dir` setting; DIR/latest names the last run's directory.
    #[arg(long, value_name = "DIR", value_parser = absolute_path)]
    pub report_dir: Option<PathBuf>,
    /// Override a manifest value: `--set database.main.url=sqlite://app.db` (repeatable).
    #[arg(long = "set", value_name = "POINTER=VALUE")]
    pub set: Vec<String>,
}

/// `config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// A path from the command line made absolute against the current directory (not resolved:
/// no symbolic link is followed, and it need not exist yet).
///
/// # Errors
/// When the path is empty.
pub fn absolute_path(text: &str) -> Result<PathBuf, String> {
    std::path::absolute(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// clap's own consistency checks over every subcommand (duplicate names, conflicting ids).
    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
