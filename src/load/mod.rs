//! Placeholder until the load capability lands: the executor signatures are final.

pub mod cli;

use crate::executor::{ApplyContext, PlanContext};
use crate::globals::Globals;
use crate::plan::{Outcome, Step};

/// A load failure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The capability is not built yet.
    #[error("load is not built yet")]
    #[diagnostic(code(load::not_built))]
    NotBuilt,
}

/// Plans a `scenario` node.
///
/// # Errors
/// [`Error`].
pub async fn plan_scenario(_context: &PlanContext<'_>, _name: &str) -> Result<Step, Error> {
    Err(Error::NotBuilt)
}

/// Applies a `scenario` step.
///
/// # Errors
/// [`Error`].
pub async fn apply_scenario(_context: &ApplyContext<'_>, _step: &Step) -> Result<Outcome, Error> {
    Err(Error::NotBuilt)
}

/// `backendctl load …`.
///
/// # Errors
/// [`Error`].
pub async fn run(_args: cli::LoadArgs, _globals: &Globals) -> Result<u8, Error> {
    Err(Error::NotBuilt)
}
