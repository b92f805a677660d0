//! `report compare base.json new.json --max-regression 10%`: a regression gate between two
//! runs. Latency percentiles and the mean may not grow, and throughput may not fall, by more
//! than the allowed fraction; the error rate may not grow by more than that fraction of itself
//! or 0.1 percentage point, whichever is larger.

use std::fmt::Write as _;

use crate::results::run_report::{RequestMetrics, RunReport};

/// One compared figure.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comparison {
    pub scenario: String,
    pub request: String,
    pub metric: &'static str,
    pub base: f64,
    pub new: f64,
    pub regressed: bool,
}

/// Compares every request name present in both runs, and the totals.
pub(crate) fn compare(base: &RunReport, new: &RunReport, max_regression: f64) -> Vec<Comparison> {
    let mut out = Vec::new();
    for b in &base.scenarios {
        let Some(n) = new.scenarios.iter().find(|s| s.name == b.name) else {
            continue;
        };
        for bm in b.requests.iter().chain(std::iter::once(&b.total)) {
            let nm = if bm.name == "total" {
                Some(&n.total)
            } else {
                n.requests.iter().find(|r| r.name == bm.name)
            };
            if let Some(nm) = nm {
                compare_metrics(&mut out, &b.name, bm, nm, max_regression);
            }
        }
    }
    out
}

fn compare_metrics(
    out: &mut Vec<Comparison>,
    scenario: &str,
    b: &RequestMetrics,
    n: &RequestMetrics,
    max: f64,
) {
    let mut push = |metric: &'static str, base: f64, new: f64, regressed: bool| {
        out.push(Comparison {
            scenario: scenario.to_owned(),
            request: b.name.clone(),
            metric,
            base,
            new,
            regressed,
        });
    };
    let worse_if_higher = |base: f64, new: f64| base > 0.0 && new > base * (1.0 + max);
    for (metric, base, new) in [
        ("p50", b.latency.p50, n.latency.p50),
        ("p95", b.latency.p95, n.latency.p95),
        ("p99", b.latency.p99, n.latency.p99),
        ("mean", b.latency.mean, n.latency.mean),
    ] {
        push(metric, base, new, worse_if_higher(base, new));
    }
    push(
        "rps",
        b.rps,
        n.rps,
        b.rps > 0.0 && n.rps < b.rps * (1.0 - max),
    );
    let (be, ne) = (b.error_rate(), n.error_rate());
    push("error-rate", be, ne, ne - be > (be * max).max(0.001));
}

/// The comparison as a table.
pub(crate) fn render(comparisons: &[Comparison], max_regression: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:<10} {:>12} {:>12} {:>9}",
        "scenario/request", "metric", "base", "new", "change"
    );
    for c in comparisons {
        let shown = |v: f64| match c.metric {
            "rps" => format!("{v:.1}/s"),
            "error-rate" => format!("{:.2}%", v * 100.0),
            _ => format!("{v:.2}ms"),
        };
        let change = if c.base == 0.0 {
            "—".to_owned()
        } else {
            format!("{:+.1}%", (c.new - c.base) / c.base * 100.0)
        };
        let _ = writeln!(
            out,
            "{:<24} {:<10} {:>12} {:>12} {:>9} {}",
            format!("{}/{}", c.scenario, c.request),
            c.metric,
            shown(c.base),
            shown(c.new),
            change,
            if c.regressed { "✗ regression" } else { "✓" }
        );
    }
    let regressions = comparisons.iter().filter(|c| c.regressed).count();
    let _ = writeln!(
        out,
        "\n{regressions} regression(s) beyond {:.1}%",
        max_regression * 100.0
    );
    out
}
