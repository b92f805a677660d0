//! The formats a run report can be rendered in, and the one a file name's extension names.
//! Named `ReportFormat`, not `OutputFormat`: that is the settings' choice between text and JSON
//! for every command (`settings.rs`); this one is the report's.

use std::path::Path;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    /// The end-of-run summary.
    Text,
    /// `run.json`: everything, with histograms.
    Json,
    /// A self-contained HTML page with charts.
    Html,
    /// JUnit XML, one test case per threshold.
    Junit,
    /// A Markdown summary (as written to `$GITHUB_STEP_SUMMARY`).
    Markdown,
}

impl ReportFormat {
    /// The format a file name's extension names (`.html`, `.json`, `.xml`, `.md`, `.txt`).
    pub(crate) fn of_path(path: &Path) -> Option<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        Some(match ext.as_deref() {
            Some("html" | "htm") => Self::Html,
            Some("json") => Self::Json,
            Some("xml") => Self::Junit,
            Some("md" | "markdown") => Self::Markdown,
            Some("txt" | "text") => Self::Text,
            _ => return None,
        })
    }
}
