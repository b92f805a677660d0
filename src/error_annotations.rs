//! The annotation for the error a command ends with (`--format github|gitlab`): each problem
//! of an invalid manifest at its line and column; any other error once, on the manifest, unless
//! something more precise was already recorded (a failed step at its node's line, a failed
//! migration at its statement's line).

use crate::annotation::{self, Annotation, Collector, Level};
use crate::error::Error;
use crate::manifest::LoadError;
use miette::Diagnostic;
use std::path::Path;

/// Records the annotations of `error`; `manifest` is the manifest the command read (or would).
pub(crate) fn record(error: &Error, manifest: &Path) {
    if let Error::Manifest(LoadError::Invalid(invalid)) = error {
        for problem in invalid.records() {
            let mut message = problem.message.clone();
            if let Some(label) = problem.label.as_deref().filter(|label| !label.is_empty()) {
                message.push_str(&format!("\n{label}"));
            }
            if let Some(help) = &problem.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            annotation::record(Annotation::error(
                problem.file,
                (problem.line, problem.column),
                problem.code,
                problem.message,
                message,
            ));
        }
        if invalid.more > 0 {
            annotation::record(Annotation::error(
                &invalid.path,
                (None, None),
                "manifest::more-problems",
                format!("{} more problems", invalid.more),
                "only the first problems of the manifest are listed; fix those and run again",
            ));
        }
        return;
    }
    let recorded = Collector::take();
    let precise = recorded.iter().any(|a| a.level == Level::Error);
    for annotation in recorded {
        annotation::record(annotation);
    }
    if precise {
        return;
    }
    // The innermost diagnostic says what went wrong and what to do (`cannot plan X` wraps the
    // node kind's own error).
    let mut lines = vec![error.to_string()];
    let mut innermost: &dyn Diagnostic = error;
    while let Some(source) = innermost.diagnostic_source() {
        lines.push(source.to_string());
        innermost = source;
    }
    let code = innermost
        .code()
        .or_else(|| error.code())
        .map_or_else(|| "backendctl::error".to_owned(), |code| code.to_string());
    if let Some(help) = innermost.help().or_else(|| error.help()) {
        lines.push(format!("help: {help}"));
    }
    annotation::record(Annotation::error(
        manifest.display().to_string(),
        (None, None),
        code,
        error
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
        lines.join("\n"),
    ));
}
