//! Plan output: one line per step with a symbol, the address and a summary, then a count line.
//! The JSON form shares the same types and is documented in `docs/manifest.md`. Steps hold no
//! secret (node kinds build their text from [`crate::secret`] types, which display masked), so
//! nothing here searches or rewrites text.

use super::{Action, Plan};
use std::fmt::Write as _;

/// The plan as text. `verbose` adds each step's details.
#[must_use]
pub fn render_text(plan: &Plan, verbose: bool) -> String {
    let mut out = String::new();
    if plan.steps.is_empty() {
        out.push_str("The manifest declares no nodes: nothing to do.\n");
        return out;
    }
    out.push_str(
        "backendctl will perform these steps (+ create, ~ change, = up to date, > run):\n\n",
    );
    let width = plan
        .steps
        .iter()
        .map(|step| step.address.to_string().chars().count())
        .max()
        .unwrap_or(0)
        // Names are bounded by the manifest's rules; the alignment is bounded here too, so no
        // address can make the format width overflow.
        .min(80);
    for step in &plan.steps {
        let address = step.address.to_string();
        let _ = writeln!(
            out,
            "  {} {address:<width$}  {}",
            step.action.symbol(),
            step.summary
        );
        for warning in &step.warnings {
            let _ = writeln!(out, "      warning: {warning}");
        }
        if verbose {
            if !step.needs.is_empty() {
                let needs: Vec<String> = step.needs.iter().map(ToString::to_string).collect();
                let _ = writeln!(out, "      after {}", needs.join(", "));
            }
            for detail in &step.details {
                let _ = writeln!(out, "      {detail}");
            }
        }
    }
    out.push('\n');
    out.push_str(&summary_line(plan));
    out.push('\n');
    out
}

/// `Plan: 1 to create, 2 to change, 1 to run, 3 up to date.` or `No changes. …`
#[must_use]
pub fn summary_line(plan: &Plan) -> String {
    let counts = plan.counts();
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(action, count)| match action {
            Action::UpToDate => format!("{count} up to date"),
            other => format!("{count} to {other}"),
        })
        .collect();
    if plan.has_changes() {
        format!("Plan: {}.", parts.join(", "))
    } else {
        format!("No changes. Plan: {}.", parts.join(", "))
    }
}

/// The plan as JSON, for `plan --json`.
#[must_use]
pub fn render_json(plan: &Plan, fingerprint: &str) -> serde_json::Value {
    let steps: Vec<serde_json::Value> = plan
        .steps
        .iter()
        .map(|step| {
            serde_json::json!({
                "address": step.address,
                "action": step.action,
                "symbol": step.action.symbol().to_string(),
                "summary": step.summary,
                "details": step.details,
                "warnings": step.warnings,
                "needs": step.needs,
            })
        })
        .collect();
    let counts: serde_json::Map<String, serde_json::Value> = plan
        .counts()
        .iter()
        .map(|(action, count)| (action.to_string().replace(' ', "-"), (*count).into()))
        .collect();
    serde_json::json!({
        "format-version": 1,
        "fingerprint": fingerprint,
        "has-changes": plan.has_changes(),
        "counts": counts,
        "steps": steps,
    })
}
