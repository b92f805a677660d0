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
    // `!` joins the legend only when a step is blocked, so every other plan reads as before.
    out.push_str(if plan.blocked() > 0 {
        "backendctl will perform these steps (+ create, ~ change, = up to date, > run, ! blocked):\n\n"
    } else {
        "backendctl will perform these steps (+ create, ~ change, = up to date, > run):\n\n"
    });
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
        let symbol = if step.is_blocked() {
            '!'
        } else {
            step.action.symbol()
        };
        let _ = writeln!(out, "  {symbol} {address:<width$}  {}", step.summary);
        for error in &step.errors {
            let _ = writeln!(out, "      error: {error}");
        }
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

/// `Plan: 1 to create, 2 to change, 1 to run, 3 up to date.` or `No changes. …`; a plan with
/// blocked steps ends `1 blocked: apply will refuse it until the errors above are settled.`
#[must_use]
pub fn summary_line(plan: &Plan) -> String {
    let counts = plan.counts();
    let mut parts: Vec<String> = counts
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(action, count)| match action {
            Action::UpToDate => format!("{count} up to date"),
            other => format!("{count} to {other}"),
        })
        .collect();
    let blocked = plan.blocked();
    if blocked > 0 {
        parts.push(format!(
            "{blocked} blocked: apply will refuse {} until the errors above are settled",
            if blocked == 1 { "it" } else { "them" }
        ));
        return format!("Plan: {}.", parts.join(", "));
    }
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
                "errors": step.errors,
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
        "blocked": plan.blocked(),
        "counts": counts,
        "steps": steps,
    })
}
