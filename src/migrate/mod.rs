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
//! - [`executor`]: the manifest's plan and apply for `database` and `migrations` nodes;
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
