//! Everything that can go wrong while scaffolding, each with a help line for the user.

use std::path::PathBuf;

/// A scaffolding failure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ScaffoldError {
    /// The project name cannot be an npm package name.
    #[error("invalid project name {name:?}: {reason}")]
    #[diagnostic(
        code(scaffold::name),
        help(
            "use lowercase letters, digits, '-', '.' and '_', starting with a letter or digit (at most 214 characters)"
        )
    )]
    InvalidName {
        /// The rejected name.
        name: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// The data layer cannot generate code for the database engine, or the stack has its own.
    #[error("{reason}")]
    #[diagnostic(code(scaffold::data_choice), help("{help}"))]
    DataChoice {
        /// What cannot be generated.
        reason: String,
        /// The choices that can.
        help: String,
    },

    /// A path (a project path or a rendered file path) is not a safe relative path.
    #[error("unsafe path {path:?}: {reason}")]
    #[diagnostic(
        code(scaffold::path),
        help(
            "paths must be relative, use '/' separators and never contain '..', '.' or empty segments"
        )
    )]
    UnsafePath {
        /// The rejected path.
        path: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// A rendered file would be written outside the target directory (for example through a symlink).
    #[error("{path} resolves outside the project directory {root}")]
    #[diagnostic(code(scaffold::escape))]
    Escapes {
        /// The file that would escape.
        path: PathBuf,
        /// The project directory.
        root: PathBuf,
    },

    /// The target directory holds files and was not created by backendctl.
    #[error("{} is not empty and was not created by backendctl", .0.display())]
    #[diagnostic(
        code("scaffold::not-empty"),
        help(
            "choose another path, or pass --force (`force #true` in the manifest) to scaffold into it; existing files that differ get conflict markers, nothing is overwritten"
        )
    )]
    NotEmpty(PathBuf),

    /// A template failed to parse or render (a bug in backendctl's templates).
    #[error("template {template}: {message}")]
    #[diagnostic(code(scaffold::template))]
    Template {
        /// The template's path inside `templates/`.
        template: String,
        /// minijinja's message, with the source excerpt.
        message: String,
    },

    /// A template rule file (`_rules.kdl`) is malformed.
    #[error("template rules {file}: {message}")]
    #[diagnostic(code(scaffold::rules))]
    Rules {
        /// The rules file.
        file: String,
        /// What is wrong.
        message: String,
    },

    /// The project record `.backendctl/scaffold.json` cannot be read.
    #[error("cannot read the scaffold record {}: {message}", path.display())]
    #[diagnostic(
        code(scaffold::record),
        help(
            "the record holds the last render used for 3-way merges; restore it from version control"
        )
    )]
    Record {
        /// The record file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// Re-applying left conflict markers in files.
    #[error("{} file(s) have merge conflicts: {}", .0.len(), .0.join(", "))]
    #[diagnostic(
        code(scaffold::conflict),
        help("resolve the <<<<<<< / ======= / >>>>>>> markers in these files, then apply again")
    )]
    Conflicts(Vec<String>),

    /// The files changed between plan and apply.
    #[error("the files in {} changed since the plan was made", .0.display())]
    #[diagnostic(
        code(scaffold::stale),
        help("run `backendctl plan` again and review the new plan")
    )]
    Stale(PathBuf),

    /// The install (`npm install`, `uv sync --locked`) failed in a generated project.
    #[error("{command} failed in {}", dir.display())]
    #[diagnostic(
        code(scaffold::install),
        help("see the log at {}", log.display())
    )]
    Install {
        /// The command that failed.
        command: String,
        /// The project directory.
        dir: PathBuf,
        /// The installer's output.
        log: PathBuf,
    },

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    #[diagnostic(code(scaffold::io))]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl ScaffoldError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| ScaffoldError::Io { path, source }
    }
}

/// The capability's error as the engine sees it: a [`ScaffoldError`] boxed so that the engine's
/// error enums stay small.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error(transparent)]
#[diagnostic(transparent)]
pub struct Error(Box<ScaffoldError>);

impl Error {
    /// The underlying error.
    #[must_use]
    pub fn kind(&self) -> &ScaffoldError {
        &self.0
    }
}

impl From<ScaffoldError> for Error {
    fn from(error: ScaffoldError) -> Self {
        Error(Box::new(error))
    }
}
