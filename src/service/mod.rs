//! Services: processes started during `apply`, probed until ready, and stopped when it ends.
//!
//! A service runs without a shell in its own process group, with stdout and stderr written to a
//! log file in the run directory, each line with the manifest's secret values masked
//! (`masked_log.rs`). Readiness is an HTTP 2xx answer or a TCP connect, polled with
//! backoff until a timeout; a process that exits early or never gets ready fails its step with
//! the tail of its log. Every service is stopped at the end of `apply`, even when a later step
//! fails or the run is interrupted: SIGTERM to the whole group, then SIGKILL after a grace period.

mod masked_log;
mod node;
mod process;
mod readiness;

pub use node::ServiceNode;
pub use process::RunningService;
pub use readiness::Probe;

use std::time::Duration;

/// Default wait for readiness.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default grace period between SIGTERM and SIGKILL.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a service step failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ServiceError {
    /// The program could not be started.
    #[error("cannot start `{program}` for service.{name}: {source}")]
    #[diagnostic(
        code(service::spawn),
        help("check that `{program}` is installed and on PATH, and that `cwd` exists")
    )]
    Spawn {
        /// The service.
        name: String,
        /// The program.
        program: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The log file could not be created.
    #[error("cannot create the log file {path}: {source}")]
    #[diagnostic(code(service::log))]
    Log {
        /// The path.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The process exited before it was ready.
    #[error(
        "service.{name} exited with {status} before it was ready; last lines of {log}:\n{tail}"
    )]
    #[diagnostic(
        code(service::exited),
        help("run the command by hand in `cwd` to see why it stops")
    )]
    ExitedEarly {
        /// The service.
        name: String,
        /// How it exited.
        status: String,
        /// The log file.
        log: String,
        /// The last lines of the log.
        tail: String,
    },
    /// The process never answered its readiness probe.
    #[error(
        "service.{name} was not ready at {target} after {waited}; last lines of {log}:\n{tail}"
    )]
    #[diagnostic(
        code("service::not-ready"),
        help(
            "raise `timeout=` on `ready`, or check that the service listens where `ready` points"
        )
    )]
    NotReady {
        /// The service.
        name: String,
        /// The probe target.
        target: String,
        /// How long we waited.
        waited: String,
        /// The log file.
        log: String,
        /// The last lines of the log.
        tail: String,
    },
    /// Ctrl-C arrived while waiting for readiness; the process was stopped.
    #[error("service.{name} was stopped before it was ready: interrupted")]
    #[diagnostic(code(service::interrupted))]
    Interrupted {
        /// The service.
        name: String,
    },
    /// The readiness target is not usable.
    #[error("service.{name}: bad readiness target `{target}`: {reason}")]
    #[diagnostic(
        code("service::bad-probe"),
        help("use `http://host:port/path` or `tcp://host:port`")
    )]
    BadProbe {
        /// The service.
        name: String,
        /// The target.
        target: String,
        /// Why.
        reason: String,
    },
}
