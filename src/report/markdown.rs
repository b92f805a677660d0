//! A Markdown summary for `$GITHUB_STEP_SUMMARY` (and `--save summary.md`): the latency table
//! and the thresholds, so a CI run's page shows why the gate passed or failed.

use std::fmt::Write as _;

use crate::report::run_report::RunReport;

/// Renders `report` as GitHub-flavoured Markdown.
pub(crate) fn render(report: &RunReport) -> String {
    let mut out = String::new();
    for s in &report.scenarios {
        let verdict = if s.thresholds.iter().all(|t| t.passed) {
            "✅"
        } else {
            "❌"
        };
        let _ = writeln!(out, "### {verdict} Load scenario `{}`\n", escape(&s.name));
        let _ = writeln!(
            out,
            "{} · {:.1}s · {} iterations · max {} VUs{}\n",
            escape(&s.model),
            s.duration_secs,
            s.iterations,
            s.max_vus,
            if s.aborted {
                " · **aborted by a threshold**"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "| request | count | rps | failed | p50 | p90 | p95 | p99 | max |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let show_total = s.requests.len() > 1;
        for m in s.requests.iter().chain(show_total.then_some(&s.total)) {
            let l = &m.latency;
            let _ = writeln!(
                out,
                "| {} | {} | {:.1} | {:.2}% | {:.2}ms | {:.2}ms | {:.2}ms | {:.2}ms | {:.2}ms |",
                escape(&m.name),
                m.count,
                m.rps,
                m.error_rate() * 100.0,
                l.p50,
                l.p90,
                l.p95,
                l.p99,
                l.max
            );
        }
        if !s.thresholds.is_empty() {
            let _ = writeln!(out, "\n| | threshold | value |\n|---|---|---:|");
            for t in &s.thresholds {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    if t.passed { "✅" } else { "❌" },
                    escape(&t.label()),
                    t.shown
                );
            }
        }
        out.push('\n');
    }
    out
}

/// Escapes what would break a Markdown table cell or start markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '|' | '<' | '>' | '*' | '_' | '`' | '[' | ']' | '\\') {
            out.push('\\');
        }
        if c != '\n' {
            out.push(c);
        }
    }
    out
}
