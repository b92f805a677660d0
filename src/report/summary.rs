//! The end-of-run summary printed to the terminal: per request name and in total, count, rate,
//! failures and latency percentiles; status codes, error categories, data, checks, and every
//! threshold with its value and ✓/✗.

use std::fmt::Write as _;

use crate::report::metric_row::{Column, MetricRow};
use crate::results::run_report::{RunReport, ScenarioReport};

/// Renders the whole run as text.
pub(crate) fn render(report: &RunReport) -> String {
    let mut out = String::new();
    for (i, scenario) in report.scenarios.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_scenario(&mut out, scenario);
    }
    out
}

fn render_scenario(out: &mut String, s: &ScenarioReport) {
    let _ = writeln!(out, "scenario {} — {}", s.name, s.model);
    let mut facts = vec![
        format!("duration {:.2}s", s.duration_secs),
        format!("iterations {}", s.iterations),
        format!("max VUs {}", s.max_vus),
    ];
    if s.dropped_iterations > 0 {
        facts.push(format!("dropped iterations {}", s.dropped_iterations));
    }
    if let Some(shard) = &s.shard {
        facts.push(format!("shard {shard}"));
    }
    if s.aborted {
        facts.push("ABORTED by a threshold".to_owned());
    }
    let _ = writeln!(out, "  {}", facts.join(" · "));
    out.push('\n');

    let mut rows: Vec<Vec<String>> = vec![Column::ALL.map(|c| c.label().to_owned()).to_vec()];
    for row in MetricRow::table(s) {
        rows.push(Column::ALL.map(|c| row.cell(c).to_owned()).to_vec());
    }
    write_table(out, &rows, 1);
    out.push('\n');

    let t = &s.total;
    if !t.statuses.is_empty() {
        let codes: Vec<String> = t
            .statuses
            .iter()
            .map(|(c, n)| format!("{c} × {n}"))
            .collect();
        let _ = writeln!(out, "  status codes  {}", codes.join(", "));
    }
    if t.errors.is_empty() {
        let _ = writeln!(out, "  errors        none");
    } else {
        let errors: Vec<String> = t.errors.iter().map(|(c, n)| format!("{c} {n}")).collect();
        let _ = writeln!(out, "  errors        {}", errors.join(", "));
    }
    let _ = writeln!(
        out,
        "  data          received {}, sent {}",
        bytes(t.bytes_in),
        bytes(t.bytes_out)
    );
    if let Some(rate) = t.check_rate() {
        let _ = writeln!(
            out,
            "  checks        {:.2}% ({}/{})",
            rate * 100.0,
            t.checks_passed,
            t.checks_passed + t.checks_failed
        );
    }
    if !s.thresholds.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "  thresholds");
        let rows: Vec<Vec<String>> = s
            .thresholds
            .iter()
            .map(|r| {
                vec![
                    if r.passed { "✓" } else { "✗" }.to_owned(),
                    r.label(),
                    r.shown.clone(),
                ]
            })
            .collect();
        write_table(out, &rows, 2);
    }
}

/// Writes rows as a table indented by two spaces: the first `left` columns left-aligned, the
/// others right-aligned, columns two spaces apart.
fn write_table(out: &mut String, rows: &[Vec<String>], left: usize) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::from(" ");
        for (c, cell) in r.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            line.push(' ');
            if c < left {
                if c > 0 {
                    line.push(' ');
                }
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push(' ');
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// A byte count for people (`1.2 MB`).
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::results::histogram;
    use crate::results::report_format::ReportFormat;
    use crate::results::run_report::{LatencySummary, RequestMetrics, ThresholdResult};

    /// A fixed report for snapshot tests of every format.
    pub(crate) fn sample_report() -> RunReport {
        let mut h = histogram::new_latency();
        for us in [
            800_u64, 1_200, 1_500, 2_000, 2_500, 4_000, 9_000, 15_000, 40_000, 120_000,
        ] {
            histogram::record(&mut h, us);
        }
        let metrics = |name: &str, count: u64, failed: u64| RequestMetrics {
            name: name.to_owned(),
            count,
            failed,
            rps: count as f64 / 10.0,
            bytes_in: count * 120,
            bytes_out: count * 80,
            statuses: [(200, count - failed), (503, failed)]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .collect(),
            errors: if failed > 0 {
                [("5xx".to_owned(), failed)].into()
            } else {
                Default::default()
            },
            checks_passed: count - failed,
            checks_failed: failed,
            latency: LatencySummary::of(&h),
            histogram: String::new(),
        };
        let mut total = metrics("total", 2_000, 12);
        total.rps = 200.0;
        RunReport {
            version: 1,
            tool: "backendctl 0.0.0".to_owned(),
            started_at: "2026-01-01T00:00:00Z".to_owned(),
            scenarios: vec![ScenarioReport {
                name: "checkout".to_owned(),
                model: "closed: 2 stage(s), up to 50 VUs".to_owned(),
                shard: None,
                duration_secs: 10.0,
                max_vus: 50,
                iterations: 1_000,
                dropped_iterations: 0,
                aborted: false,
                requests: vec![metrics("login", 1_000, 0), metrics("cart <all>", 1_000, 12)],
                total,
                series: Vec::new(),
                thresholds: vec![
                    ThresholdResult {
                        metric: "p95".to_owned(),
                        request: None,
                        condition: "< 250ms".to_owned(),
                        value: Some(120.0),
                        shown: "120.00ms".to_owned(),
                        passed: true,
                    },
                    ThresholdResult {
                        metric: "error-rate".to_owned(),
                        request: Some("cart <all>".to_owned()),
                        condition: "< 1%".to_owned(),
                        value: Some(0.012),
                        shown: "1.20%".to_owned(),
                        passed: false,
                    },
                ],
            }],
        }
    }

    /// A run in which no request got a response: five refused connections.
    fn no_response_report() -> RunReport {
        let mut report = sample_report();
        let scenario = &mut report.scenarios[0];
        let refused = RequestMetrics {
            name: "GET /".to_owned(),
            count: 5,
            failed: 5,
            rps: 2.5,
            errors: [("connect-refused".to_owned(), 5)].into(),
            ..RequestMetrics::default()
        };
        scenario.requests = vec![refused.clone()];
        scenario.total = RequestMetrics {
            name: "total".to_owned(),
            ..refused
        };
        for threshold in &mut scenario.thresholds {
            threshold.request = None;
        }
        let judged = [("p95", "< 250ms"), ("error-rate", "< 1%")].map(|(metric, condition)| {
            crate::results::threshold::Threshold::parse(metric, condition, None, false)
                .unwrap()
                .evaluate(&scenario.total)
        });
        scenario.thresholds = judged.to_vec();
        report
    }

    /// Regression (issue 12): with no response the table showed `0.00ms` in every latency
    /// column; every report now says "no data" there, and JSON has `null`.
    #[test]
    fn no_latency_figure_is_shown_where_no_request_got_a_response() {
        let report = no_response_report();
        let text = render(&report);
        insta::assert_snapshot!("no-response", text);
        insta::assert_snapshot!(
            "no-response-markdown",
            crate::report::markdown::render(&report)
        );
        let html = crate::report::html::render(&report);
        let junit = crate::report::junit::render(&report).unwrap();
        for (format, rendered) in [("text", &text), ("html", &html), ("junit", &junit)] {
            assert!(!rendered.contains("0.00ms"), "{format}: {rendered}");
            assert!(rendered.contains("no data"), "{format}: {rendered}");
        }
        let json: serde_json::Value = serde_json::from_str(
            &crate::report::report_files::render(&report, ReportFormat::Json).unwrap(),
        )
        .unwrap();
        let scenario = &json["scenarios"][0];
        for figure in ["min", "mean", "p50", "p90", "p95", "p99", "p999", "max"] {
            assert!(scenario["total"]["latency"][figure].is_null(), "{figure}");
        }
        assert!(scenario["thresholds"][0]["value"].is_null());
        assert_eq!(scenario["thresholds"][1]["value"], 1.0);
    }

    #[test]
    fn the_summary_reads_as_a_table() {
        insta::assert_snapshot!(render(&sample_report()));
    }

    #[test]
    fn the_markdown_and_junit_reports_are_stable() {
        let report = sample_report();
        insta::assert_snapshot!("markdown", crate::report::markdown::render(&report));
        insta::assert_snapshot!("junit", crate::report::junit::render(&report).unwrap());
    }
}
