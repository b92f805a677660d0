//! Apply: run a plan's steps in order, fail fast, stop everything that was started, and say
//! what ran, what failed and what was skipped.
//!
//! Executors meet the engine only at the Step / Outcome boundary ([`crate::executor`]). A
//! threshold breach is not a failure: later steps still run and the exit code is 99. Ctrl-C
//! stops the current step, stops every service, keeps what finished, and exits 130.

use crate::executor::{self, ApplyContext};
use crate::manifest::Address;
use crate::plan::{Action, Outcome, OutcomeStatus, Plan};
use crate::{exit_code, render};
use serde::Serialize;
use std::time::{Duration, Instant};

/// What happened to one step.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum StepResult {
    /// It ran.
    Done {
        /// The node.
        address: Address,
        /// What it did.
        outcome: Outcome,
        /// How long it took, in seconds.
        seconds: f64,
    },
    /// Nothing to do.
    UpToDate {
        /// The node.
        address: Address,
    },
    /// It failed.
    Failed {
        /// The node.
        address: Address,
        /// The rendered error.
        error: String,
    },
    /// It did not run.
    Skipped {
        /// The node.
        address: Address,
        /// Why.
        reason: String,
    },
}

/// The whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplyReport {
    /// Every step, in plan order.
    pub steps: Vec<StepResult>,
    /// Whether Ctrl-C stopped the run.
    pub interrupted: bool,
    /// What was stopped at the end.
    pub stopped: Vec<String>,
}

impl ApplyReport {
    /// The exit code: interrupted 130, failed 1, threshold breached 99, else 0.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        if self.interrupted {
            exit_code::INTERRUPTED
        } else if self.steps.iter().any(|step| matches!(step, StepResult::Failed { .. })) {
            exit_code::ERROR
        } else if self.steps.iter().any(|step| {
            matches!(step, StepResult::Done { outcome, .. } if outcome.status == OutcomeStatus::ThresholdBreached)
        }) {
            exit_code::THRESHOLD_BREACHED
        } else {
            exit_code::OK
        }
    }

    /// `Apply: 3 done, 1 up to date, 1 failed (migrations.core), 2 skipped.`
    #[must_use]
    pub fn summary_line(&self) -> String {
        let count =
            |predicate: fn(&StepResult) -> bool| self.steps.iter().filter(|s| predicate(s)).count();
        let done = count(|s| matches!(s, StepResult::Done { .. }));
        let up_to_date = count(|s| matches!(s, StepResult::UpToDate { .. }));
        let skipped = count(|s| matches!(s, StepResult::Skipped { .. }));
        let failed: Vec<String> = self
            .steps
            .iter()
            .filter_map(|s| match s {
                StepResult::Failed { address, .. } => Some(address.to_string()),
                _ => None,
            })
            .collect();
        let breached: Vec<String> = self
            .steps
            .iter()
            .filter_map(|s| match s {
                StepResult::Done {
                    address, outcome, ..
                } if outcome.status == OutcomeStatus::ThresholdBreached => {
                    Some(address.to_string())
                }
                _ => None,
            })
            .collect();
        let mut parts = vec![format!("{done} done")];
        if up_to_date > 0 {
            parts.push(format!("{up_to_date} up to date"));
        }
        if !failed.is_empty() {
            parts.push(format!("{} failed ({})", failed.len(), failed.join(", ")));
        }
        if !breached.is_empty() {
            parts.push(format!("thresholds breached in {}", breached.join(", ")));
        }
        if skipped > 0 {
            parts.push(format!("{skipped} skipped"));
        }
        let head = if self.interrupted {
            "Apply interrupted"
        } else {
            "Apply"
        };
        format!("{head}: {}.", parts.join(", "))
    }
}

/// Runs `plan`; `report_line` receives each progress line as it happens.
pub async fn apply(
    plan: &Plan,
    context: &ApplyContext<'_>,
    report_line: &mut dyn FnMut(String),
) -> ApplyReport {
    let mut report = ApplyReport::default();
    let redactor = context.redactor().clone();
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let mut stop_reason: Option<String> = None;
    for step in &plan.steps {
        let address = step.address.clone();
        if let Some(reason) = &stop_reason {
            report.steps.push(StepResult::Skipped {
                address,
                reason: reason.clone(),
            });
            continue;
        }
        if step.action == Action::UpToDate {
            report_line(format!("  = {address}  up to date"));
            report.steps.push(StepResult::UpToDate { address });
            continue;
        }
        report_line(format!(
            "  {} {address}  {}",
            step.action.symbol(),
            redactor.redact(&step.summary)
        ));
        let started = Instant::now();
        let result = tokio::select! {
            result = executor::apply_step(context, step) => Some(result),
            _ = &mut interrupt => None,
        };
        let seconds = started.elapsed().as_secs_f64();
        match result {
            None => {
                report.interrupted = true;
                report_line(format!("    interrupted after {}", format_seconds(seconds)));
                report.steps.push(StepResult::Skipped {
                    address,
                    reason: "interrupted".to_owned(),
                });
                stop_reason = Some("interrupted".to_owned());
            }
            Some(Ok(outcome)) => {
                let marker = match outcome.status {
                    OutcomeStatus::Done => "done",
                    OutcomeStatus::ThresholdBreached => "THRESHOLD BREACHED",
                };
                report_line(format!(
                    "    {marker} in {}: {}",
                    format_seconds(seconds),
                    redactor.redact(&outcome.summary)
                ));
                for detail in &outcome.details {
                    report_line(format!("      {}", redactor.redact(detail)));
                }
                report.steps.push(StepResult::Done {
                    address,
                    outcome,
                    seconds,
                });
            }
            Some(Err(error)) => {
                let rendered = redactor
                    .redact(&render::diagnostic_plain(&error))
                    .into_owned();
                report_line(format!("    failed after {}:", format_seconds(seconds)));
                for line in rendered.lines() {
                    report_line(format!("    {line}"));
                }
                report.steps.push(StepResult::Failed {
                    address: address.clone(),
                    error: rendered,
                });
                stop_reason = Some(format!("{address} failed"));
            }
        }
    }
    report.stopped = context.supervisor.stop_all().await;
    for line in &report.stopped {
        report_line(format!("  - {line}"));
    }
    report
}

fn format_seconds(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{}ms", Duration::from_secs_f64(seconds).as_millis())
    } else {
        format!("{seconds:.1}s")
    }
}
