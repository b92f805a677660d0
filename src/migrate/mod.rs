//! Migrations: SQL migration sets applied to SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Placeholder until the migration engine lands (issue 3): the executor signatures are final.

pub mod cli;

use crate::executor::{ApplyContext, PlanContext};
use crate::globals::Globals;
use crate::plan::{Outcome, Step};

/// A migration failure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The capability is not built yet.
    #[error("migrations are not built yet")]
    #[diagnostic(code(migrate::not_built))]
    NotBuilt,
}

/// Plans a `database` node.
///
/// # Errors
/// [`Error`].
pub async fn plan_database(_context: &PlanContext<'_>, _name: &str) -> Result<Step, Error> {
    Err(Error::NotBuilt)
}

/// Applies a `database` step.
///
/// # Errors
/// [`Error`].
pub async fn apply_database(_context: &ApplyContext<'_>, _step: &Step) -> Result<Outcome, Error> {
    Err(Error::NotBuilt)
}

/// Plans a `migrations` node.
///
/// # Errors
/// [`Error`].
pub async fn plan_migrations(_context: &PlanContext<'_>, _name: &str) -> Result<Step, Error> {
    Err(Error::NotBuilt)
}

/// Applies a `migrations` step.
///
/// # Errors
/// [`Error`].
pub async fn apply_migrations(_context: &ApplyContext<'_>, _step: &Step) -> Result<Outcome, Error> {
    Err(Error::NotBuilt)
}

/// `backendctl migrate …`.
///
/// # Errors
/// [`Error`].
pub async fn run(_args: cli::MigrateArgs, _globals: &Globals) -> Result<u8, Error> {
    Err(Error::NotBuilt)
}
