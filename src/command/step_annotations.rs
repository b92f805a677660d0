//! Annotations of a plan and of an applied run (`--format github|gitlab`): a breached threshold
//! at its line in the manifest, a failed or blocked step at its node's line, a step's warnings
//! (lint findings) there too. A failed migration is also annotated at its file and statement
//! line by the migrations node kind itself.

use crate::annotation::{self, Annotation};
use crate::engine::{OutcomeStatus, Plan, StepResult};
use crate::manifest::span_table::escape_segment;
use crate::manifest::{Address, LoadedManifest};

/// Blocked steps (errors) at their nodes' lines. (A step's lint warnings are annotated at
/// their migration file's line by the migrations node kind as it plans.)
pub(crate) fn record_plan(loaded: &LoadedManifest, plan: &Plan) {
    for step in &plan.steps {
        for error in &step.errors {
            annotation::record(at_node(
                loaded,
                &step.address,
                "plan::blocked",
                &format!("{} is blocked", step.address),
                error,
            ));
        }
    }
}

/// Failed steps at their nodes' lines; breached thresholds at theirs.
pub(crate) fn record_apply(loaded: &LoadedManifest, steps: &[StepResult]) {
    for step in steps {
        match step {
            StepResult::Failed { address, error, .. } => {
                annotation::record(at_node(
                    loaded,
                    address,
                    "apply::step-failed",
                    &format!("{address} failed"),
                    &undecorated(error),
                ));
            }
            StepResult::Done {
                address, outcome, ..
            } if outcome.status == OutcomeStatus::ThresholdBreached => {
                let breached = outcome
                    .metrics
                    .as_ref()
                    .and_then(|metrics| metrics.get("thresholds"))
                    .and_then(serde_json::Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|t| t.get("passed") == Some(&serde_json::Value::Bool(false)));
                for threshold in breached {
                    annotation::record(breach(loaded, address, threshold));
                }
            }
            _ => {}
        }
    }
}

/// `p95 < 250ms breached in scenario.browse: measured 312.4ms`, at the threshold's line.
fn breach(loaded: &LoadedManifest, address: &Address, threshold: &serde_json::Value) -> Annotation {
    let text = |key: &str| threshold.get(key).and_then(serde_json::Value::as_str);
    let metric = text("metric").unwrap_or_default();
    let condition = text("condition").unwrap_or_default();
    let request = text("request");
    let shown = text("shown").unwrap_or("no data");
    let scope = request.map_or_else(String::new, |r| format!("{r}: "));
    let title = format!("{scope}{metric} {condition} breached in {address}");
    let message = format!(
        "{title}: measured {shown}\n\
         The run's reports say more (`backendctl report render`, the run directory)."
    );
    at_pointer(
        loaded,
        &threshold_pointer(loaded, &address.name, metric, request),
        "load::threshold-breached",
        &title,
        &message,
    )
}

/// The JSON pointer of a threshold as written: `/scenario/NAME/thresholds/p95`, or under
/// `/scenario/NAME/request/I/` for a request's own.
fn threshold_pointer(
    loaded: &LoadedManifest,
    scenario: &str,
    metric: &str,
    request: Option<&str>,
) -> String {
    let mut block = format!("/scenario/{}", escape_segment(scenario));
    if let Some(request) = request {
        let index = loaded
            .value
            .pointer(&format!("{block}/request"))
            .and_then(serde_json::Value::as_array)
            .and_then(|requests| {
                requests.iter().position(|r| {
                    r.get("name").and_then(serde_json::Value::as_str) == Some(request)
                })
            });
        if let Some(index) = index {
            block.push_str(&format!("/request/{index}"));
        }
    }
    block.push_str("/thresholds");
    // The key as written (`p99.9` is also `p999`; `mean` also `avg`): the one whose metric
    // name is the reported one, ignoring dots.
    let plain = |name: &str| name.replace('.', "");
    let key = loaded
        .value
        .pointer(&block)
        .and_then(serde_json::Value::as_object)
        .and_then(|thresholds| {
            thresholds
                .keys()
                .find(|key| plain(key) == plain(metric))
                .cloned()
        })
        .unwrap_or_else(|| metric.to_owned());
    format!("{block}/{}", escape_segment(&key))
}

fn at_node(
    loaded: &LoadedManifest,
    address: &Address,
    check: &str,
    title: &str,
    message: &str,
) -> Annotation {
    let pointer = format!(
        "/{}/{}",
        address.kind.keyword(),
        escape_segment(&address.name)
    );
    at_pointer(loaded, &pointer, check, title, message)
}

/// An error annotation at the manifest's line of the value at `pointer`.
fn at_pointer(
    loaded: &LoadedManifest,
    pointer: &str,
    check: &str,
    title: &str,
    message: &str,
) -> Annotation {
    let (line, column) = loaded
        .line_column(pointer)
        .map_or((None, None), |(line, column)| (Some(line), Some(column)));
    Annotation::error(
        loaded.source.display_path.clone(),
        (line, column),
        check,
        title,
        message,
    )
}

/// A rendered diagnostic without its frame (`×`, `│`) and blank lines, for an annotation.
fn undecorated(rendered: &str) -> String {
    rendered
        .lines()
        .map(|line| {
            let line = line.trim_start();
            line.strip_prefix("× ")
                .or_else(|| line.strip_prefix("│ "))
                .unwrap_or(line)
        })
        // Blank lines, and the code line miette puts first (the title has the code).
        .filter(|line| !line.trim().is_empty() && (line.contains(' ') || !line.contains("::")))
        .collect::<Vec<_>>()
        .join("\n")
}
