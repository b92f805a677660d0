//! Placeholder until the scaffold capability lands: the executor signatures are final.

pub mod cli;

use crate::executor::{ApplyContext, PlanContext};
use crate::globals::Globals;
use crate::plan::{Outcome, Step};

/// A scaffold failure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The capability is not built yet.
    #[error("scaffold is not built yet")]
    #[diagnostic(code(scaffold::not_built))]
    NotBuilt,
}

/// Plans a `project` node.
///
/// # Errors
/// [`Error`].
pub async fn plan_project(_context: &PlanContext<'_>, _name: &str) -> Result<Step, Error> {
    Err(Error::NotBuilt)
}

/// Applies a `project` step.
///
/// # Errors
/// [`Error`].
pub async fn apply_project(_context: &ApplyContext<'_>, _step: &Step) -> Result<Outcome, Error> {
    Err(Error::NotBuilt)
}

/// `backendctl scaffold …`.
///
/// # Errors
/// [`Error`].
pub async fn run(_args: cli::ScaffoldArgs, _globals: &Globals) -> Result<u8, Error> {
    Err(Error::NotBuilt)
}
