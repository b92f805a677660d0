//! The port between the load engine and the report renderers. A finished run must be printed
//! and saved as text, JSON, HTML, JUnit and Markdown, but `load` may not import `report` (nor
//! `report` `load`): both sit on `results`, and the program joins them. `report` implements
//! `ReportWriter`; `lib.rs` installs that implementation once at start-up (as it installs
//! rustls' crypto provider), and `load` asks for it with `installed`.
//!
//! Why installed rather than passed: the dispatch that calls `load` for a `scenario` step
//! (`executor.rs`) does not carry it yet; once the node boundary carries a context with the
//! writer, `installed` goes away.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::results::report_format::ReportFormat;
use crate::results::report_outputs::ReportOutputs;
use crate::results::run_report::RunReport;

/// Renders run reports and writes them where they go.
pub(crate) trait ReportWriter: Sync {
    /// Renders `report` in `format`.
    fn render(&self, report: &RunReport, format: ReportFormat) -> Result<String, ReportWriteError>;

    /// Writes every report `outputs` asks for; `default` is what stdout gets without `--output`.
    fn write(
        &self,
        report: &RunReport,
        outputs: &ReportOutputs,
        default: ReportFormat,
    ) -> Result<(), ReportWriteError>;

    /// Writes `text` to `path`, creating parent directories.
    fn write_file(&self, path: &Path, text: &str) -> Result<(), ReportWriteError>;

    /// Appends `text` to `$GITHUB_STEP_SUMMARY`, when set.
    fn append_to_step_summary(&self, text: &str) -> Result<(), ReportWriteError>;
}

static INSTALLED: OnceLock<&'static dyn ReportWriter> = OnceLock::new();

/// Installs the program's report writer; later calls keep the first.
pub(crate) fn install(writer: &'static dyn ReportWriter) {
    let _ = INSTALLED.set(writer);
}

/// The installed report writer.
pub(crate) fn installed() -> Result<&'static dyn ReportWriter, ReportWriteError> {
    INSTALLED
        .get()
        .copied()
        .ok_or(ReportWriteError::NotInstalled)
}

/// A report that could not be rendered or written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReportWriteError {
    /// A file (or stdout) could not be written.
    #[error("cannot write {}: {source}", path.display())]
    #[diagnostic(
        code(report::unwritable),
        help("check that the directory exists or can be created, and is writable")
    )]
    Write {
        /// The file, or `stdout`.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `--save FILE` with an extension that names no format.
    #[error("cannot tell the report format of {} from its extension", path.display())]
    #[diagnostic(
        code(report::unknown_extension),
        help("use .html, .json, .xml (JUnit), .md or .txt")
    )]
    UnknownExtension {
        /// The file.
        path: PathBuf,
    },
    /// A renderer failed.
    #[error("cannot render the report: {reason}")]
    #[diagnostic(code(report::unrenderable))]
    Render {
        /// Why.
        reason: String,
    },
    /// No writer was installed (a bug in the program's start-up).
    #[error("no report writer is installed")]
    #[diagnostic(
        code(report::no_writer),
        help("this is a bug in backendctl: the program installs report's writer before any run")
    )]
    NotInstalled,
}
