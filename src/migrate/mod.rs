//! Migrations: the `database` and `migrations` nodes and `backendctl migrate …`.
//!
//! Layout, one concept per file:
//! - [`source`]: reading a set's files (backendctl, golang-migrate, sqlx and dbmate layouts);
//! - [`checksum`]: normalised, versioned checksums (CRLF is not drift);
//! - [`split`]: statements of a file, per dialect;
//! - [`history`]: the history and log tables and the SQL that writes them;
//! - [`driver`]: one connection per run — lock, history, execution — per engine;
//! - [`engine`]: up / down / redo / repair / baseline / resolve;
//! - [`status`]: files compared with history;
//! - [`lint`]: dangerous DDL;
//! - [`executor`]: plan and apply for `database` and `migrations` targets;
//! - [`node`]: the `database` and `migrations` node kinds at the engine's boundary;
//! - [`cli`]: the ad-hoc `migrate` subcommand.

pub mod checksum;
pub mod cli;
pub mod dialect;
pub mod driver;
pub mod engine;
pub mod error;
pub mod executor;
pub mod history;
pub mod lint;
pub mod manifest_sets;
pub mod node;
pub mod progress;
pub mod source;
pub mod split;
pub mod status;
pub mod url;

pub use dialect::Dialect;
pub use engine::{Access, Engine, Options, Resolution};
pub use error::MigrateError;
pub use source::MigrationSet;
pub use url::DbUrl;

pub use node::{DatabaseNode, MigrationsNode};

/// The error type of migrations.
pub type Error = MigrateError;

impl miette::Diagnostic for MigrateError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let code = match self {
            MigrateError::Source(_) => "migrate::source",
            MigrateError::Database { .. } => "migrate::database",
            MigrateError::LockTimeout(_) => "migrate::lock-timeout",
            MigrateError::Failed(_) => "migrate::failed",
            MigrateError::Refused(_) => "migrate::refused",
            MigrateError::Usage(_) => "migrate::usage",
        };
        Some(Box::new(code))
    }
}

/// `backendctl migrate …`: runs the ad-hoc command on the shared engine.
///
/// # Errors
/// [`MigrateError`] from the command.
pub async fn run(
    args: cli::MigrateArgs,
    globals: &crate::globals::Globals,
) -> Result<u8, MigrateError> {
    if manifest_sets::applies(&args, globals) {
        manifest_sets::run(args, globals).await
    } else {
        cli::execute(args).await
    }
}
