//! The `service` node: a process started during `apply`, probed until ready, stopped at the end.

use super::Duration;
use crate::secret::{SecretText, SecretUrl};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A long-running process: `service "api" { run "npm" "run" "start"; ready "http://127.0.0.1:3000/health" }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Service {
    /// The program and its arguments, started without a shell: `run "npm" "run" "start"`.
    #[schemars(length(min = 1))]
    pub run: Vec<String>,
    /// Working directory, relative to the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Extra environment variables: `env PORT="3000" DATABASE_URL="{{ database.main.url }}"`.
    /// Secret positions (`x-secret`): a value read from the environment is masked wherever it
    /// is shown, and in the service's log.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, SecretText>,
    /// How to tell the service is ready; without it the service counts as ready once started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<Readiness>,
    /// How long to wait after SIGTERM before SIGKILL when stopping. Default `"5s"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<Duration>,
    /// Nodes that must be applied before this one, by address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

/// A readiness probe: `ready "http://127.0.0.1:3000/health" timeout="60s"` (any 2xx answer) or
/// `ready "tcp://127.0.0.1:6379"` (a TCP connect).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("x-kdl-args" = ["target"]))]
pub struct Readiness {
    /// `http://…`/`https://…` (ready on a 2xx answer) or `tcp://host:port` (ready on connect).
    /// A secret position (`x-secret`), as any URL.
    pub target: SecretUrl,
    /// How long to wait for readiness. Default `"30s"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}
