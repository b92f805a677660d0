//! One running service process.

use super::masked_log::MaskedLog;
use super::readiness::Probe;
use super::{DEFAULT_READY_TIMEOUT, DEFAULT_STOP_TIMEOUT, ServiceError};
use crate::manifest::model::{Readiness, Service};
use crate::secret::LogMasker;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// How long the last lines of a process that exited may take to reach its log.
const LOG_DRAIN: Duration = Duration::from_millis(500);

/// A started service process and its log.
#[derive(Debug)]
pub struct RunningService {
    /// The service's name.
    pub name: String,
    /// `service.NAME`.
    address: crate::manifest::Address,
    /// Where stdout and stderr go.
    pub log_path: PathBuf,
    /// The copy of stdout and stderr into the log, masked.
    log: MaskedLog,
    child: Child,
    /// The process id, which is also its process group's id.
    pid: u32,
    stop_timeout: Duration,
}

impl RunningService {
    /// Starts `service` in its own process group, logging to `run_dir/service-NAME.log` with
    /// `masker`'s secrets masked in every line.
    ///
    /// # Errors
    /// [`ServiceError::Log`] or [`ServiceError::Spawn`].
    pub fn start(
        name: &str,
        service: &Service,
        base_dir: &Path,
        run_dir: &Path,
        masker: LogMasker,
    ) -> Result<Self, ServiceError> {
        let log_path = run_dir.join(format!("service-{name}.log"));
        let log_error = |source| ServiceError::Log {
            path: log_path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(run_dir).map_err(log_error)?;
        let (log, stdout, stderr) = MaskedLog::start(&log_path, masker).map_err(log_error)?;
        let (program, arguments) = service
            .run
            .split_first()
            .expect("the schema requires at least one element in `run`");
        let cwd = service
            .cwd
            .as_ref()
            .map_or_else(|| base_dir.to_owned(), |cwd| base_dir.join(cwd));
        let mut command = Command::new(program);
        command
            .args(arguments)
            .current_dir(&cwd)
            .envs(service.env.iter().map(|(key, value)| (key, value.expose())))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .kill_on_drop(true);
        let child = command.spawn().map_err(|source| ServiceError::Spawn {
            name: name.to_owned(),
            program: program.clone(),
            source,
        })?;
        Ok(Self {
            name: name.to_owned(),
            address: crate::manifest::Address::new(crate::manifest::NodeKind::Service, name),
            log_path,
            log,
            pid: child.id().unwrap_or(0),
            child,
            stop_timeout: service
                .stop_timeout
                .map_or(DEFAULT_STOP_TIMEOUT, |t| t.get()),
        })
    }

    /// The process id (0 once it has been reaped).
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Polls the readiness probe with backoff until it answers, the process exits or the timeout
    /// passes. Without a probe the service is ready once started.
    ///
    /// # Errors
    /// [`ServiceError::ExitedEarly`], [`ServiceError::NotReady`], [`ServiceError::BadProbe`] or
    /// [`ServiceError::Interrupted`].
    pub async fn wait_ready(
        &mut self,
        readiness: Option<&Readiness>,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Duration, ServiceError> {
        let started = Instant::now();
        let Some(readiness) = readiness else {
            return Ok(started.elapsed());
        };
        let probe =
            Probe::parse(readiness.target.expose()).map_err(|reason| ServiceError::BadProbe {
                name: self.name.clone(),
                target: readiness.target.to_string(),
                reason,
            })?;
        let timeout = readiness.timeout.map_or(DEFAULT_READY_TIMEOUT, |t| t.get());
        let mut backoff = Duration::from_millis(25);
        loop {
            if let Some(status) = self.child.try_wait().ok().flatten() {
                self.log.drain(LOG_DRAIN);
                return Err(ServiceError::ExitedEarly {
                    name: self.name.clone(),
                    status: status.to_string(),
                    log: self.log_path.display().to_string(),
                    tail: self.log_tail(),
                });
            }
            if probe.check().await {
                return Ok(started.elapsed());
            }
            if started.elapsed() >= timeout {
                return Err(ServiceError::NotReady {
                    name: self.name.clone(),
                    target: readiness.target.to_string(),
                    waited: humantime::format_duration(timeout).to_string(),
                    log: self.log_path.display().to_string(),
                    tail: self.log_tail(),
                });
            }
            // Wake early if the process exits while we back off; stop on Ctrl-C.
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                _ = self.child.wait() => {}
                () = cancel.cancelled() => {
                    return Err(ServiceError::Interrupted { name: self.name.clone() });
                }
            }
            backoff = (backoff * 2).min(Duration::from_millis(500));
        }
    }

    /// Stops the whole process group: SIGTERM, then SIGKILL after the grace period.
    /// Returns how the process ended.
    pub async fn stop(mut self) -> String {
        // A spawned child always has a pid; 0 would name our own process group.
        let group = Pid::from_raw(
            i32::try_from(self.pid)
                .ok()
                .filter(|pid| *pid > 0)
                .unwrap_or(i32::MAX),
        );
        if let Ok(Some(status)) = self.child.try_wait() {
            // The leader is gone; whatever it left running in its group goes too.
            let _ = killpg(group, Signal::SIGKILL);
            return format!("had already exited ({status})");
        }
        let _ = killpg(group, Signal::SIGTERM);
        match tokio::time::timeout(self.stop_timeout, self.child.wait()).await {
            Ok(Ok(status)) => {
                // Children that ignored the signal still go.
                let _ = killpg(group, Signal::SIGKILL);
                format!("stopped ({status})")
            }
            _ => {
                let _ = killpg(group, Signal::SIGKILL);
                let status = self.child.wait().await;
                format!(
                    "killed after {} ({})",
                    humantime::format_duration(self.stop_timeout),
                    status.map_or_else(|error| error.to_string(), |status| status.to_string())
                )
            }
        }
    }

    /// The last 20 lines of the log.
    #[must_use]
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(20);
        let tail = lines[start..].join("\n");
        if tail.is_empty() {
            "  (the log is empty)".to_owned()
        } else {
            tail.lines()
                .map(|line| format!("  | {line}"))
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

impl crate::engine::Supervised for RunningService {
    fn address(&self) -> &crate::manifest::Address {
        &self.address
    }

    fn exited(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok()??;
        self.log.drain(LOG_DRAIN);
        Some(format!(
            "{} exited with {status} while apply still needed it; last lines of {}:\n{}",
            self.address,
            self.log_path.display(),
            self.log_tail()
        ))
    }

    fn stop(self: Box<Self>) -> futures_util::future::BoxFuture<'static, String> {
        Box::pin(async move {
            let name = self.name.clone();
            let how = (*self).stop().await;
            format!("service.{name} {how}")
        })
    }
}
