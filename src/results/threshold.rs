//! Pass/fail conditions on a scenario's metrics (`p95 "< 250ms"`, `error-rate "< 1%"`,
//! `rps "> 200"`, `checks "> 99%"`): the CI gate. They are evaluated live, once a second, so a
//! threshold with `abort-on-fail` can stop a run early, and again on the final figures.

use std::fmt;
use std::time::Duration;

use crate::results::run_report::{NO_DATA, RequestMetrics, ThresholdResult};

/// What a threshold measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Metric {
    Min,
    Mean,
    P50,
    P90,
    P95,
    P99,
    P999,
    Max,
    ErrorRate,
    Rps,
    Checks,
}

/// How the measured value is compared with the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// One threshold: `metric condition`, optionally scoped to one request name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Threshold {
    pub metric: Metric,
    pub comparison: Comparison,
    /// In the metric's unit: milliseconds for latency, a fraction for rates, req/s for `rps`.
    pub limit: f64,
    /// The condition as written, for reports.
    pub condition: String,
    /// Only this request name, or the whole scenario.
    pub request: Option<String>,
    /// Stop the run as soon as this threshold is breached (after the abort delay).
    pub abort_on_fail: bool,
}

/// A threshold that cannot be understood.
#[derive(Debug, thiserror::Error, miette::Diagnostic, PartialEq)]
pub enum ThresholdError {
    #[error("unknown threshold metric `{metric}`")]
    #[diagnostic(
        code("load::unknown-threshold-metric"),
        help("use one of min, mean, p50, p90, p95, p99, p99.9, max, error-rate, rps, checks")
    )]
    UnknownMetric { metric: String },
    #[error("cannot read threshold condition `{condition}`")]
    #[diagnostic(
        code("load::bad-threshold-condition"),
        help("write a comparison and a value: \"< 250ms\", \"<= 1%\", \"> 200\", \"> 99%\"")
    )]
    BadCondition { condition: String },
}

impl Metric {
    /// Reads a metric name as written in a manifest or on the command line.
    pub(crate) fn parse(name: &str) -> Result<Self, ThresholdError> {
        Ok(match name.trim() {
            "min" => Self::Min,
            "mean" | "avg" => Self::Mean,
            "p50" | "median" => Self::P50,
            "p90" => Self::P90,
            "p95" => Self::P95,
            "p99" => Self::P99,
            "p99.9" | "p999" => Self::P999,
            "max" => Self::Max,
            "error-rate" => Self::ErrorRate,
            "rps" => Self::Rps,
            "checks" => Self::Checks,
            other => {
                return Err(ThresholdError::UnknownMetric {
                    metric: other.to_owned(),
                });
            }
        })
    }

    /// The metric's name in reports.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Min => "min",
            Self::Mean => "mean",
            Self::P50 => "p50",
            Self::P90 => "p90",
            Self::P95 => "p95",
            Self::P99 => "p99",
            Self::P999 => "p99.9",
            Self::Max => "max",
            Self::ErrorRate => "error-rate",
            Self::Rps => "rps",
            Self::Checks => "checks",
        }
    }

    fn is_latency(self) -> bool {
        !matches!(self, Self::ErrorRate | Self::Rps | Self::Checks)
    }

    fn is_rate(self) -> bool {
        matches!(self, Self::ErrorRate | Self::Checks)
    }

    /// The measured value of this metric in `metrics`; none when there is nothing to measure:
    /// no response means no latency, no request no error rate, no check no check rate.
    pub(crate) fn value(self, metrics: &RequestMetrics) -> Option<f64> {
        let l = &metrics.latency;
        match self {
            Self::Min => l.min,
            Self::Mean => l.mean,
            Self::P50 => l.p50,
            Self::P90 => l.p90,
            Self::P95 => l.p95,
            Self::P99 => l.p99,
            Self::P999 => l.p999,
            Self::Max => l.max,
            Self::ErrorRate => metrics.error_rate(),
            Self::Rps => Some(metrics.rps),
            Self::Checks => metrics.check_rate(),
        }
    }

    /// A value of this metric formatted for people, or "no data".
    pub(crate) fn show(self, value: Option<f64>) -> String {
        let Some(value) = value else {
            return NO_DATA.to_owned();
        };
        if self.is_latency() {
            format!("{value:.2}ms")
        } else if self.is_rate() {
            format!("{:.2}%", value * 100.0)
        } else {
            format!("{value:.1}/s")
        }
    }
}

impl Comparison {
    fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Self::Less => value < limit,
            Self::LessOrEqual => value <= limit,
            Self::Greater => value > limit,
            Self::GreaterOrEqual => value >= limit,
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Threshold {
    /// Reads `metric` and `condition` (`"< 250ms"`).
    pub(crate) fn parse(
        metric: &str,
        condition: &str,
        request: Option<String>,
        abort_on_fail: bool,
    ) -> Result<Self, ThresholdError> {
        let metric = Metric::parse(metric)?;
        let bad = || ThresholdError::BadCondition {
            condition: condition.to_owned(),
        };
        let text = condition.trim();
        let (comparison, rest) = if let Some(r) = text.strip_prefix("<=") {
            (Comparison::LessOrEqual, r)
        } else if let Some(r) = text.strip_prefix(">=") {
            (Comparison::GreaterOrEqual, r)
        } else if let Some(r) = text.strip_prefix('<') {
            (Comparison::Less, r)
        } else if let Some(r) = text.strip_prefix('>') {
            (Comparison::Greater, r)
        } else {
            return Err(bad());
        };
        let rest = rest.trim();
        let limit = if metric.is_latency() {
            parse_millis(rest).ok_or_else(bad)?
        } else if metric.is_rate() {
            match rest.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
                None => rest.parse::<f64>().map_err(|_| bad())?,
            }
        } else {
            rest.trim_end_matches("/s")
                .trim()
                .parse::<f64>()
                .map_err(|_| bad())?
        };
        if !limit.is_finite() {
            return Err(bad());
        }
        Ok(Self {
            metric,
            comparison,
            limit,
            condition: text.to_owned(),
            request,
            abort_on_fail,
        })
    }

    /// Reads a command-line threshold: `p95<250ms`, `error-rate<1%`, `rps>200`.
    pub(crate) fn parse_flag(text: &str) -> Result<Self, ThresholdError> {
        let at = text
            .find(['<', '>'])
            .ok_or_else(|| ThresholdError::BadCondition {
                condition: text.to_owned(),
            })?;
        Self::parse(&text[..at], &text[at..], None, false)
    }

    /// Judges this threshold against the metrics of its scope.
    pub(crate) fn evaluate(&self, metrics: &RequestMetrics) -> ThresholdResult {
        let value = self.metric.value(metrics);
        // A threshold over nothing cannot hold (a dead target must not pass p95).
        ThresholdResult {
            metric: self.metric.label().to_owned(),
            request: self.request.clone(),
            condition: self.condition.clone(),
            value,
            shown: self.metric.show(value),
            passed: value.is_some_and(|v| self.comparison.holds(v, self.limit)),
        }
    }
}

/// Reads a duration (`250ms`, `1.5s`, `800us`) or a bare number of milliseconds.
fn parse_millis(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<f64>() {
        return Some(ms);
    }
    for (suffix, factor) in [("ms", 1.0), ("us", 0.001), ("µs", 0.001), ("s", 1000.0)] {
        if let Some(n) = text.strip_suffix(suffix)
            && let Ok(v) = n.trim().parse::<f64>()
        {
            return Some(v * factor);
        }
    }
    humantime::parse_duration(text)
        .ok()
        .map(|d: Duration| d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_threshold_over_no_data_fails() {
        let empty = RequestMetrics::default();
        for (metric, condition) in [
            ("p95", "< 250ms"),
            ("error-rate", "< 1%"),
            ("checks", "> 99%"),
        ] {
            let verdict = Threshold::parse(metric, condition, None, false)
                .unwrap()
                .evaluate(&empty);
            assert!(!verdict.passed, "{metric} {condition} passed with no data");
            assert_eq!(verdict.shown, "no data");
            assert_eq!(verdict.value, None);
        }
    }

    #[test]
    fn conditions_are_read_in_the_metric_unit() {
        let t = Threshold::parse("p95", "< 250ms", None, false).unwrap();
        assert_eq!((t.comparison, t.limit), (Comparison::Less, 250.0));
        let t = Threshold::parse("p99", "<=1.5s", None, false).unwrap();
        assert_eq!((t.comparison, t.limit), (Comparison::LessOrEqual, 1500.0));
        let t = Threshold::parse("error-rate", "< 1%", None, false).unwrap();
        assert!((t.limit - 0.01).abs() < 1e-12);
        let t = Threshold::parse("rps", "> 200", None, false).unwrap();
        assert_eq!((t.comparison, t.limit), (Comparison::Greater, 200.0));
        let t = Threshold::parse_flag("checks>99%").unwrap();
        assert!((t.limit - 0.99).abs() < 1e-12);
    }

    #[test]
    fn bad_thresholds_are_refused() {
        assert!(matches!(
            Threshold::parse("p42", "< 1ms", None, false),
            Err(ThresholdError::UnknownMetric { .. })
        ));
        assert!(matches!(
            Threshold::parse("p95", "250ms", None, false),
            Err(ThresholdError::BadCondition { .. })
        ));
        assert!(matches!(
            Threshold::parse("p95", "< fast", None, false),
            Err(ThresholdError::BadCondition { .. })
        ));
    }

    #[test]
    fn evaluation_compares_the_measured_value() {
        let mut m = RequestMetrics {
            count: 200,
            failed: 1,
            ..RequestMetrics::default()
        };
        m.latency.p95 = Some(120.0);
        m.statuses.insert(200, 199);
        let p95 = Threshold::parse("p95", "< 100ms", None, false).unwrap();
        let r = p95.evaluate(&m);
        assert!(!r.passed);
        assert_eq!(r.shown, "120.00ms");
        let er = Threshold::parse("error-rate", "< 1%", None, false).unwrap();
        assert!(er.evaluate(&m).passed);
    }
}
