//! Reports of load runs: the end-of-run summary, `run.json`, HTML, JUnit XML and the GitHub
//! step summary, and `backendctl report render|compare|merge` over saved `run.json` files.
//!
//! The renderers read `crate::results` only, never `load`; the load engine calls
//! [`report_files`] to print and save a finished run. The text, Markdown and HTML renderers
//! format the same `metric_row` model, and the contract checks the same `conformance_table`.

pub mod cli;
pub(crate) mod compare;
pub(crate) mod conformance_table;
pub(crate) mod html;
pub(crate) mod junit;
pub(crate) mod markdown;
pub(crate) mod merge;
pub(crate) mod metric_row;
pub(crate) mod report_files;
pub(crate) mod summary;

use std::path::{Path, PathBuf};

use crate::globals::Globals;
use crate::results::histogram::HistogramError;
use crate::results::report_format::ReportFormat;
use crate::results::run_report::{self, RunReport};
pub(crate) use report_files::ReportWriteError;

/// A report failure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// A report could not be rendered or written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] ReportWriteError),
    /// A results file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(
        code(report::unreadable),
        help("results files are written by `backendctl load --out run.json` or `apply`")
    )]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A results file is not a run report.
    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(
        code(report::malformed),
        help("results files are written by `backendctl load --out run.json` or `apply`")
    )]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Where and why the JSON did not match.
        source: serde_json::Error,
    },
    /// A results file of another format version.
    #[error("cannot read {}: format version {version} is not supported", path.display())]
    #[diagnostic(
        code("report::unsupported-version"),
        help("render it with the backendctl version that wrote it")
    )]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// Its format version.
        version: u32,
    },
    /// The comparison could not be printed.
    #[error("cannot write to stdout: {source}")]
    #[diagnostic(code(report::stdout))]
    Stdout {
        /// Why.
        source: std::io::Error,
    },
    /// Histograms could not be decoded or added.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Histogram(#[from] HistogramError),
}

/// `backendctl report …`.
///
/// # Errors
/// [`Error`].
pub async fn run(args: cli::ReportArgs, _globals: &Globals) -> Result<u8, Error> {
    match args.command {
        cli::ReportCommand::Render { file, outputs } => {
            let report = read(&file)?;
            report_files::write(&report, &outputs, ReportFormat::Text)?;
            Ok(gate(&report))
        }
        cli::ReportCommand::Compare {
            base,
            new,
            max_regression,
        } => {
            let comparisons = compare::compare(&read(&base)?, &read(&new)?, max_regression);
            crate::output::print(&compare::render(&comparisons, max_regression))
                .map_err(|source| Error::Stdout { source })?;
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
            report_files::write(&merged, &outputs, ReportFormat::Text)?;
            Ok(gate(&merged))
        }
    }
}

/// Reads a `run.json`.
pub(crate) fn read(path: &Path) -> Result<RunReport, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Unreadable {
        path: path.to_owned(),
        source,
    })?;
    let report: RunReport = serde_json::from_str(&text).map_err(|source| Error::Malformed {
        path: path.to_owned(),
        source,
    })?;
    if report.version != run_report::FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            path: path.to_owned(),
            version: report.version,
        });
    }
    Ok(report)
}

/// The exit code of a report's thresholds.
fn gate(report: &RunReport) -> u8 {
    if report.passed() {
        crate::exit_code::OK
    } else {
        crate::exit_code::THRESHOLD_BREACHED
    }
}
