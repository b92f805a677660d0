//! Services: processes started during `apply`, probed until ready, and stopped when it ends.
//!
//! A service runs without a shell in its own process group, with stdout and stderr written to a
//! log file in the run directory. Readiness is an HTTP 2xx answer or a TCP connect, polled with
//! backoff until a timeout; a process that exits early or never gets ready fails its step with
//! the tail of its log. Every service is stopped at the end of `apply`, even when a later step
//! fails or the run is interrupted: SIGTERM to the whole group, then SIGKILL after a grace period.

mod process;
mod readiness;
mod supervisor;

pub use process::RunningService;
pub use readiness::Probe;
pub use supervisor::Supervisor;

use crate::executor::{ApplyContext, PlanContext};
use crate::manifest::{Address, NodeKind};
use crate::plan::{Action, Outcome, Step};
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
        code(service::not_ready),
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
        code(service::bad_probe),
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

/// Plans a service: it always runs.
///
/// # Errors
/// Never today; the signature matches the other executors.
pub async fn plan_service(context: &PlanContext<'_>, name: &str) -> Result<Step, ServiceError> {
    let service = &context.manifest().service[name];
    let command = service.run.join(" ");
    let ready = match &service.ready {
        Some(ready) => format!(
            ", ready when {} answers (timeout {})",
            ready.target,
            humantime::format_duration(ready.timeout.map_or(DEFAULT_READY_TIMEOUT, |t| t.get()))
        ),
        None => String::new(),
    };
    let cwd = service.cwd.as_deref().unwrap_or(".");
    let mut step = Step::new(
        Address::new(NodeKind::Service, name),
        Action::Run,
        format!("start `{command}` in {cwd}{ready}"),
    );
    step.details = service
        .env
        .iter()
        .map(|(key, value)| format!("env {key}={value}"))
        .collect();
    Ok(step)
}

/// Starts a service and waits until it is ready; the supervisor stops it when `apply` ends.
///
/// # Errors
/// [`ServiceError`] when it cannot start, exits early or never gets ready.
pub async fn apply_service(
    context: &ApplyContext<'_>,
    step: &Step,
) -> Result<Outcome, ServiceError> {
    let name = &step.address.name;
    let service = &context.manifest().service[name];
    let mut running = RunningService::start(name, service, &context.base_dir(), &context.run_dir)?;
    let log = running.log_path.display().to_string();
    let pid = running.pid();
    let waited = match running
        .wait_ready(service.ready.as_ref(), &context.cancel)
        .await
    {
        Ok(waited) => waited,
        Err(error) => {
            running.stop().await;
            return Err(error);
        }
    };
    context.supervisor.adopt(running).await;
    let mut outcome = Outcome::done(format!(
        "started (pid {pid}), ready after {}",
        humantime::format_duration(Duration::from_millis(
            u64::try_from(waited.as_millis()).unwrap_or(u64::MAX)
        ))
    ));
    outcome.details.push(format!("log: {log}"));
    Ok(outcome)
}
