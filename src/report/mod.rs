//! Reports: placeholder until the report capability lands.

pub mod cli;

use crate::globals::Globals;

/// A report failure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The capability is not built yet.
    #[error("reports are not built yet")]
    #[diagnostic(code(report::not_built))]
    NotBuilt,
}

/// `backendctl report …`.
///
/// # Errors
/// [`Error`].
pub async fn run(_args: cli::ReportArgs, _globals: &Globals) -> Result<u8, Error> {
    Err(Error::NotBuilt)
}
