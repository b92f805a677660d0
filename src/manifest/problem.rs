//! One thing wrong with a manifest, and the report that lists all of them.
//!
//! Every stage before `apply` (parse, lower, overlay, validate, deserialize, resolve) reports
//! [`Problem`]s instead of stopping at the first; [`InvalidManifest`] renders them as one miette
//! report sorted by position, each pointing at its token with a label and a help line.

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// A single problem in a manifest.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Stable diagnostic code, such as `manifest::unknown-key`.
    pub code: &'static str,
    /// What is wrong, as a sentence fragment.
    pub message: String,
    /// The primary span and its label, when the problem is in the file.
    pub primary: Option<(SourceSpan, String)>,
    /// Further spans (the other members of a cycle, the first definition of a duplicate).
    pub secondary: Vec<(SourceSpan, String)>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Problem {
    /// A problem with a message only.
    #[must_use]
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Points the problem at `span`.
    #[must_use]
    pub fn at(mut self, span: Option<SourceSpan>, label: impl Into<String>) -> Self {
        self.primary = span.map(|span| (span, label.into()));
        self
    }

    /// Adds a secondary span.
    #[must_use]
    pub fn also(mut self, span: Option<SourceSpan>, label: impl Into<String>) -> Self {
        if let Some(span) = span {
            self.secondary.push((span, label.into()));
        }
        self
    }

    /// Adds a help line.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Byte offset used to sort problems; problems without a span sort first.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.primary.as_ref().map_or(0, |(span, _)| span.offset())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = self
            .primary
            .iter()
            .map(|(span, label)| LabeledSpan::new_primary_with_span(Some(label.clone()), *span));
        let secondary = self
            .secondary
            .iter()
            .map(|(span, label)| LabeledSpan::new_with_span(Some(label.clone()), *span));
        let labels: Vec<_> = primary.chain(secondary).collect();
        if labels.is_empty() {
            None
        } else {
            Some(Box::new(labels.into_iter()))
        }
    }
}

/// Problems shown for one file; the rest are counted: rendering (and locating) each problem
/// costs time, and a thousand of them help nobody.
pub const MAX_PROBLEMS: usize = 100;

/// Every problem found in one manifest file.
#[derive(Debug, Clone)]
pub struct InvalidManifest {
    /// The file as the user named it.
    pub path: String,
    source: NamedSource<Arc<String>>,
    text: Arc<String>,
    /// The problems, sorted by position (the first [`MAX_PROBLEMS`]).
    pub problems: Vec<Problem>,
    /// How many more problems were found and not kept.
    pub more: usize,
}

impl InvalidManifest {
    /// Collects `problems` for the file `path` whose text is `text`, sorted by position.
    #[must_use]
    pub fn new(path: &str, text: Arc<String>, mut problems: Vec<Problem>) -> Self {
        problems.sort_by_key(Problem::offset);
        problems.dedup_by(|a, b| a.message == b.message && a.primary == b.primary);
        let more = problems.len().saturating_sub(MAX_PROBLEMS);
        problems.truncate(MAX_PROBLEMS);
        Self {
            path: path.to_owned(),
            source: NamedSource::new(path, Arc::clone(&text)),
            text,
            problems,
            more,
        }
    }

    /// The problems as JSON-friendly records with line and column.
    #[must_use]
    pub fn records(&self) -> Vec<ProblemRecord> {
        self.problems
            .iter()
            .map(|problem| {
                let (line, column) = problem.primary.as_ref().map_or((None, None), |(span, _)| {
                    let (line, column) = line_column(&self.text, span.offset());
                    (Some(line), Some(column))
                });
                ProblemRecord {
                    code: problem.code,
                    message: problem.message.clone(),
                    file: self.path.clone(),
                    line,
                    column,
                    label: problem.primary.as_ref().map(|(_, label)| label.clone()),
                    help: problem.help.clone(),
                }
            })
            .collect()
    }
}

/// One problem, as `validate --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemRecord {
    /// Stable diagnostic code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// The manifest file.
    pub file: String,
    /// 1-based line, when the problem is in the file.
    pub line: Option<usize>,
    /// 1-based column (in characters), when the problem is in the file.
    pub column: Option<usize>,
    /// The label at the span.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

/// `a`, `b`, `c`: names quoted as code and joined, for help lines.
#[must_use]
pub fn code_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|name| format!("`{}`", name.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// 1-based line and column (in characters) of a byte offset.
#[must_use]
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

impl fmt::Display for InvalidManifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len() + self.more;
        let plural = if count == 1 { "" } else { "s" };
        if self.more == 0 {
            write!(
                f,
                "{} is not a valid manifest ({count} problem{plural})",
                self.path
            )
        } else {
            write!(
                f,
                "{} is not a valid manifest ({count} problems; the first {} are shown)",
                self.path,
                self.problems.len()
            )
        }
    }
}

impl std::error::Error for InvalidManifest {}

impl Diagnostic for InvalidManifest {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("manifest::invalid"))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(
            self.problems
                .iter()
                .map(|problem| problem as &dyn Diagnostic),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "a\nünï x";
        assert_eq!(line_column(text, text.find('x').unwrap()), (2, 5));
    }
}
