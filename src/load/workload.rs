//! A scenario resolved into what the engine runs: requests, how iterations pick them, the load
//! model, thresholds and client options. The ad-hoc `load` command and a manifest `scenario`
//! node both lower to a `Workload`.

use std::path::PathBuf;
use std::time::Duration;

use crate::load::conformance::ContractSource;
use crate::load::request_spec::RequestSpec;
use crate::results::threshold::Threshold;

/// Everything one scenario run needs.
#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub name: String,
    pub requests: Vec<RequestSpec>,
    pub order: IterationOrder,
    pub model: LoadModel,
    pub thresholds: Vec<Threshold>,
    /// How long after the start a breached `abort-on-fail` threshold may stop the run.
    pub abort_delay: Duration,
    /// A CSV file whose rows feed `{{ data.COLUMN }}`, one row per iteration, round robin.
    pub feeder: Option<PathBuf>,
    pub client: ClientOptions,
    /// Run one share of the VUs or rate: shard `index` (0-based) of `count`.
    pub shard: Option<Shard>,
    /// The OpenAPI document responses are checked against, and how many.
    pub contract: Option<ContractSource>,
}

/// How an iteration uses the scenario's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IterationOrder {
    /// Every request in order, once per iteration (a user journey).
    Sequence,
    /// One request per iteration, picked at random by weight.
    Weighted,
}

/// How much load, and how it is shaped in time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LoadModel {
    /// `users` virtual users share `iterations` iterations, optionally bounded by `duration`.
    Fixed {
        users: u64,
        iterations: Option<u64>,
        duration: Option<Duration>,
    },
    /// Closed model: the number of virtual users follows the stages (ramped linearly); each
    /// user starts its next iteration when the previous one ends.
    Closed { stages: Vec<Stage> },
    /// Open model: iterations start at the stages' arrival rate (per second, ramped linearly),
    /// whatever the target's latency; latency is measured from the intended start, and an
    /// iteration due when all `max_vus` users are busy is dropped and counted.
    Open { stages: Vec<Stage>, max_vus: u64 },
}

/// A stage: ramp linearly from the previous stage's value to `target` over `duration`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stage {
    pub duration: Duration,
    pub target: f64,
}

/// HTTP client settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientOptions {
    /// Keep connections open between requests (one connection per virtual user).
    pub keep_alive: bool,
    /// Use HTTP/2 (with prior knowledge on `http://`, by ALPN on `https://`).
    pub http2: bool,
    /// Accept self-signed and otherwise invalid certificates (local targets only).
    pub insecure: bool,
    /// A cookie jar per virtual user, emptied at the start of each iteration.
    pub cookies: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            keep_alive: true,
            http2: false,
            insecure: false,
            cookies: true,
        }
    }
}

/// One of `count` machines sharing a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    /// 0-based.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Reads `I/N` (1-based, as Kubernetes' completion index + 1).
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not I/N"))?;
        let i: u64 = i
            .trim()
            .parse()
            .map_err(|_| format!("`{i}` is not a number"))?;
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a number"))?;
        if n == 0 || i == 0 || i > n {
            return Err(format!("shard {i}/{n} is out of range: use 1/N … N/N"));
        }
        Ok(Self {
            index: i - 1,
            count: n,
        })
    }

    /// This shard's integer share of `total` (the shares of all shards add up to `total`).
    pub(crate) fn share(self, total: u64) -> u64 {
        let (i, n) = (u128::from(self.index), u128::from(self.count));
        let t = u128::from(total);
        u64::try_from(t * (i + 1) / n - t * i / n).expect("a share is at most the total")
    }

    /// This shard's fractional share of a rate.
    pub(crate) fn share_rate(self, rate: f64) -> f64 {
        rate / self.count as f64
    }

    pub(crate) fn label(self) -> String {
        format!("{}/{}", self.index + 1, self.count)
    }
}

impl LoadModel {
    /// The model restricted to one shard's share.
    pub(crate) fn for_shard(&self, shard: Shard) -> Self {
        match self {
            Self::Fixed {
                users,
                iterations,
                duration,
            } => Self::Fixed {
                users: shard.share(*users).max(1),
                iterations: iterations.map(|n| shard.share(n)),
                duration: *duration,
            },
            Self::Closed { stages } => Self::Closed {
                stages: stages
                    .iter()
                    .map(|s| Stage {
                        duration: s.duration,
                        target: shard.share(s.target.round() as u64) as f64,
                    })
                    .collect(),
            },
            Self::Open { stages, max_vus } => Self::Open {
                stages: stages
                    .iter()
                    .map(|s| Stage {
                        duration: s.duration,
                        target: shard.share_rate(s.target),
                    })
                    .collect(),
                max_vus: shard.share(*max_vus).max(1),
            },
        }
    }

    /// A short description for reports.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Fixed {
                users,
                iterations,
                duration,
            } => {
                let mut s = format!("fixed: {users} users");
                if let Some(n) = iterations {
                    s.push_str(&format!(", {n} iterations"));
                }
                if let Some(d) = duration {
                    s.push_str(&format!(", {}", humantime::format_duration(*d)));
                }
                s
            }
            Self::Closed { stages } => {
                let peak = stages.iter().map(|s| s.target).fold(0.0, f64::max);
                format!("closed: {} stage(s), up to {peak} VUs", stages.len())
            }
            Self::Open { stages, max_vus } => {
                let peak = stages.iter().map(|s| s.target).fold(0.0, f64::max);
                format!(
                    "open: {} stage(s), up to {peak} iterations/s, max {max_vus} VUs",
                    stages.len()
                )
            }
        }
    }
}

/// The value of linearly ramped stages at `elapsed`, starting from `start`; `None` after the
/// last stage.
pub(crate) fn stage_value(stages: &[Stage], start: f64, elapsed: Duration) -> Option<f64> {
    let mut from = start;
    let mut offset = Duration::ZERO;
    for stage in stages {
        if elapsed < offset + stage.duration {
            let into = (elapsed - offset).as_secs_f64();
            let length = stage.duration.as_secs_f64();
            let fraction = if length > 0.0 { into / length } else { 1.0 };
            return Some(from + (stage.target - from) * fraction);
        }
        offset += stage.duration;
        from = stage.target;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_exactly() {
        let shards: Vec<Shard> = (1..=3)
            .map(|i| Shard::parse(&format!("{i}/3")).unwrap())
            .collect();
        assert_eq!(shards.iter().map(|s| s.share(100)).sum::<u64>(), 100);
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
    }

    #[test]
    fn stages_ramp_linearly() {
        let stages = [
            Stage {
                duration: Duration::from_secs(10),
                target: 50.0,
            },
            Stage {
                duration: Duration::from_secs(10),
                target: 50.0,
            },
            Stage {
                duration: Duration::from_secs(10),
                target: 0.0,
            },
        ];
        assert_eq!(
            stage_value(&stages, 0.0, Duration::from_secs(5)),
            Some(25.0)
        );
        assert_eq!(
            stage_value(&stages, 0.0, Duration::from_secs(15)),
            Some(50.0)
        );
        assert_eq!(
            stage_value(&stages, 0.0, Duration::from_secs(25)),
            Some(25.0)
        );
        assert_eq!(stage_value(&stages, 0.0, Duration::from_secs(30)), None);
    }
}
