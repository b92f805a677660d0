//! The `mock` node: an HTTP target with canned routes, for trying scenarios before a service exists.

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
    /// Path to match.
    pub path: String,
    /// Status code to answer with. Default 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Added latency before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Duration>,
}
