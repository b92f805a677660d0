//! Writes a run's reports: a format on stdout (`--output`), files chosen by extension
//! (`--save report.html`, `--save junit.xml`), the full `run.json` (`--out`), and a Markdown
//! summary appended to `$GITHUB_STEP_SUMMARY` when GitHub Actions sets it. The load engine
//! calls these after a run (`load` sits above `report`; `report` never imports `load`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::report::{html, junit, markdown, summary};
use crate::results::report_format::ReportFormat;
use crate::results::report_outputs::ReportOutputs;
use crate::results::run_report::RunReport;

/// The files each scenario run leaves in its run directory, by extension
/// (`scenario-NAME.json`, `.html`, `.junit.xml`).
pub(crate) const RUN_FILES: [(&str, ReportFormat); 3] = [
    ("json", ReportFormat::Json),
    ("html", ReportFormat::Html),
    ("junit.xml", ReportFormat::Junit),
];

/// Writes every report `outputs` asks for; `default` is what stdout gets without `--output`.
pub(crate) fn write(
    report: &RunReport,
    outputs: &ReportOutputs,
    default: ReportFormat,
) -> Result<(), ReportWriteError> {
    let format = outputs.output.unwrap_or(default);
    let text = render(report, format)?;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(ReportWriteError::Write {
            path: PathBuf::from("stdout"),
            source: e,
        });
    }
    for path in &outputs.save {
        let format = ReportFormat::of_path(path)
            .ok_or_else(|| ReportWriteError::UnknownExtension { path: path.clone() })?;
        write_file(path, &render(report, format)?)?;
    }
    if let Some(path) = &outputs.out {
        write_file(path, &render(report, ReportFormat::Json)?)?;
    }
    append_to_step_summary(&markdown::render(report))
}

/// Renders `report` in `format`.
pub(crate) fn render(report: &RunReport, format: ReportFormat) -> Result<String, ReportWriteError> {
    let unrenderable = |reason: String| ReportWriteError::Render { reason };
    Ok(match format {
        ReportFormat::Text => summary::render(report),
        ReportFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(report).map_err(|e| unrenderable(e.to_string()))?;
            s.push('\n');
            s
        }
        ReportFormat::Html => html::render(report),
        ReportFormat::Junit => junit::render(report).map_err(unrenderable)?,
        ReportFormat::Markdown => markdown::render(report),
    })
}

/// Writes `text` to `path`, creating parent directories.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), ReportWriteError> {
    let unwritable = |source| ReportWriteError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(unwritable)?;
    }
    std::fs::write(path, text).map_err(unwritable)
}

/// Appends `text` to `$GITHUB_STEP_SUMMARY`, when set.
pub(crate) fn append_to_step_summary(text: &str) -> Result<(), ReportWriteError> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = PathBuf::from(path);
    let unwritable = |source| ReportWriteError::Write {
        path: path.clone(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(unwritable)?;
    file.write_all(text.as_bytes()).map_err(unwritable)
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
        code("report::unknown-extension"),
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
}
