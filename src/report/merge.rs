//! `report merge`: adds shards' results exactly. Histograms are added bucket for bucket and
//! every percentile is recomputed from the sum — never averaged — so N machines running one
//! N-th of a scenario each report exactly what one machine running all of it would.

use std::collections::BTreeMap;

use crate::results::conformance_report::ConformanceReport;
use crate::results::histogram::{self, HistogramError};
use crate::results::run_report::{
    LatencySummary, RequestMetrics, RunReport, ScenarioReport, SeriesPoint,
};
use crate::results::threshold::Threshold;

/// Merges run reports scenario by scenario (matched by name, in first-seen order).
pub(crate) fn merge(reports: &[RunReport]) -> Result<RunReport, HistogramError> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<&ScenarioReport>> = BTreeMap::new();
    for report in reports {
        for s in &report.scenarios {
            if !groups.contains_key(&s.name) {
                order.push(s.name.clone());
            }
            groups.entry(s.name.clone()).or_default().push(s);
        }
    }
    let mut scenarios = Vec::new();
    for name in order {
        scenarios.push(merge_scenario(&groups[&name])?);
    }
    let started_at = reports
        .iter()
        .map(|r| r.started_at.clone())
        .min()
        .unwrap_or_default();
    Ok(RunReport::new(started_at, scenarios))
}

fn merge_scenario(parts: &[&ScenarioReport]) -> Result<ScenarioReport, HistogramError> {
    let first = parts[0];
    let duration = parts.iter().map(|p| p.duration_secs).fold(0.0, f64::max);
    let (requests, total) = merge_requests(parts, duration)?;
    let thresholds = first
        .thresholds
        .iter()
        .filter_map(|t| {
            let parsed =
                Threshold::parse(&t.metric, &t.condition, t.request.clone(), false).ok()?;
            let scope = match &t.request {
                None => &total,
                Some(name) => requests.iter().find(|r| &r.name == name)?,
            };
            Some(parsed.evaluate(scope))
        })
        .collect();
    Ok(ScenarioReport {
        name: first.name.clone(),
        model: first.model.clone(),
        shard: Some(format!("merged from {}", parts.len())),
        duration_secs: duration,
        max_vus: parts.iter().map(|p| p.max_vus).sum(),
        iterations: parts.iter().map(|p| p.iterations).sum(),
        dropped_iterations: parts.iter().map(|p| p.dropped_iterations).sum(),
        aborted: parts.iter().any(|p| p.aborted),
        requests,
        total,
        series: merge_series(parts)?,
        thresholds,
        conformance: merge_conformance(parts),
    })
}

/// Adds the parts' contract checks operation by operation; none when no part has any.
fn merge_conformance(parts: &[&ScenarioReport]) -> Option<ConformanceReport> {
    let mut merged: Option<ConformanceReport> = None;
    for conformance in parts.iter().filter_map(|p| p.conformance.as_ref()) {
        match &mut merged {
            Some(m) => m.absorb(conformance),
            None => merged = Some(conformance.clone()),
        }
    }
    merged
}

/// Adds the parts' figures per request name (in first-seen order) and in total; the rate is
/// over the longest part's `duration`.
fn merge_requests(
    parts: &[&ScenarioReport],
    duration: f64,
) -> Result<(Vec<RequestMetrics>, RequestMetrics), HistogramError> {
    let mut requests: Vec<RequestMetrics> = Vec::new();
    let mut total = RequestMetrics {
        name: "total".to_owned(),
        ..RequestMetrics::default()
    };
    for part in parts {
        for m in &part.requests {
            match requests.iter_mut().find(|r| r.name == m.name) {
                Some(r) => r.absorb(m)?,
                None => {
                    let mut r = RequestMetrics {
                        name: m.name.clone(),
                        ..RequestMetrics::default()
                    };
                    r.absorb(m)?;
                    requests.push(r);
                }
            }
        }
        total.absorb(&part.total)?;
    }
    for m in requests.iter_mut().chain(std::iter::once(&mut total)) {
        m.rps = if duration > 0.0 {
            m.count as f64 / duration
        } else {
            0.0
        };
    }
    Ok((requests, total))
}

/// Adds the parts' per-second series second by second, histograms included.
fn merge_series(parts: &[&ScenarioReport]) -> Result<Vec<SeriesPoint>, HistogramError> {
    let seconds = parts.iter().map(|p| p.series.len()).max().unwrap_or(0);
    let mut series = Vec::with_capacity(seconds);
    for i in 0..seconds {
        let mut point = SeriesPoint {
            second: i as u64 + 1,
            ..SeriesPoint::default()
        };
        let mut h = histogram::new_latency();
        for part in parts {
            if let Some(p) = part.series.get(i) {
                point.requests += p.requests;
                point.errors += p.errors;
                point.vus += p.vus;
                point.dropped += p.dropped;
                if !p.histogram.is_empty() {
                    histogram::add(&mut h, &histogram::decode(&p.histogram)?)?;
                }
            }
        }
        point.latency = LatencySummary::of(&h);
        point.histogram = if h.is_empty() {
            String::new()
        } else {
            histogram::encode(&h)
        };
        series.push(point);
    }
    Ok(series)
}
