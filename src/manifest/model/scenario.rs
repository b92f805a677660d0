//! The `scenario` node: an HTTP load scenario with stages and thresholds.

use super::Duration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The pattern of a latency threshold such as `"< 250ms"`.
pub const LATENCY_THRESHOLD_PATTERN: &str = r"^\s*(<|<=|>|>=)\s*[0-9]+(\.[0-9]+)?\s*(us|ms|s)\s*$";
/// The pattern of a percentage threshold such as `"< 1%"`.
pub const RATE_THRESHOLD_PATTERN: &str = r"^\s*(<|<=|>|>=)\s*[0-9]+(\.[0-9]+)?\s*%\s*$";

/// A load scenario: stages of virtual users (or arrival rates), requests and thresholds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scenario {
    /// Base URL every request path is joined to: `"http://127.0.0.1:3000"`.
    pub base_url: String,
    /// The load profile.
    pub stages: Stages,
    /// Requests made by every iteration, in order.
    #[schemars(length(min = 1))]
    pub request: Vec<Request>,
    /// Pass/fail criteria; a breach makes `apply` exit 99.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
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
}

/// One stage: ramp to `target` virtual users, or hold `rate` arrivals per second, for `duration`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("x-kdl-args" = ["duration"]))]
pub struct Stage {
    /// How long the stage lasts.
    pub duration: Duration,
    /// Virtual users to ramp to by the end of the stage (closed model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<u32>,
    /// Iterations started per second (open model).
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
    /// Path (and query) joined to the scenario's `base-url`.
    pub path: String,
    /// Request headers: `header "Accept" "application/json"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header: Vec<Header>,
    /// Checks on the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
}

/// A request header.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("x-kdl-args" = ["name", "value"]))]
pub struct Header {
    /// Header name.
    pub name: String,
    /// Header value.
    pub value: String,
}

/// Checks on a response: `expect status=200`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Expect {
    /// The expected status code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// Pass/fail criteria: `p95 "< 250ms"`, `error-rate "< 1%"`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Thresholds {
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
    /// Share of failed requests: `"< 1%"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = RATE_THRESHOLD_PATTERN))]
    pub error_rate: Option<String>,
}
