//! `report compare base.json new.json --max-regression 10%`: a regression gate between two
//! runs. Latency percentiles and the mean may not grow, and throughput may not fall, by more
//! than the allowed fraction; the error rate may not grow by more than that fraction of itself
//! or 0.1 percentage point, whichever is larger.

use std::fmt::Write as _;

use crate::results::run_report::{NO_DATA, RequestMetrics, RunReport};

/// One compared figure; none where a run had nothing to measure (no latency when no request
/// got a response).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comparison {
    pub scenario: String,
    pub request: String,
    pub metric: &'static str,
    pub base: Option<f64>,
    pub new: Option<f64>,
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
    let mut push = |metric: &'static str, base: Option<f64>, new: Option<f64>, regressed: bool| {
        out.push(Comparison {
            scenario: scenario.to_owned(),
            request: b.name.clone(),
            metric,
            base,
            new,
            regressed,
        });
    };
    // A latency the new run does not have (no request got a response) where the base had one
    // is a regression too.
    let worse_if_higher = |base: Option<f64>, new: Option<f64>| match (base, new) {
        (Some(base), Some(new)) => base > 0.0 && new > base * (1.0 + max),
        (Some(_), None) => true,
        (None, _) => false,
    };
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
        Some(b.rps),
        Some(n.rps),
        b.rps > 0.0 && n.rps < b.rps * (1.0 - max),
    );
    let (be, ne) = (b.error_rate(), n.error_rate());
    let worse = matches!((be, ne), (Some(be), Some(ne)) if ne - be > (be * max).max(0.001));
    push("error-rate", be, ne, worse);
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
        let shown = |v: Option<f64>| match (v, c.metric) {
            (None, _) => NO_DATA.to_owned(),
            (Some(v), "rps") => format!("{v:.1}/s"),
            (Some(v), "error-rate") => format!("{:.2}%", v * 100.0),
            (Some(v), _) => format!("{v:.2}ms"),
        };
        let change = match (c.base, c.new) {
            (Some(base), Some(new)) if base != 0.0 => {
                format!("{:+.1}%", (new - base) / base * 100.0)
            }
            _ => "—".to_owned(),
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
