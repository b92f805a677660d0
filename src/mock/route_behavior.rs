//! How a mock route answers: status, headers and body, after a fixed or log-normally
//! distributed delay, with optional injected errors, connection resets and periodic stalls
//! (the target wrk2 uses to show coordinated omission).

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, StatusCode};

/// A route of a mock server, resolved from the manifest.
#[derive(Debug, Clone)]
pub(crate) struct RouteBehavior {
    pub method: Method,
    /// An axum path (`/api/users/{id}`).
    pub path: String,
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
    pub latency: Latency,
    /// Fraction of requests answered with `error_status` instead.
    pub error_rate: f64,
    pub error_status: StatusCode,
    /// Fraction of requests whose connection is cut mid-response.
    pub reset_rate: f64,
    /// Every `every`, stop answering for `length` (requests wait until the stall ends).
    pub stall: Option<Stall>,
}

/// A periodic stall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stall {
    pub every: Duration,
    pub length: Duration,
}

/// The delay before answering.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Latency {
    None,
    Fixed(Duration),
    /// Log-normal with this median and 99th percentile.
    LogNormal {
        median: Duration,
        p99: Duration,
    },
}

/// The z-score of the 99th percentile of a standard normal distribution.
const Z99: f64 = 2.326_347_874;

impl Latency {
    /// One delay drawn from this distribution.
    pub(crate) fn sample(self, rng: &mut fastrand::Rng) -> Duration {
        match self {
            Self::None => Duration::ZERO,
            Self::Fixed(d) => d,
            Self::LogNormal { median, p99 } => {
                let m = median.as_secs_f64().max(1e-9);
                let sigma = (p99.as_secs_f64().max(m) / m).ln() / Z99;
                // Box–Muller: one standard normal from two uniforms.
                let (u1, u2) = (rng.f64().max(f64::MIN_POSITIVE), rng.f64());
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                Duration::from_secs_f64((m.ln() + sigma * z).exp().min(3600.0))
            }
        }
    }
}

impl Stall {
    /// How long a request arriving `since_start` after the server started must wait.
    pub(crate) fn wait(self, since_start: Duration) -> Duration {
        if self.every.is_zero() {
            return Duration::ZERO;
        }
        let into = Duration::from_nanos(
            u64::try_from(since_start.as_nanos() % self.every.as_nanos()).unwrap_or(0),
        );
        // The stall sits at the end of each period, so a run starting with the server is not
        // stalled at once.
        let stall_start = self.every.saturating_sub(self.length);
        if into >= stall_start {
            self.every - into
        } else {
            Duration::ZERO
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_normal_latency_has_the_requested_median_and_p99() {
        let latency = Latency::LogNormal {
            median: Duration::from_millis(20),
            p99: Duration::from_millis(200),
        };
        let mut rng = fastrand::Rng::with_seed(7);
        let mut samples: Vec<f64> = (0..20_000)
            .map(|_| latency.sample(&mut rng).as_secs_f64() * 1000.0)
            .collect();
        samples.sort_by(f64::total_cmp);
        let p50 = samples[10_000];
        let p99 = samples[19_800];
        assert!((18.0..22.0).contains(&p50), "p50 {p50}");
        assert!((170.0..230.0).contains(&p99), "p99 {p99}");
    }

    #[test]
    fn stalls_come_at_the_end_of_each_period() {
        let stall = Stall {
            every: Duration::from_secs(10),
            length: Duration::from_secs(1),
        };
        assert_eq!(stall.wait(Duration::from_secs(3)), Duration::ZERO);
        assert_eq!(
            stall.wait(Duration::from_millis(9_500)),
            Duration::from_millis(500)
        );
        assert_eq!(
            stall.wait(Duration::from_millis(19_000)),
            Duration::from_secs(1)
        );
    }
}
