//! Saved plans: `plan --out plan.json`, then `apply plan.json`, as terraform does.
//!
//! The file holds the steps and a fingerprint of the manifest and of the state every executor
//! read. `apply` plans again and refuses the saved plan when the fingerprints differ, naming the
//! steps whose state moved.

use super::{Plan, Step};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The on-disk form of a plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SavedPlan {
    /// Always 1 for now.
    pub format_version: u32,
    /// The backendctl version that wrote it.
    pub backendctl_version: String,
    /// The manifest it was planned from, as given.
    pub manifest: String,
    /// Fingerprint of manifest and state.
    pub fingerprint: String,
    /// The steps.
    pub steps: Vec<Step>,
}

/// Why a saved plan cannot be applied.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StalePlan {
    /// The file cannot be read or is not a plan.
    #[error("cannot read saved plan {path}: {reason}")]
    #[diagnostic(
        code(plan::unreadable),
        help("make a new one with `backendctl plan --out {path}`")
    )]
    Unreadable {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The world moved since the plan was made.
    #[error("saved plan {path} is stale: {changed} changed since it was made")]
    #[diagnostic(
        code(plan::stale),
        help("run `backendctl plan --out {path}` again, review it, then apply the new plan")
    )]
    Stale {
        /// The file.
        path: String,
        /// Which steps (or the manifest) changed.
        changed: String,
    },
}

impl SavedPlan {
    /// Wraps a plan for saving.
    #[must_use]
    pub fn new(plan: &Plan, manifest: &str, fingerprint: String) -> Self {
        Self {
            format_version: 1,
            backendctl_version: env!("CARGO_PKG_VERSION").to_owned(),
            manifest: manifest.to_owned(),
            fingerprint,
            steps: plan.steps.clone(),
        }
    }

    /// Reads a saved plan.
    ///
    /// # Errors
    /// [`StalePlan::Unreadable`] when the file is missing or not a plan.
    pub fn read(path: &Path) -> Result<Self, StalePlan> {
        let unreadable = |reason: String| StalePlan::Unreadable {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|error| unreadable(error.to_string()))?;
        let saved: Self =
            serde_json::from_str(&text).map_err(|error| unreadable(error.to_string()))?;
        if saved.format_version != 1 {
            return Err(unreadable(format!(
                "format version {} is not supported",
                saved.format_version
            )));
        }
        Ok(saved)
    }

    /// Checks this saved plan against a fresh plan of the same manifest.
    ///
    /// # Errors
    /// [`StalePlan::Stale`] naming what changed.
    pub fn check(
        &self,
        path: &Path,
        fresh: &Plan,
        fresh_fingerprint: &str,
    ) -> Result<(), StalePlan> {
        if self.fingerprint == fresh_fingerprint {
            return Ok(());
        }
        let mut changed: Vec<String> = Vec::new();
        for step in &fresh.steps {
            match self
                .steps
                .iter()
                .find(|saved| saved.address == step.address)
            {
                Some(saved) if saved.state == step.state && saved.action == step.action => {}
                _ => changed.push(format!("`{}`", step.address)),
            }
        }
        for saved in &self.steps {
            if !fresh.steps.iter().any(|step| step.address == saved.address) {
                changed.push(format!("`{}`", saved.address));
            }
        }
        let changed = if changed.is_empty() {
            "the manifest".to_owned()
        } else {
            changed.join(", ")
        };
        Err(StalePlan::Stale {
            path: path.display().to_string(),
            changed,
        })
    }
}
