//! What a load run produced, as written to `run.json` and read back by `report render`,
//! `report compare` and `report merge`. Histograms travel as HdrHistogram V2 (DEFLATE, base64),
//! so every figure can be recomputed exactly from them after merging shards.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::results::histogram::{self, HistogramError, Latency};

/// What every report shows for a figure with nothing to measure (a latency when no request got
/// a response), where JSON has `null`.
pub(crate) const NO_DATA: &str = "no data";

/// The current version of the `run.json` format.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// Everything one `backendctl load` or `apply` run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct RunReport {
    /// Format version of this file.
    pub version: u32,
    /// The tool and version that wrote it.
    pub tool: String,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// One entry per scenario, in the order they were declared.
    pub scenarios: Vec<ScenarioReport>,
}

/// One scenario's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct ScenarioReport {
    /// The scenario's name (`scenario "NAME"`, or `load` for the ad-hoc command).
    pub name: String,
    /// The load model, as a short text (`closed: 3 stages, max 50 VUs`).
    pub model: String,
    /// Which shard of a distributed run this is (`1/4`), if any; `merged` after `report merge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Wall-clock duration of the run in seconds.
    pub duration_secs: f64,
    /// The highest number of virtual users active at once.
    pub max_vus: u64,
    /// Iterations completed (one iteration runs the scenario's request sequence once).
    pub iterations: u64,
    /// Open model: iterations that were due but found no free virtual user (as k6 counts them).
    pub dropped_iterations: u64,
    /// Whether the run stopped early because a threshold with `abort-on-fail` was breached.
    #[serde(default)]
    pub aborted: bool,
    /// Per request name.
    pub requests: Vec<RequestMetrics>,
    /// All requests together.
    pub total: RequestMetrics,
    /// One point per second of the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<SeriesPoint>,
    /// Every threshold with its measured value and verdict.
    pub thresholds: Vec<ThresholdResult>,
}

/// Counts and latency of one request name (or of all requests).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct RequestMetrics {
    /// The request's name, or `total`.
    pub name: String,
    /// Requests sent (successful or not).
    pub count: u64,
    /// Requests that failed, by any category.
    pub failed: u64,
    /// Requests per second over the run's duration.
    pub rps: f64,
    /// Bytes received (status line, headers and body).
    pub bytes_in: u64,
    /// Bytes sent (request line, headers and body) that were written to a connection: a
    /// request that never connected sent nothing.
    pub bytes_out: u64,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Failed requests by error category.
    pub errors: BTreeMap<String, u64>,
    /// Checks that passed.
    pub checks_passed: u64,
    /// Checks that failed.
    pub checks_failed: u64,
    /// Latency of every request that got a response, in milliseconds; each figure is `null`
    /// when no request got one.
    pub latency: LatencySummary,
    /// The latency histogram (µs), HdrHistogram V2 + DEFLATE, base64.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub histogram: String,
}

/// Latency figures in milliseconds, all computed from the histogram: all of them, or, when no
/// request got a response, none (`null` in JSON, "no data" for people — never a made-up 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LatencySummary {
    pub min: Option<f64>,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub p999: Option<f64>,
    pub max: Option<f64>,
}

/// One second of the run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct SeriesPoint {
    /// Seconds since the start of the run (the second this point ends at).
    pub second: u64,
    /// Requests completed in this second.
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Virtual users active at the end of the second.
    pub vus: u64,
    /// Open model: iterations dropped in this second.
    pub dropped: u64,
    /// Latency in this second (ms).
    pub latency: LatencySummary,
    /// This second's latency histogram (µs), V2 + DEFLATE, base64; empty when nothing completed.
    pub histogram: String,
}

/// One threshold's verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct ThresholdResult {
    /// The metric (`p95`, `error-rate`, …).
    pub metric: String,
    /// The request name it applies to, or none for the whole scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// The condition as written (`< 250ms`).
    pub condition: String,
    /// The measured value, in the metric's unit (ms, fraction or req/s); `null` when there was
    /// nothing to measure (no response for a latency, no request for the error rate, no check
    /// for the check rate), and then the threshold has failed.
    pub value: Option<f64>,
    /// The value formatted for people (`212.4ms`, `0.31%`, `no data`).
    pub shown: String,
    /// Whether the condition held.
    pub passed: bool,
}

impl ThresholdResult {
    /// `p95 < 250ms`, or `checkout: p95 < 250ms` for a per-request threshold.
    pub(crate) fn label(&self) -> String {
        match &self.request {
            Some(request) => format!("{request}: {} {}", self.metric, self.condition),
            None => format!("{} {}", self.metric, self.condition),
        }
    }
}

impl LatencySummary {
    /// The summary of a histogram recorded in microseconds: no figures when it is empty.
    pub(crate) fn of(histogram: &Latency) -> Self {
        if histogram.is_empty() {
            return Self::default();
        }
        let ms = |us: u64| Some(us as f64 / 1000.0);
        Self {
            min: ms(histogram.min()),
            mean: Some(histogram.mean() / 1000.0),
            p50: ms(histogram.value_at_quantile(0.50)),
            p90: ms(histogram.value_at_quantile(0.90)),
            p95: ms(histogram.value_at_quantile(0.95)),
            p99: ms(histogram.value_at_quantile(0.99)),
            p999: ms(histogram.value_at_quantile(0.999)),
            max: ms(histogram.max()),
        }
    }
}

impl RequestMetrics {
    /// Decodes this entry's histogram.
    pub(crate) fn latency_histogram(&self) -> Result<Latency, HistogramError> {
        if self.histogram.is_empty() {
            return Ok(histogram::new_latency());
        }
        histogram::decode(&self.histogram)
    }

    /// The fraction of requests that failed; none when nothing was sent.
    pub(crate) fn error_rate(&self) -> Option<f64> {
        (self.count > 0).then(|| self.failed as f64 / self.count as f64)
    }

    /// The fraction of checks that passed; none when there were none.
    pub(crate) fn check_rate(&self) -> Option<f64> {
        let all = self.checks_passed + self.checks_failed;
        (all > 0).then(|| self.checks_passed as f64 / all as f64)
    }

    /// Adds `other`'s counts and histogram into `self` and recomputes the latency summary;
    /// `rps` is left for the caller, who knows the duration.
    pub(crate) fn absorb(&mut self, other: &Self) -> Result<(), HistogramError> {
        let mut mine = self.latency_histogram()?;
        histogram::add(&mut mine, &other.latency_histogram()?)?;
        self.count += other.count;
        self.failed += other.failed;
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
        self.checks_passed += other.checks_passed;
        self.checks_failed += other.checks_failed;
        for (k, v) in &other.statuses {
            *self.statuses.entry(*k).or_default() += v;
        }
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
        self.latency = LatencySummary::of(&mine);
        self.histogram = histogram::encode(&mine);
        Ok(())
    }
}

/// The current time, RFC 3339 in UTC: when a run starts.
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl ScenarioReport {
    /// The scenario's figures without its histograms and per-second series: what `apply
    /// --json` carries for a scenario step (`docs/load.md`).
    pub(crate) fn without_histograms(&self) -> Self {
        let strip = |metrics: &RequestMetrics| RequestMetrics {
            histogram: String::new(),
            ..metrics.clone()
        };
        Self {
            requests: self.requests.iter().map(strip).collect(),
            total: strip(&self.total),
            series: Vec::new(),
            ..self.clone()
        }
    }

    /// The scenario's verdict for people: every threshold held; with no threshold, at least
    /// one request succeeded (a run in which every request failed, or none was sent, is no
    /// pass however it is shown). The exit codes follow the thresholds ([`RunReport::passed`])
    /// and the load engine's own check of what was measured.
    pub(crate) fn passed(&self) -> bool {
        if self.thresholds.is_empty() {
            self.total.failed < self.total.count
        } else {
            self.thresholds.iter().all(|t| t.passed)
        }
    }
}

impl RunReport {
    /// A report of the given scenarios, stamped with this tool's name and the current time.
    pub(crate) fn new(started_at: String, scenarios: Vec<ScenarioReport>) -> Self {
        Self {
            version: FORMAT_VERSION,
            tool: format!("backendctl {}", env!("CARGO_PKG_VERSION")),
            started_at,
            scenarios,
        }
    }

    /// Whether every threshold of every scenario held.
    pub(crate) fn passed(&self) -> bool {
        self.scenarios
            .iter()
            .all(|s| s.thresholds.iter().all(|t| t.passed))
    }
}
