//! The errors `run` can end with, each mapped to a documented exit code.

use crate::exit_code;

/// Why a command failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The manifest could not be read or is invalid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Manifest(#[from] crate::manifest::LoadError),
    /// Settings are invalid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    /// A step failed while planning.
    #[error("cannot plan {address}")]
    #[diagnostic(code(plan::failed))]
    Plan {
        /// The node.
        address: String,
        /// Why.
        #[source]
        #[diagnostic_source]
        source: crate::engine::NodeError,
    },
    /// A saved plan cannot be used.
    #[error(transparent)]
    #[diagnostic(transparent)]
    StalePlan(#[from] crate::engine::StalePlan),
    /// The key of a saved plan's secret fingerprints cannot be read or made.
    #[error(transparent)]
    #[diagnostic(transparent)]
    PlanKey(#[from] crate::secret::PlanKeyError),
    /// `apply` failed; the summary was printed.
    #[error("apply failed: {0}")]
    #[diagnostic(code(apply::failed))]
    ApplyFailed(String),
    /// An address on the command line is wrong.
    #[error("{message}")]
    #[diagnostic(code(usage::address), help("{help}"))]
    BadAddress {
        /// What is wrong.
        message: String,
        /// How to fix it.
        help: String,
    },
    /// `apply` has no terminal to ask for confirmation on and was not told to go ahead.
    #[error("apply needs confirmation, and there is no terminal to ask on")]
    #[diagnostic(
        code("usage::needs-approval"),
        help(
            "run `backendctl apply --yes` (or set BACKENDCTL_AUTO_APPROVE=1) to apply without asking, \
             or review with `backendctl plan --out plan.json` and apply exactly that with \
             `backendctl apply plan.json`"
        )
    )]
    NeedsApproval,
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(io::write))]
    Write {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// `init` would overwrite a file.
    #[error("{0} already exists")]
    #[diagnostic(code(init::exists), help("pass --force to overwrite it"))]
    Exists(String),
    /// Output failed.
    #[error("cannot write output: {0}")]
    #[diagnostic(code(io::output))]
    Output(#[from] std::io::Error),
    /// Interrupted by Ctrl-C.
    #[error("interrupted")]
    #[diagnostic(code("apply::interrupted"))]
    Interrupted,
    /// Migrations.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Migrate(#[from] crate::migrate::Error),
    /// Load tests.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] crate::load::Error),
    /// Scaffolding.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Scaffold(#[from] crate::scaffold::Error),
    /// Mock server.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Mock(#[from] crate::mock::Error),
    /// Reports.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Report(#[from] crate::report::Error),
}

impl Error {
    /// The process exit code for this error.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Manifest(_) => exit_code::INVALID_MANIFEST,
            Error::BadAddress { .. } | Error::NeedsApproval => exit_code::USAGE,
            Error::Interrupted => exit_code::INTERRUPTED,
            Error::Migrate(error) => error.exit_code(),
            Error::Mock(error) => error.exit_code(),
            Error::Settings(_)
            | Error::Plan { .. }
            | Error::StalePlan(_)
            | Error::PlanKey(_)
            | Error::ApplyFailed(_)
            | Error::Write { .. }
            | Error::Exists(_)
            | Error::Output(_)
            | Error::Load(_)
            | Error::Scaffold(_)
            | Error::Report(_) => exit_code::ERROR,
        }
    }
}
