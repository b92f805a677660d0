//! Reports of load runs: the end-of-run summary, `run.json`, HTML, JUnit XML and the GitHub
//! step summary, and `backendctl report render|compare|merge` over saved `run.json` files.

pub mod cli;
pub(crate) mod compare;
pub(crate) mod html;
pub(crate) mod junit;
pub(crate) mod markdown;
pub(crate) mod merge;
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
    /// A results file could not be read.
    #[error("cannot read {path}: {reason}")]
    #[diagnostic(help("results files are written by `backendctl load --out run.json` or `apply`"))]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Histograms could not be decoded or added.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Histogram(#[from] crate::load::histogram::HistogramError),
}

/// `backendctl report …`.
///
/// # Errors
/// [`Error`].
pub async fn run(args: cli::ReportArgs, _globals: &Globals) -> Result<u8, Error> {
    match args.command {
        cli::ReportCommand::Render { file, outputs } => {
            let report = read(&file)?;
            outputs.write(&report, output::OutputFormat::Text)?;
            Ok(gate(&report))
        }
        cli::ReportCommand::Compare {
            base,
            new,
            max_regression,
        } => {
            let comparisons = compare::compare(&read(&base)?, &read(&new)?, max_regression);
            crate::output::print(&compare::render(&comparisons, max_regression)).map_err(|e| {
                Error::Read {
                    path: "stdout".to_owned(),
                    reason: e.to_string(),
                }
            })?;
            Ok(if comparisons.iter().any(|c| c.regressed) {
                crate::exit_code::THRESHOLD_BREACHED
            } else {
                crate::exit_code::OK
            })
        }
        cli::ReportCommand::Merge { files, outputs } => {
            let reports = files
                .iter()
                .map(|f| read(f))
                .collect::<Result<Vec<_>, _>>()?;
            let merged = merge::merge(&reports)?;
            outputs.write(&merged, output::OutputFormat::Text)?;
            Ok(gate(&merged))
        }
    }
}

/// Reads a `run.json`.
pub(crate) fn read(path: &std::path::Path) -> Result<run_report::RunReport, Error> {
    let err = |reason: String| Error::Read {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let report: run_report::RunReport =
        serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    if report.version != run_report::FORMAT_VERSION {
        return Err(err(format!(
            "format version {} is not supported",
            report.version
        )));
    }
    Ok(report)
}

/// The exit code of a report's thresholds.
fn gate(report: &run_report::RunReport) -> u8 {
    if report.passed() {
        crate::exit_code::OK
    } else {
        crate::exit_code::THRESHOLD_BREACHED
    }
}
