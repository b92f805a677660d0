//! Migrations: the `database` and `migrations` nodes and `backendctl migrate …`.
//!
//! Layout, one concept per file, lowest first (imports go one way, down this list):
//! - [`error`]: what can go wrong, each with its code, help and exit code;
//! - `dialect`, `url`: the engines and their URLs; `follow_up`: how to spell a suggested command;
//! - `layout`: the layouts read (backendctl, golang-migrate, sqlx, dbmate, goose, Flyway, Diesel,
//!   Prisma) and what each directory entry is; `source`: reading a set's files;
//! - `checksum`: normalised, versioned checksums (CRLF is not drift);
//! - `split`: statements of a file, per dialect;
//! - `history`: the history and log tables and the SQL that writes them;
//! - `other_tool`: other tools' history tables, read to adopt a database;
//! - `status`: files compared with history;
//! - `lint`: dangerous DDL;
//! - `driver`: one connection per run — lock, history, execution — per engine;
//! - `engine`: up / down / redo / repair / baseline / resolve;
//! - `mongo`: the same commands on a MongoDB database (`mongodb://`), its own driver and runner;
//! - `migration_target`: the one place that tells SQL from MongoDB, by the URL, once: a
//!   `MigrationTarget` that every caller below holds;
//! - [`target`]: the typed `database` and `migrations` targets, planned and applied;
//! - `node`: the `database` and `migrations` node kinds at the engine's boundary;
//! - `command`: the `migrate` subcommands, run on one set's targets;
//! - [`cli`]: the `migrate` flags, ad hoc; `manifest_sets`: the same commands on the manifest's
//!   sets.

mod checksum;
pub mod cli;
mod command;
pub mod deadlines;
mod dialect;
mod driver;
mod engine;
pub mod error;
mod follow_up;
mod history;
mod layout;
mod limits;
mod lint;
mod manifest_sets;
mod migration_target;
mod mongo;
mod node;
mod other_tool;
mod progress;
mod source;
mod split;
mod status;
pub mod target;
mod url;

pub use command::{MigrateCommand, RunFlags};
pub use error::MigrateError;
pub use other_tool::Tool;

pub use node::{DatabaseNode, MigrationsNode};

/// The error type of migrations.
pub type Error = MigrateError;

/// `backendctl migrate …`: runs the command on the manifest's sets, or ad hoc with `--dir`.
///
/// # Errors
/// [`MigrateError`] from the command.
pub async fn run(
    args: cli::MigrateArgs,
    globals: &crate::globals::Globals,
) -> Result<u8, MigrateError> {
    if manifest_sets::applies(&args, globals) {
        manifest_sets::run(&args, globals).await
    } else {
        args.execute().await
    }
}
