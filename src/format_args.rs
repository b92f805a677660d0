//! `--json`, `--format text|json|github|gitlab` and `--annotations-limit`: how `validate`,
//! `plan`, `apply` and `migrate lint` print their result. Its own module, below `cli.rs` and the
//! capabilities, because `migrate lint` takes the same flags.

use crate::annotation::{self, AnnotationFormat};
use clap::{Args, ValueEnum};

/// How `validate`, `plan`, `apply` and `migrate lint` print their result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommandFormat {
    /// For people.
    Text,
    /// For programs (as `--json`).
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`) on stdout; the text goes
    /// to stderr.
    Github,
    /// A GitLab Code Quality report (JSON) on stdout; the text goes to stderr.
    Gitlab,
}

/// `--json`, `--format` and `--annotations-limit`, shared by the commands that can annotate.
#[derive(Debug, Clone, Args)]
pub struct FormatArgs {
    /// Print as JSON (the same as `--format json`).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// How to print: text, json, or annotations on the manifest's and migrations' lines for CI
    /// (github: workflow commands; gitlab: a Code Quality report) with the text on stderr
    /// [default: text, or the `output` setting].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<CommandFormat>,
    /// With `--format github|gitlab`: write at most N annotations (duplicates dropped first),
    /// then say how many were left out.
    #[arg(long, value_name = "N", default_value_t = annotation::DEFAULT_LIMIT)]
    pub annotations_limit: usize,
}

impl FormatArgs {
    /// Whether the result is printed as JSON: `--json`, `--format json`, or (with neither
    /// flag) `json_setting`, the `output` setting.
    #[must_use]
    pub fn json(&self, json_setting: bool) -> bool {
        match self.format {
            Some(format) => format == CommandFormat::Json,
            None => self.json || json_setting,
        }
    }

    /// The annotations asked for, if any.
    #[must_use]
    pub fn annotations(&self) -> Option<AnnotationFormat> {
        match self.format {
            Some(CommandFormat::Github) => Some(AnnotationFormat::Github),
            Some(CommandFormat::Gitlab) => Some(AnnotationFormat::Gitlab),
            Some(CommandFormat::Text | CommandFormat::Json) | None => None,
        }
    }
}
