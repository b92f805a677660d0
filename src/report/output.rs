//! Where a run's report goes: a format on stdout (`--output`), files chosen by extension
//! (`--save report.html`, `--save junit.xml`), the full `run.json` (`--out`), and a Markdown
//! summary appended to `$GITHUB_STEP_SUMMARY` when GitHub Actions sets it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::report::run_report::RunReport;
use crate::report::{html, junit, markdown, summary};

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutputFormat {
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

/// Report flags shared by `load` and `report render`.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ReportOutputs {
    /// What to print on stdout.
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<OutputFormat>,

    /// Also write a report to FILE, in the format its extension names
    /// (.html, .json, .xml for JUnit, .md, .txt); repeatable.
    #[arg(long, value_name = "FILE")]
    pub save: Vec<PathBuf>,

    /// Write the full results (`run.json`, with histograms) to FILE.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// A report that could not be written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum OutputError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot tell the report format of {0} from its extension")]
    #[diagnostic(help("use .html, .json, .xml (JUnit), .md or .txt"))]
    UnknownExtension(String),
    #[error("cannot render the report: {0}")]
    Render(String),
}

impl ReportOutputs {
    /// Writes every requested report; `default` is what stdout gets without `--output`.
    pub(crate) fn write(
        &self,
        report: &RunReport,
        default: OutputFormat,
    ) -> Result<(), OutputError> {
        let format = self.output.unwrap_or(default);
        let text = render(report, format)?;
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(OutputError::Write {
                path: "stdout".to_owned(),
                source: e,
            });
        }
        for path in &self.save {
            let format = format_of(path)?;
            write_file(path, &render(report, format)?)?;
        }
        if let Some(path) = &self.out {
            write_file(path, &render(report, OutputFormat::Json)?)?;
        }
        append_step_summary(report)?;
        Ok(())
    }
}

/// Renders `report` in `format`.
pub(crate) fn render(report: &RunReport, format: OutputFormat) -> Result<String, OutputError> {
    Ok(match format {
        OutputFormat::Text => summary::render(report),
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(report)
                .map_err(|e| OutputError::Render(e.to_string()))?;
            s.push('\n');
            s
        }
        OutputFormat::Html => html::render(report),
        OutputFormat::Junit => junit::render(report).map_err(OutputError::Render)?,
        OutputFormat::Markdown => markdown::render(report),
    })
}

/// The format a file name's extension names.
pub(crate) fn format_of(path: &Path) -> Result<OutputFormat, OutputError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Ok(match ext.as_deref() {
        Some("html" | "htm") => OutputFormat::Html,
        Some("json") => OutputFormat::Json,
        Some("xml") => OutputFormat::Junit,
        Some("md" | "markdown") => OutputFormat::Markdown,
        Some("txt" | "text") => OutputFormat::Text,
        _ => return Err(OutputError::UnknownExtension(path.display().to_string())),
    })
}

/// Writes `text` to `path`, creating parent directories.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), OutputError> {
    let err = |source| OutputError::Write {
        path: path.display().to_string(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    std::fs::write(path, text).map_err(err)
}

/// Appends the Markdown summary to `$GITHUB_STEP_SUMMARY`, when set.
fn append_step_summary(report: &RunReport) -> Result<(), OutputError> {
    append_to_step_summary(&markdown::render(report))
}

/// Appends `text` to `$GITHUB_STEP_SUMMARY`, when set.
pub(crate) fn append_to_step_summary(text: &str) -> Result<(), OutputError> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = PathBuf::from(path);
    let err = |source| OutputError::Write {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(err)?;
    file.write_all(text.as_bytes()).map_err(err)
}

/// The current time, RFC 3339 in UTC.
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
