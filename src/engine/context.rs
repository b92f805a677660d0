//! What a node may read while planning ([`PlanContext`]) and use while applying
//! ([`ApplyContext`]).

use super::{Node, NodeLookup, Supervisor};
use crate::manifest::{LoadedManifest, Manifest, NodeKind};
use crate::settings::Settings;
use std::path::PathBuf;

/// What an executor may read while planning.
#[derive(Debug, Clone, Copy)]
pub struct PlanContext<'a> {
    /// The checked manifest.
    pub loaded: &'a LoadedManifest,
    /// The effective settings.
    pub settings: &'a Settings,
    /// Each node kind's implementation.
    pub nodes: NodeLookup,
}

impl PlanContext<'_> {
    /// The implementation of `kind`.
    #[must_use]
    pub fn node(&self, kind: NodeKind) -> &'static dyn Node {
        (self.nodes)(kind)
    }

    /// The typed, interpolated manifest.
    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        &self.loaded.manifest
    }

    /// The directory relative paths are resolved against.
    #[must_use]
    pub fn base_dir(&self) -> PathBuf {
        self.loaded.base_dir()
    }

    /// How an error message names the value at `pointer` (a value read from the environment
    /// by its field and variables, never quoted).
    #[must_use]
    pub fn describe_value(&self, pointer: &str, value: &str) -> String {
        self.loaded.describe_value(pointer, value)
    }
}

/// What an executor may use while applying.
#[derive(Debug)]
pub struct ApplyContext<'a> {
    /// The planning context.
    pub plan: PlanContext<'a>,
    /// This run's directory for logs and reports.
    pub run_dir: PathBuf,
    /// Stops services and background tasks when `apply` ends.
    pub supervisor: &'a Supervisor,
    /// Whether a person is watching (progress bars, prompts).
    pub interactive: bool,
    /// Fires on Ctrl-C: long steps stop early and clean up what they started.
    pub cancel: tokio_util::sync::CancellationToken,
}

impl ApplyContext<'_> {
    /// The typed, interpolated manifest.
    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        self.plan.manifest()
    }

    /// The directory relative paths are resolved against.
    #[must_use]
    pub fn base_dir(&self) -> PathBuf {
        self.plan.base_dir()
    }
}
