//! A Markdown summary for `$GITHUB_STEP_SUMMARY` (and `--save summary.md`): the latency table
//! and the thresholds, so a CI run's page shows why the gate passed or failed.

use std::fmt::Write as _;

use crate::report::metric_row::{Column, MetricRow};
use crate::results::run_report::RunReport;

/// The request table's columns in Markdown: the figures a CI page needs.
const COLUMNS: [Column; 9] = [
    Column::Request,
    Column::Count,
    Column::Rps,
    Column::Failed,
    Column::P50,
    Column::P90,
    Column::P95,
    Column::P99,
    Column::Max,
];

/// Renders `report` as GitHub-flavoured Markdown.
pub(crate) fn render(report: &RunReport) -> String {
    let mut out = String::new();
    for s in &report.scenarios {
        let verdict = if s.passed() { "✅" } else { "❌" };
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
        write_row(&mut out, COLUMNS.map(Column::label));
        for column in COLUMNS {
            out.push_str(if column == Column::Request {
                "|---"
            } else {
                "|---:"
            });
        }
        out.push_str("|\n");
        for row in MetricRow::table(s) {
            write_row(&mut out, COLUMNS.map(|c| escape(row.cell(c))));
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

/// Writes one table line: `| a | b |`.
fn write_row<T: AsRef<str>>(out: &mut String, cells: [T; COLUMNS.len()]) {
    for cell in &cells {
        out.push_str("| ");
        out.push_str(cell.as_ref());
        out.push(' ');
    }
    out.push_str("|\n");
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
