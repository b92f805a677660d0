//! Where a run's reports go, as the command line says: a format on stdout (`--output`), files
//! chosen by extension (`--save report.html`), and the full `run.json` (`--out`). Shared by
//! `backendctl load` and `backendctl report render|merge`; the writing itself is `report`'s
//! (`report/report_files.rs`), reached through the `ReportWriter` port.

use std::path::PathBuf;

use crate::results::report_format::ReportFormat;

/// Report flags shared by `load` and `report render`.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ReportOutputs {
    /// What to print on stdout.
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<ReportFormat>,

    /// Also write a report to FILE, in the format its extension names
    /// (.html, .json, .xml for JUnit, .md, .txt); repeatable.
    #[arg(long, value_name = "FILE")]
    pub save: Vec<PathBuf>,

    /// Write the full results (`run.json`, with histograms) to FILE.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
