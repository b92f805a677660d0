//! Turns the recorder's per-second harvests into the run's running totals, its per-second
//! series and its threshold verdicts — live, once a second, and at the end.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::load::error_category::ErrorCategory;
use crate::load::recorder::NameStats;
use crate::load::run_context::RunContext;
use crate::results::histogram;
use crate::results::run_report::{
    LatencySummary, RequestMetrics, ScenarioReport, SeriesPoint, ThresholdResult,
};
use crate::results::threshold::Threshold;

/// What the live progress line shows.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LiveStatus {
    pub elapsed: Duration,
    pub vus: u64,
    /// Requests completed in the last second.
    pub rps: u64,
    /// p95 over the run so far, in ms; none until a request got a response.
    pub p95_ms: Option<f64>,
    pub requests: u64,
    pub errors: u64,
}

/// Running totals of one scenario run.
pub(crate) struct Collector {
    names: Vec<String>,
    totals: Vec<NameStats>,
    series: Vec<SeriesPoint>,
    dropped_so_far: u64,
}

impl Collector {
    pub(crate) fn new(names: Vec<String>) -> Self {
        Self {
            totals: vec![NameStats::default(); names.len()],
            names,
            series: Vec::new(),
            dropped_so_far: 0,
        }
    }

    /// Harvests the last second into the totals and the series.
    pub(crate) fn tick(&mut self, run: &RunContext) -> LiveStatus {
        let delta = run.recorder.harvest();
        let mut second = NameStats::default();
        for (total, part) in self.totals.iter_mut().zip(&delta) {
            total.absorb(part);
            second.absorb(part);
        }
        let dropped = run.dropped.load(Ordering::Relaxed);
        let vus = run.active_vus.load(Ordering::Relaxed);
        self.series.push(SeriesPoint {
            second: self.series.len() as u64 + 1,
            requests: second.count,
            errors: second.failed,
            vus,
            dropped: dropped - self.dropped_so_far,
            latency: LatencySummary::of(&second.histogram),
            histogram: if second.histogram.is_empty() {
                String::new()
            } else {
                histogram::encode(&second.histogram)
            },
        });
        self.dropped_so_far = dropped;
        let all = self.combined();
        LiveStatus {
            elapsed: run.start.elapsed(),
            vus,
            rps: second.count,
            p95_ms: (!all.histogram.is_empty())
                .then(|| all.histogram.value_at_quantile(0.95) as f64 / 1000.0),
            requests: all.count,
            errors: all.failed,
        }
    }

    fn combined(&self) -> NameStats {
        let mut all = NameStats::default();
        for t in &self.totals {
            all.absorb(t);
        }
        all
    }

    /// Evaluates thresholds on the totals so far (`elapsed` gives the rate).
    pub(crate) fn evaluate(
        &self,
        thresholds: &[Threshold],
        elapsed: Duration,
    ) -> Vec<ThresholdResult> {
        if thresholds.is_empty() {
            return Vec::new();
        }
        let total = metrics("total", &self.combined(), elapsed, false);
        thresholds
            .iter()
            .map(|t| match &t.request {
                None => t.evaluate(&total),
                Some(name) => {
                    let stats = self
                        .names
                        .iter()
                        .position(|n| n == name)
                        .map(|i| metrics(name, &self.totals[i], elapsed, false))
                        .unwrap_or_default();
                    t.evaluate(&stats)
                }
            })
            .collect()
    }

    /// The final report of the run.
    pub(crate) fn finish(
        mut self,
        run: &RunContext,
        elapsed: Duration,
        shard: Option<String>,
    ) -> ScenarioReport {
        // The last, partial second.
        self.tick(run);
        if self.series.last().is_some_and(|p| p.requests == 0) && self.series.len() > 1 {
            self.series.pop();
        }
        let thresholds = self.evaluate(&run.workload.thresholds, elapsed);
        let requests = self
            .names
            .iter()
            .zip(&self.totals)
            .map(|(name, stats)| metrics(name, stats, elapsed, true))
            .collect();
        let total = metrics("total", &self.combined(), elapsed, true);
        ScenarioReport {
            name: run.workload.name.clone(),
            model: run.workload.model.describe(),
            shard,
            duration_secs: elapsed.as_secs_f64(),
            max_vus: run.peak_vus.load(Ordering::Relaxed),
            iterations: run.iterations.load(Ordering::Relaxed),
            dropped_iterations: run.dropped.load(Ordering::Relaxed),
            aborted: run.aborted.load(Ordering::Relaxed),
            requests,
            total,
            series: self.series,
            thresholds,
        }
    }
}

/// The report entry of `stats` over `elapsed`.
pub(crate) fn metrics(
    name: &str,
    stats: &NameStats,
    elapsed: Duration,
    encode: bool,
) -> RequestMetrics {
    let secs = elapsed.as_secs_f64();
    RequestMetrics {
        name: name.to_owned(),
        count: stats.count,
        failed: stats.failed,
        rps: if secs > 0.0 {
            stats.count as f64 / secs
        } else {
            0.0
        },
        bytes_in: stats.bytes_in,
        bytes_out: stats.bytes_out,
        statuses: stats.statuses.clone(),
        errors: ErrorCategory::ALL
            .iter()
            .filter(|c| stats.errors[c.index()] > 0)
            .map(|c| (c.label().to_owned(), stats.errors[c.index()]))
            .collect(),
        checks_passed: stats.checks_passed,
        checks_failed: stats.checks_failed,
        latency: LatencySummary::of(&stats.histogram),
        histogram: if encode {
            histogram::encode(&stats.histogram)
        } else {
            String::new()
        },
    }
}
