//! The mock target: `mock "api" { route "GET" "/api/users" status=200 body="[]" latency="20ms" }`
//! and `backendctl mock FILE`. A scenario can be tried before its service exists, and the load
//! tests use it as their target. Served by axum on hyper, with fixed or log-normal latency,
//! injected error statuses, connection resets and periodic stalls.

pub mod cli;
pub(crate) mod route_behavior;
pub mod server;

use crate::executor::{ApplyContext, PlanContext};
use crate::globals::Globals;
use crate::plan::{Outcome, Step};

/// A mock failure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The server could not start or failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Server(#[from] server::MockError),
    /// The capability is not built yet.
    #[error("mock is not built yet")]
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
