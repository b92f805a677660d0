//! The `scenario` node: an HTTP load scenario with stages, requests, checks and thresholds.
//!
//! A scenario runs in the closed model (`stage "30s" target=50`: virtual users, ramped) or the
//! open model (`stage "1m" rate=200`: iterations started per second, whatever the latency). Each
//! iteration sends the requests in order (a user journey), or — when any request has a `weight`
//! — one request picked by weight. Strings may use `{{ vars.NAME }}` (extracted from earlier
//! responses), `{{ data.COLUMN }}` (the CSV feeder's row) and `{{ vu }}`, rendered per request.

use super::Duration;
use crate::secret::{SecretText, SecretUrl};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The pattern of a latency threshold such as `"< 250ms"`.
pub const LATENCY_THRESHOLD_PATTERN: &str = r"^\s*(<|<=|>|>=)\s*[0-9]+(\.[0-9]+)?\s*(us|ms|s)\s*$";
/// The pattern of a percentage threshold such as `"< 1%"`.
pub const RATE_THRESHOLD_PATTERN: &str = r"^\s*(<|<=|>|>=)\s*[0-9]+(\.[0-9]+)?\s*%\s*$";
/// The pattern of a throughput threshold such as `"> 200"` (requests per second).
pub const THROUGHPUT_THRESHOLD_PATTERN: &str = r"^\s*(<|<=|>|>=)\s*[0-9]+(\.[0-9]+)?\s*(/s)?\s*$";

/// A load scenario: stages of virtual users (or arrival rates), requests and thresholds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scenario {
    /// Base URL every request path is joined to: `"http://127.0.0.1:3000"`. A secret position
    /// (`x-secret`): its password, and a userinfo, query value or fragment from the
    /// environment, are masked wherever it is shown.
    pub base_url: SecretUrl,
    /// The load profile.
    pub stages: Stages,
    /// Requests made by every iteration, in order (or one of them by `weight`).
    #[schemars(length(min = 1))]
    pub request: Vec<Request>,
    /// Pass/fail criteria over all requests; a breach makes `apply` exit 99.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
    /// A CSV file (with a header line) whose rows feed `{{ data.COLUMN }}`, one row per
    /// iteration, round robin. Relative to the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_file: Option<String>,
    /// Default per-request timeout, including the response body. Default `"10s"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Use HTTP/2 (prior knowledge on http://, ALPN on https://).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub http2: bool,
    /// Accept self-signed and otherwise invalid TLS certificates (local targets only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure: bool,
    /// Keep connections open between requests (one per virtual user). Default `#true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<bool>,
    /// Give each virtual user a cookie jar, emptied at the start of each iteration (as k6
    /// does): `Set-Cookie` from a response is sent back on later requests of the iteration.
    /// Default `#true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookies: Option<bool>,
    /// Run at the same time as the neighbouring scenarios that also say `parallel #true` (and
    /// do not depend on each other), instead of one after another.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub parallel: bool,
    /// Nodes that must be applied before this one, by address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

/// The stages of a scenario, run one after another.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Stages {
    /// One stage: `stage "30s" target=50` (virtual users) or `stage "1m" rate=200` (arrivals/s).
    #[schemars(length(min = 1))]
    pub stage: Vec<Stage>,
    /// Open model: the most virtual users busy at once; an iteration due when all are busy is
    /// dropped and counted. Default 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_vus: Option<u32>,
}

/// One stage: ramp to `target` virtual users, or to `rate` arrivals per second, over `duration`.
/// Closed-model ramps start from 0 users; open-model ramps start from the first stage's rate,
/// so a single `stage "1m" rate=200` is a constant rate.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("x-kdl-args" = ["duration"]))]
pub struct Stage {
    /// How long the stage lasts.
    pub duration: Duration,
    /// Virtual users to ramp to by the end of the stage (closed model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<u32>,
    /// Iterations started per second by the end of the stage (open model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<u32>,
}

/// One request: `request "list-products" "GET" "/api/products" { expect status=200 }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("x-kdl-args" = ["name", "method", "path"]))]
pub struct Request {
    /// Name used in metrics and thresholds.
    pub name: String,
    /// HTTP method.
    pub method: String,
    /// Path (and query) joined to the scenario's `base-url`. A secret position (`x-secret`): a
    /// query value from the environment is masked wherever it is shown.
    pub path: SecretUrl,
    /// Request headers: `header "Accept" "application/json"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header: Vec<Header>,
    /// A text body, sent as is. A secret position (`x-secret`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<SecretText>,
    /// A JSON body, sent as `application/json`: `json "{\"sku\": \"A1\"}"`. A secret
    /// position (`x-secret`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<SecretText>,
    /// A file whose content is the body (relative to the manifest); `.json` files are sent as
    /// `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_file: Option<String>,
    /// Form fields, sent as `application/x-www-form-urlencoded`: `form "user" "ann"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub form: Vec<FormField>,
    /// Timeout for this request, including its body (default: the scenario's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Relative weight: when any request has one, each iteration sends one request picked by
    /// weight instead of the whole sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub weight: Option<u32>,
    /// Pause after this request, before the next one of the iteration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think_time: Option<Duration>,
    /// Checks on the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// JSON checks: `expect-json "$.data.id" 42`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect_json: Vec<ExpectJson>,
    /// Values taken from the response for later requests: `extract "token" json="$.token"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extract: Vec<Extract>,
    /// Pass/fail criteria over this request only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
}

/// A request header.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("x-kdl-args" = ["name", "value"]))]
pub struct Header {
    /// Header name.
    pub name: String,
    /// Header value. A secret position (`x-secret`): a value read from the environment is
    /// masked wherever it is shown.
    pub value: SecretText,
}

/// A form field.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("x-kdl-args" = ["name", "value"]))]
pub struct FormField {
    /// Field name.
    pub name: String,
    /// Field value. A secret position (`x-secret`).
    pub value: SecretText,
}

/// Checks on a response: `expect status=200 body-contains="ok" header="ETag"`. A failed check
/// fails the request (error category `failed-check`) and counts in the `checks` rate.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Expect {
    /// The expected status code. With it, a 4xx/5xx status fails the request only if it is not
    /// the expected one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 100, max = 599))]
    pub status: Option<u16>,
    /// Text the body must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    /// A header the response must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

/// A JSON check: the first value at `path` (RFC 9535) must equal `value`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("x-kdl-args" = ["path", "value"]))]
pub struct ExpectJson {
    /// A JSON path such as `$.data.id`.
    pub path: String,
    /// The value it must equal (a string, number, boolean or null).
    pub value: serde_json::Value,
}

/// A value to extract into `vars`: `extract "token" json="$.token"` or
/// `extract "etag" header="ETag"`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("x-kdl-args" = ["var"]))]
pub struct Extract {
    /// The variable, used later as `{{ vars.NAME }}`.
    pub var: String,
    /// A JSON path (RFC 9535) into the response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<String>,
    /// A response header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

/// Pass/fail criteria: `p95 "< 250ms"`, `error-rate "< 1%"`, `rps "> 200"`, `checks "> 99%"`.
/// Evaluated live once a second and at the end; with `abort-on-fail=#true` the run stops at
/// the first breach (after `abort-delay`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Thresholds {
    /// Mean latency bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = LATENCY_THRESHOLD_PATTERN))]
    pub mean: Option<String>,
    /// Median latency bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = LATENCY_THRESHOLD_PATTERN))]
    pub p50: Option<String>,
    /// 90th percentile latency bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = LATENCY_THRESHOLD_PATTERN))]
    pub p90: Option<String>,
    /// 95th percentile latency bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = LATENCY_THRESHOLD_PATTERN))]
    pub p95: Option<String>,
    /// 99th percentile latency bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = LATENCY_THRESHOLD_PATTERN))]
    pub p99: Option<String>,
    /// 99.9th percentile latency bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = LATENCY_THRESHOLD_PATTERN))]
    pub p999: Option<String>,
    /// Maximum latency bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = LATENCY_THRESHOLD_PATTERN))]
    pub max: Option<String>,
    /// Share of failed requests: `"< 1%"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = RATE_THRESHOLD_PATTERN))]
    pub error_rate: Option<String>,
    /// Share of passed checks: `"> 99%"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = RATE_THRESHOLD_PATTERN))]
    pub checks: Option<String>,
    /// Requests per second over the run: `"> 200"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = THROUGHPUT_THRESHOLD_PATTERN))]
    pub rps: Option<String>,
    /// Stop the run as soon as one of these thresholds is breached.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub abort_on_fail: bool,
    /// With `abort-on-fail`, do not abort before this much of the run has passed (lets
    /// percentiles settle). Default `"0s"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_delay: Option<Duration>,
}

impl Thresholds {
    /// Every condition written, as (metric, condition), in a fixed order.
    #[must_use]
    pub fn conditions(&self) -> Vec<(&'static str, &str)> {
        [
            ("mean", &self.mean),
            ("p50", &self.p50),
            ("p90", &self.p90),
            ("p95", &self.p95),
            ("p99", &self.p99),
            ("p99.9", &self.p999),
            ("max", &self.max),
            ("error-rate", &self.error_rate),
            ("checks", &self.checks),
            ("rps", &self.rps),
        ]
        .into_iter()
        .filter_map(|(metric, condition)| condition.as_deref().map(|c| (metric, c)))
        .collect()
    }
}
