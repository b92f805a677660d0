//! The `mock` node: an HTTP target with canned routes, for trying scenarios before a service
//! exists, and as a stand-in with realistic latency and faults.

use super::Duration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A mock HTTP server: `mock "api" { listen "127.0.0.1:3900"; route "GET" "/api/users" status=200 }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Mock {
    /// Address to listen on (loopback only): `"127.0.0.1:3900"`.
    pub listen: String,
    /// The routes it answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<MockRoute>,
    /// Nodes that must be applied before this one, by address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

/// One canned route: `route "GET" "/api/users" status=200 body="[]" latency="20ms"`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("x-kdl-args" = ["method", "path"]))]
pub struct MockRoute {
    /// HTTP method.
    pub method: String,
    /// Path to match; `{name}` matches one segment: `/api/users/{id}`.
    pub path: String,
    /// Status code to answer with. Default 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 100, max = 599))]
    pub status: Option<u16>,
    /// Response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// A JSON response body, sent as `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<String>,
    /// Response headers: `header "Cache-Control" "no-store"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header: Vec<super::scenario::Header>,
    /// Added latency before answering; the median when `latency-p99` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Duration>,
    /// Makes the latency log-normally distributed with this 99th percentile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_p99: Option<Duration>,
    /// Fraction of requests (0 to 1) answered with `error-status` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub error_rate: Option<f64>,
    /// The status of injected errors. Default 500.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 100, max = 599))]
    pub error_status: Option<u16>,
    /// Fraction of requests (0 to 1) whose connection is cut mid-response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub reset_rate: Option<f64>,
    /// Stop answering for `stall-for` at the end of every such period (a periodic stall).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_every: Option<Duration>,
    /// How long each stall lasts. Default `"1s"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_for: Option<Duration>,
}
