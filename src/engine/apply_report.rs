//! Apply: run a plan's steps in order, fail fast, stop everything that was started, and say
//! what ran, what failed and what was skipped.
//!
//! Each step is planned again just before it runs, against the state earlier steps left.
//! Node kinds meet the engine only at the Step / Outcome boundary ([`super::Node`]). A
//! threshold breach is not a failure: later steps still run and the exit code is 99. Ctrl-C
//! stops the current step, stops every service, keeps what finished, and exits 130.

use super::{
    Action, ApplyContext, NodeError, Outcome, OutcomeStatus, Plan, Step, StopSignal, StopSignals,
};
use crate::manifest::{Address, NodeKind};
use crate::{diagnostics, exit_code};
use serde::Serialize;
use std::time::{Duration, Instant};

/// How long an interrupted step may take to clean up before it is abandoned.
const INTERRUPT_GRACE: Duration = Duration::from_secs(15);

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
        /// What it measured before it failed (a scenario's figures), if anything.
        #[serde(skip_serializing_if = "Option::is_none")]
        metrics: Option<serde_json::Value>,
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
    /// The signal that stopped the run (Ctrl-C, SIGTERM, SIGHUP), if one did.
    pub signal: Option<StopSignal>,
    /// What was stopped at the end.
    pub stopped: Vec<String>,
}

impl ApplyReport {
    /// The exit code: stopped by a signal 130/143/129, failed 1, threshold breached 99, else 0.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        if let Some(signal) = self.signal {
            signal.exit_code()
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
        match self.signal {
            None => format!("Apply: {}.", parts.join(", ")),
            Some(StopSignal::Interrupt) => format!("Apply interrupted: {}.", parts.join(", ")),
            Some(signal) => format!("Apply stopped by {}: {}.", signal.name(), parts.join(", ")),
        }
    }
}

/// Runs `plan`; `report_line` receives each progress line as it happens.
///
/// Steps run one at a time, except that consecutive steps marked `concurrent` (scenarios that
/// asked for `parallel`) that do not need each other run together, and that with the
/// `parallelism` setting above 1 up to that many consecutive independent steps other than
/// scenarios (projects, databases, migrations, mocks, services) run together.
pub async fn apply(
    plan: &Plan,
    context: &ApplyContext<'_>,
    report_line: &mut dyn FnMut(String),
) -> ApplyReport {
    let mut report = ApplyReport::default();
    // Registered now, before any step starts: a Ctrl-C or SIGTERM that arrives while the first
    // process is starting must reach us, not kill backendctl with its services still running.
    let mut signals = StopSignals::install().expect("the signal handlers install");
    let mut stop_reason: Option<String> = None;
    let mut index = 0;
    while index < plan.steps.len() {
        let batch = batch_at(&plan.steps, index, context.plan.settings.parallelism);
        index += batch.len();
        if stop_reason.is_none() {
            stop_reason = fail_exited(context, &mut report, report_line).await;
        }
        if let Some(reason) = &stop_reason {
            for step in batch {
                report.steps.push(StepResult::Skipped {
                    address: step.address.clone(),
                    reason: reason.clone(),
                });
            }
            continue;
        }
        for step in batch {
            if step.action != Action::UpToDate {
                report_line(format!(
                    "  {} {}  {}",
                    step.action.symbol(),
                    step.address,
                    step.summary
                ));
            }
        }
        let runs = futures_util::future::join_all(batch.iter().map(|step| run_step(context, step)));
        tokio::pin!(runs);
        let results = tokio::select! {
            results = &mut runs => Ok(results),
            signal = signals.recv() => {
                // Ask the steps to stop and clean up what they started; give them bounded time.
                context.cancel.cancel();
                let _ = tokio::time::timeout(INTERRUPT_GRACE, &mut runs).await;
                Err(signal)
            }
        };
        let results = match results {
            Ok(results) => results,
            Err(signal) => {
                report.signal = Some(signal);
                let reason = match signal {
                    StopSignal::Interrupt => "interrupted".to_owned(),
                    signal => format!("stopped by {}", signal.name()),
                };
                report_line(format!("    {reason}"));
                for step in batch {
                    report.steps.push(StepResult::Skipped {
                        address: step.address.clone(),
                        reason: reason.clone(),
                    });
                }
                stop_reason = Some(reason);
                continue;
            }
        };
        for (result, lines) in results {
            for line in lines {
                report_line(line);
            }
            if let StepResult::Failed { address, .. } = &result {
                stop_reason = Some(format!("{address} failed"));
            }
            report.steps.push(result);
        }
    }
    if report.signal.is_none() {
        fail_exited(context, &mut report, report_line).await;
    }
    report.stopped = context.supervisor.stop_all().await;
    for line in &report.stopped {
        report_line(format!("  - {line}"));
    }
    report
}

/// Fails the step of every started process that has exited on its own since (a service that
/// died before its dependants ran, or during the run): the run cannot be trusted. Returns the
/// reason to skip what is left, if any did.
async fn fail_exited(
    context: &ApplyContext<'_>,
    report: &mut ApplyReport,
    report_line: &mut dyn FnMut(String),
) -> Option<String> {
    let exited = context.supervisor.exited().await;
    let mut reason = None;
    for (address, error) in exited {
        report_line(format!("    {address} failed: {}", first_line(&error)));
        for line in error.lines().skip(1) {
            report_line(format!("    {line}"));
        }
        let failed = StepResult::Failed {
            address: address.clone(),
            error,
            metrics: None,
        };
        match report
            .steps
            .iter_mut()
            .find(|step| matches!(step, StepResult::Done { address: done, .. } if *done == address))
        {
            Some(step) => *step = failed,
            None => report.steps.push(failed),
        }
        reason.get_or_insert_with(|| format!("{address} exited"));
    }
    reason
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The steps starting at `index` that run together: one step; or a run of concurrent steps
/// (scenarios with `parallel #true`); or, when `parallelism` is above 1, up to that many steps
/// that are not scenarios (a scenario's figures should not share the machine with set-up work
/// unless it asks to). In each case none of them needs another in the run.
fn batch_at(steps: &[Step], index: usize, parallelism: usize) -> &[Step] {
    let first = &steps[index];
    let is_scenario = |step: &Step| step.address.kind == NodeKind::Scenario;
    let joins = |step: &Step, len: usize| {
        if first.concurrent {
            step.concurrent
        } else {
            !is_scenario(first) && !is_scenario(step) && !step.concurrent && len < parallelism
        }
    };
    let mut end = index + 1;
    while end < steps.len()
        && joins(&steps[end], end - index)
        && !steps[index..end]
            .iter()
            .any(|earlier| steps[end].needs.contains(&earlier.address))
    {
        end += 1;
    }
    &steps[index..end]
}

/// Plans one step again against current state and runs it; returns its result and the lines
/// to show.
async fn run_step(context: &ApplyContext<'_>, planned: &Step) -> (StepResult, Vec<String>) {
    let address = planned.address.clone();
    let mut lines = Vec::new();
    let failed = |error: &NodeError, lines: &mut Vec<String>, seconds: f64| {
        let rendered = diagnostics::diagnostic_plain(error);
        lines.push(format!(
            "    {address} failed after {}:",
            format_seconds(seconds)
        ));
        lines.extend(rendered.lines().map(|line| format!("    {line}")));
        StepResult::Failed {
            address: address.clone(),
            error: rendered,
            metrics: error.metrics().cloned(),
        }
    };
    // Earlier steps change the world (a scaffold writes the migrations a later set applies),
    // so each step is planned again against the current state just before it runs.
    let node = context.plan.node(address.kind);
    let step = match node.plan(&context.plan, &address.name).await {
        Ok(mut fresh) => {
            fresh.needs.clone_from(&planned.needs);
            fresh.concurrent = planned.concurrent;
            fresh
        }
        Err(error) => {
            let result = failed(&error, &mut lines, 0.0);
            return (result, lines);
        }
    };
    if step.action == Action::UpToDate {
        lines.push(format!("  = {address}  up to date"));
        return (StepResult::UpToDate { address }, lines);
    }
    let started = Instant::now();
    let result = node.apply(context, &step).await;
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(outcome) => {
            let marker = match outcome.status {
                OutcomeStatus::Done => "done",
                OutcomeStatus::ThresholdBreached => "THRESHOLD BREACHED",
            };
            lines.push(format!(
                "    {address} {marker} in {}: {}",
                format_seconds(seconds),
                outcome.summary
            ));
            lines.extend(
                outcome
                    .details
                    .iter()
                    .map(|detail| format!("      {detail}")),
            );
            (
                StepResult::Done {
                    address,
                    outcome,
                    seconds,
                },
                lines,
            )
        }
        Err(error) => {
            let result = failed(&error, &mut lines, seconds);
            (result, lines)
        }
    }
}

fn format_seconds(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{}ms", Duration::from_secs_f64(seconds).as_millis())
    } else {
        format!("{seconds:.1}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::NodeKind;

    fn step(name: &str, concurrent: bool, needs: &[&str]) -> Step {
        step_of(NodeKind::Scenario, name, concurrent, needs)
    }

    fn step_of(kind: NodeKind, name: &str, concurrent: bool, needs: &[&str]) -> Step {
        let mut step = Step::new(Address::new(kind, name), Action::Run, "");
        step.concurrent = concurrent;
        step.needs = needs.iter().map(|need| Address::new(kind, *need)).collect();
        step
    }

    fn names(batch: &[Step]) -> Vec<String> {
        batch.iter().map(|s| s.address.name.clone()).collect()
    }

    #[test]
    fn concurrent_neighbours_run_together_unless_one_needs_another() {
        let steps = [
            step("a", false, &[]),
            step("b", true, &[]),
            step("c", true, &[]),
            step("d", true, &["b"]),
            step("e", false, &[]),
        ];
        // Scenarios batch only by their `parallel` flag, whatever the parallelism.
        for parallelism in [1, 4] {
            assert_eq!(names(batch_at(&steps, 0, parallelism)), ["a"]);
            assert_eq!(names(batch_at(&steps, 1, parallelism)), ["b", "c"]);
            assert_eq!(names(batch_at(&steps, 3, parallelism)), ["d"]);
            assert_eq!(names(batch_at(&steps, 4, parallelism)), ["e"]);
        }
    }

    #[test]
    fn parallelism_batches_independent_set_up_steps_up_to_its_value() {
        let steps = [
            step_of(NodeKind::Service, "a", false, &[]),
            step_of(NodeKind::Service, "b", false, &[]),
            step_of(NodeKind::Service, "c", false, &[]),
            step_of(NodeKind::Service, "d", false, &["c"]),
            step("e", false, &[]),
        ];
        assert_eq!(names(batch_at(&steps, 0, 1)), ["a"]);
        assert_eq!(names(batch_at(&steps, 0, 2)), ["a", "b"]);
        // `d` needs `c`, and a scenario never joins set-up work.
        assert_eq!(names(batch_at(&steps, 0, 8)), ["a", "b", "c"]);
        assert_eq!(names(batch_at(&steps, 3, 8)), ["d"]);
        assert_eq!(names(batch_at(&steps, 4, 8)), ["e"]);
    }
}
