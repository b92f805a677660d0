//! Annotations: problems pinned to a file and line, for CI systems to show where they are
//! (`--format github` writes GitHub workflow commands, `--format gitlab` a GitLab Code Quality
//! report; `docs/annotations.md`).
//!
//! Annotations come from deep places — each migration set's lint, a failed step, a breached
//! threshold, the error that ends a command — but are rendered once, at the end, capped and
//! de-duplicated across all of them (a GitHub job shows only the first few annotations per step,
//! and a GitLab report is one JSON document). So they are gathered in one process-wide
//! [`Collector`], like stdout itself, instead of threading a sink through every command: a
//! command only calls [`record`], which does nothing unless annotations were asked for.

mod code_quality;
mod workflow_command;

use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

/// The annotations shown when `--annotations-limit` is not given.
pub const DEFAULT_LIMIT: usize = 50;

/// How annotations are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotationFormat {
    /// GitHub Actions workflow commands (`::error file=…,line=…::message`).
    Github,
    /// A GitLab Code Quality report (JSON).
    Gitlab,
}

/// How serious an annotation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// The command failed because of it.
    Error,
    /// Worth a look; the command did not fail because of it alone.
    Warning,
    /// For information.
    Notice,
}

/// One problem at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Annotation {
    /// How serious.
    pub level: Level,
    /// The file, as the command named it (made relative to the CI workspace when written).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The check that found it: a diagnostic code (`manifest::unknown-key`), a lint rule
    /// (`migrate::lint::ban-drop-column`), `load::threshold`.
    pub check: String,
    /// A short title (one line).
    pub title: String,
    /// What is wrong and what to do (may span lines).
    pub message: String,
}

impl Annotation {
    /// An error annotation at `file:line:column`.
    #[must_use]
    pub fn error(
        file: impl Into<String>,
        (line, column): (Option<usize>, Option<usize>),
        check: impl Into<String>,
        title: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            level: Level::Error,
            file: file.into(),
            line,
            column,
            check: check.into(),
            title: title.into(),
            message: message.into(),
        }
    }

    /// The same annotation as a warning.
    #[must_use]
    pub fn warning(self) -> Self {
        Self {
            level: Level::Warning,
            ..self
        }
    }
}

/// What is written: the annotations kept, in order, and how many were left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The annotations to write, de-duplicated, at most the limit.
    pub kept: Vec<Annotation>,
    /// How many distinct annotations were over the limit.
    pub left_out: usize,
}

/// De-duplicates `annotations` (first occurrence wins, order kept) and keeps the first `limit`.
#[must_use]
pub fn select(annotations: Vec<Annotation>, limit: usize) -> Selection {
    let mut seen = BTreeSet::new();
    let distinct: Vec<Annotation> = annotations
        .into_iter()
        .filter(|annotation| seen.insert(annotation.clone()))
        .collect();
    let left_out = distinct.len().saturating_sub(limit);
    let mut kept = distinct;
    kept.truncate(limit);
    Selection { kept, left_out }
}

/// Renders `annotations` for stdout: de-duplicated, capped at `limit`, paths relative to `root`
/// (the CI workspace) when they are inside it. GitHub gets a final warning saying how many were
/// left out; a GitLab report stays one JSON document, so its note is returned for stderr.
#[must_use]
pub fn render(
    annotations: Vec<Annotation>,
    format: AnnotationFormat,
    limit: usize,
    root: Option<&Path>,
) -> Rendered {
    let mut selection = select(annotations, limit);
    for annotation in &mut selection.kept {
        annotation.file = relative_to(&annotation.file, root);
    }
    let note = (selection.left_out > 0).then(|| {
        format!(
            "{} more annotation{} left out (limit {limit}: --annotations-limit)",
            selection.left_out,
            if selection.left_out == 1 { "" } else { "s" }
        )
    });
    match format {
        AnnotationFormat::Github => Rendered {
            stdout: workflow_command::render(&selection.kept, note.as_deref()),
            stderr_note: None,
        },
        AnnotationFormat::Gitlab => Rendered {
            stdout: code_quality::render(&selection.kept),
            stderr_note: note,
        },
    }
}

/// Rendered annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// For stdout.
    pub stdout: String,
    /// For stderr (the GitLab report's "left out" note).
    pub stderr_note: Option<String>,
}

/// `file` relative to `root` when it lies inside it (CI systems place annotations by paths
/// from the repository root; a command run in a subdirectory names files from there).
fn relative_to(file: &str, root: Option<&Path>) -> String {
    let Some(root) = root else {
        return file.strip_prefix("./").unwrap_or(file).to_owned();
    };
    let Ok(root) = std::fs::canonicalize(root) else {
        return file.to_owned();
    };
    let Ok(absolute) = std::path::absolute(file) else {
        return file.to_owned();
    };
    // Canonicalise what exists (symbolic links, `..`), keep the rest as written.
    let absolute = std::fs::canonicalize(&absolute).unwrap_or(absolute);
    match absolute.strip_prefix(&root) {
        Ok(relative) if !relative.as_os_str().is_empty() => {
            relative.to_string_lossy().replace('\\', "/")
        }
        _ => file.strip_prefix("./").unwrap_or(file).to_owned(),
    }
}

/// The process-wide annotations, `None` while not collecting.
static COLLECTED: Mutex<Option<Vec<Annotation>>> = Mutex::new(None);

/// The process-wide collector's switch and contents.
#[derive(Debug)]
pub struct Collector;

impl Collector {
    /// Starts collecting (`--format github|gitlab`).
    pub fn start() {
        *lock() = Some(Vec::new());
    }

    /// Whether annotations are being collected.
    #[must_use]
    pub fn is_collecting() -> bool {
        lock().is_some()
    }

    /// Everything recorded so far (and collecting goes on, empty).
    #[must_use]
    pub fn take() -> Vec<Annotation> {
        lock().as_mut().map(std::mem::take).unwrap_or_default()
    }
}

/// Records an annotation when annotations were asked for; otherwise does nothing.
pub fn record(annotation: Annotation) {
    if let Some(collected) = lock().as_mut() {
        collected.push(annotation);
    }
}

fn lock() -> std::sync::MutexGuard<'static, Option<Vec<Annotation>>> {
    // A panic while holding the lock leaves a list of plain values: still usable.
    COLLECTED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::{Annotation, select};

    fn at(line: usize, message: &str) -> Annotation {
        Annotation::error("backend.kdl", (Some(line), None), "check", "title", message)
    }

    #[test]
    fn duplicates_are_dropped_and_the_rest_capped_in_order() {
        let selection = select(
            vec![at(3, "a"), at(1, "b"), at(3, "a"), at(2, "c"), at(4, "d")],
            2,
        );
        assert_eq!(selection.kept, vec![at(3, "a"), at(1, "b")]);
        assert_eq!(selection.left_out, 2);
    }

    #[test]
    fn a_limit_above_the_count_leaves_nothing_out() {
        let selection = select(vec![at(1, "a")], 50);
        assert_eq!(selection.left_out, 0);
        assert_eq!(selection.kept.len(), 1);
    }
}
