//! Saved plans: `plan --out plan.json`, then `apply plan.json`, as terraform does.
//!
//! The file holds the steps and a fingerprint of the manifest and of the state every executor
//! read. `apply` plans again and refuses the saved plan when the fingerprints differ, naming the
//! steps whose state moved.
//!
//! It never holds a secret: steps are built from types that display masked, the manifest's
//! fingerprint is taken of its public form, and each secret variable is kept as its name and a
//! keyed fingerprint of its value ([`PlanKey`]). `apply plan.json` reads the environment again
//! and refuses the plan, naming the variable, when a secret changed, is no longer set, or is set
//! and was not.

use super::{Plan, Step};
use crate::secret::{PlanKey, SecretVariables};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a saved plan keeps of one secret variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SecretMarker {
    /// The variable's name.
    pub variable: String,
    /// HMAC-SHA-256 of its value under the plan key; absent when it was not set (a
    /// `default(…)` was used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

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
    /// The id of the key the secrets' fingerprints were made with ([`PlanKey::id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// The secret variables, each as a name and a keyed fingerprint, never a value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretMarker>,
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
    /// A secret variable changed, or was set or unset, since the plan was made.
    #[error("saved plan {path} was made with other secrets: {changes}")]
    #[diagnostic(
        code("plan::secret-changed"),
        help(
            "set them as they were when the plan was made, or run `backendctl plan --out {path}` again, review it, then apply the new plan"
        )
    )]
    SecretChanged {
        /// The file.
        path: String,
        /// Each variable and what happened to it (`API_TOKEN` changed).
        changes: String,
    },
    /// The plan's secrets were fingerprinted with a key that is not here.
    #[error(
        "saved plan {path} was made with another saved-plan key: its secrets cannot be checked here"
    )]
    #[diagnostic(
        code("plan::other-key"),
        help(
            "set BACKENDCTL_PLAN_KEY to the same value where you plan and where you apply, or make the plan here"
        )
    )]
    OtherKey {
        /// The file.
        path: String,
    },
}

impl SavedPlan {
    /// Wraps a plan for saving, with a marker for each secret variable (`key` is needed when
    /// any of them is set).
    #[must_use]
    pub fn new(
        plan: &Plan,
        manifest: &str,
        fingerprint: String,
        secrets: &SecretVariables,
        key: Option<&PlanKey>,
    ) -> Self {
        let secrets: Vec<SecretMarker> = secrets
            .iter()
            .map(|(variable, value)| SecretMarker {
                variable: variable.to_owned(),
                fingerprint: value
                    .zip(key)
                    .map(|(value, key)| key.fingerprint(variable, value.expose())),
            })
            .collect();
        Self {
            format_version: 1,
            backendctl_version: env!("CARGO_PKG_VERSION").to_owned(),
            manifest: manifest.to_owned(),
            fingerprint,
            secret_key: key
                .filter(|_| secrets.iter().any(|m| m.fingerprint.is_some()))
                .map(|key| key.id().to_owned()),
            secrets,
            steps: plan.steps.clone(),
        }
    }

    /// Whether checking this plan's secrets needs the plan key.
    #[must_use]
    pub fn needs_key(&self) -> bool {
        self.secrets
            .iter()
            .any(|marker| marker.fingerprint.is_some())
    }

    /// Checks the secret variables read now against those the plan was made with.
    ///
    /// # Errors
    /// [`StalePlan::SecretChanged`] naming each variable that changed, was unset or set since;
    /// [`StalePlan::OtherKey`] when the key here is not the one the plan was made with.
    pub fn check_secrets(
        &self,
        path: &Path,
        now: &SecretVariables,
        key: Option<&PlanKey>,
    ) -> Result<(), StalePlan> {
        let path_text = path.display().to_string();
        if self.needs_key() && key.map(PlanKey::id) != self.secret_key.as_deref() {
            return Err(StalePlan::OtherKey { path: path_text });
        }
        let mut changes = Vec::new();
        for (variable, value) in now.iter() {
            let Some(marker) = self.secrets.iter().find(|m| m.variable == variable) else {
                // A new secret position means a changed manifest: the fingerprint says so.
                continue;
            };
            let change = match (&marker.fingerprint, value, key) {
                (None, Some(_), _) => Some("is set now, and was not"),
                (Some(_), None, _) => Some("is not set now"),
                (Some(saved), Some(value), Some(key))
                    if *saved != key.fingerprint(variable, value.expose()) =>
                {
                    Some("changed")
                }
                _ => None,
            };
            if let Some(change) = change {
                changes.push(format!("`{variable}` {change}"));
            }
        }
        if changes.is_empty() {
            Ok(())
        } else {
            Err(StalePlan::SecretChanged {
                path: path_text,
                changes: changes.join(", "),
            })
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
