//! Reports of load runs: the end-of-run summary, `run.json`, HTML, JUnit XML and the GitHub
//! step summary, and `backendctl report render|compare|merge` over saved `run.json` files.

pub mod cli;
pub(crate) mod html;
pub(crate) mod junit;
pub(crate) mod markdown;
pub mod output;
pub(crate) mod run_report;
pub(crate) mod summary;

use crate::globals::Globals;

/// A report failure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// A report could not be written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Output(#[from] output::OutputError),
    /// The capability is not built yet.
    #[error("reports are not built yet")]
    NotBuilt,
}

/// `backendctl report …`.
///
/// # Errors
/// [`Error`].
pub async fn run(_args: cli::ReportArgs, _globals: &Globals) -> Result<u8, Error> {
    Err(Error::NotBuilt)
}
