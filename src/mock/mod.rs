//! Placeholder until the mock capability lands: the executor signatures are final.

pub mod cli;

use crate::executor::{ApplyContext, PlanContext};
use crate::globals::Globals;
use crate::plan::{Outcome, Step};

/// A mock failure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The capability is not built yet.
    #[error("mock is not built yet")]
    #[diagnostic(code(mock::not_built))]
    NotBuilt,
}

/// Plans a `mock` node.
///
/// # Errors
/// [`Error`].
pub async fn plan_mock(_context: &PlanContext<'_>, _name: &str) -> Result<Step, Error> {
    Err(Error::NotBuilt)
}

/// Applies a `mock` step.
///
/// # Errors
/// [`Error`].
pub async fn apply_mock(_context: &ApplyContext<'_>, _step: &Step) -> Result<Outcome, Error> {
    Err(Error::NotBuilt)
}

/// `backendctl mock …`.
///
/// # Errors
/// [`Error`].
pub async fn run(_args: cli::MockArgs, _globals: &Globals) -> Result<u8, Error> {
    Err(Error::NotBuilt)
}
